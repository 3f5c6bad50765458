"""Load on a live gunicorn (127.0.0.1 only, bounded in count and time): 200 concurrent verifications,
the same quiz attempt submitted by 10 threads at once, and 10 simultaneous grades of one submission.

Each test serves its own database (a SQLite file in WAL mode, or a database of its own on the
PostgreSQL server of TEST_DATABASE_URL) with gunicorn.conf.py, as production does.
"""

import contextlib
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bench.measure import gunicorn
from lms import create_app
from lms.extensions import db
from lms.models import Grade, QuizAttempt, Role, VerificationLog
from tests import factories
from tests.conftest import make_config, own_database_url

SECRET = "load-test-secret-key"  # noqa: S105
TIMEOUT = 30  # seconds for any one request


@contextlib.contextmanager
def live(tmp_path: Path, name: str, seed, *, workers: int = 2, threads: int = 8):
    """Seed a database in-process with `seed()`, then serve it with gunicorn; yields (base URL, app, seeded).

    `app` is an in-process app on the same database, for looking at what the server wrote.
    """
    url = own_database_url(tmp_path, name)
    config = make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET, RATELIMIT_ENABLED=False)
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if url.startswith("sqlite"):
            with db.engine.connect() as connection:  # the workers read while one of them writes
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        seeded = seed()
        db.session.commit()
    env = {
        "DATABASE_URL": url, "SECRET_KEY": SECRET, "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATA_DIR": str(tmp_path / "files"), "FLASK_KEYS_DIR": str(tmp_path / "keys"),
        "RATELIMIT_ENABLED": "false", "REDIS_URL": "", "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_MAIL_BACKEND": "file", "FLASK_MAIL_FILE_DIR": str(tmp_path / "mail"),
        "LMS_BASE_URL": "http://127.0.0.1", "LMS_ENV": "development",
        "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads), "GUNICORN_TIMEOUT": "60",
        "GUNICORN_GRACEFUL_TIMEOUT": "2",
    }
    try:
        with gunicorn("lms:create_app()", env, "/auth/login") as base:
            yield base, app, seeded
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def at_once(count: int, fn):
    """Run `fn(i)` in `count` threads released together; returns the results (or exceptions) in order."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def run(i):
        barrier.wait()
        try:
            return fn(i)
        except Exception as error:  # reported by the test, with the others
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def signed_in_session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base}/auth/login", data={"email": email, "password": factories.PASSWORD},
                            allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    return session


def cloned(session: requests.Session) -> requests.Session:
    """Another connection with the same cookies (the same person, in another browser tab)."""
    clone = requests.Session()
    clone.cookies.update(session.cookies)
    return clone


class FormFields(HTMLParser):
    """The fields of the POST form whose action ends with `action`: choices take their last value."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.multi: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            target = a.get("action") or self.action  # no action: the form posts to its own page
            self.inside = (a.get("method") or "").lower() == "post" and target.endswith(self.action)
        elif self.inside and a.get("name"):
            kind = (a.get("type") or "").lower()
            if tag == "input" and kind == "checkbox":
                self.multi.setdefault(a["name"], []).append(a.get("value") or "on")
            elif tag == "input" and kind == "radio":
                self.fields[a["name"]] = a.get("value") or ""  # the last choice of each group
            elif tag == "textarea":
                self.fields[a["name"]] = "Warm and accurate; keep naming the limits of confidentiality early."
            elif tag == "input" and kind not in ("submit", "button"):
                self.fields.setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False

    def data(self) -> dict:
        return {**self.fields, **{name: values[:1] for name, values in self.multi.items()}}


def form_data(session: requests.Session, page_url: str, action: str) -> dict:
    page = session.get(page_url, timeout=TIMEOUT)
    assert page.status_code == 200, (page_url, page.status_code)
    parser = FormFields(action)
    parser.feed(page.text)
    assert parser.fields or parser.multi, f"no form posting to {action} on {page_url}"
    return parser.data()


# -- one live server for the module ---------------------------------------------------------------


def seed_world() -> dict:
    """Certificates to verify, a trainee enrolled in the shipped core course, a submission to grade."""
    from lms.certificates.issuance import issue_certificate
    from lms.content.loader import load_courses
    from lms.learning.enrolment import enrol
    from lms.learning.sync import sync_courses
    from tests.conftest import ROOT

    outcomes, _ = sync_courses(load_courses(ROOT / "courses").courses)
    core = next(o.course_version for o in outcomes if o.course_version.grants_certificate)
    org = factories.make_org()
    supervisors = [factories.make_user(Role.SUPERVISOR, org=org) for _ in range(2)]
    trainee = factories.make_user(Role.TRAINEE, org=org)
    factories.make_cohort(org, supervisors=supervisors, trainees=[trainee])
    enrol(trainee, core)
    module = core.modules[0]
    submission = factories.make_submission(trainee, factories.make_scenario())
    certified = factories.make_certifying_course()
    numbers = []
    with pytest.MonkeyPatch.context() as patch:
        factories.stub_certificate_pdfs(patch)  # this test reads no PDF
        for _ in range(20):
            holder = factories.make_user(Role.TRAINEE)
            factories.complete_course(holder, certified)
            numbers.append(issue_certificate(holder, certified).number)
    return {
        "numbers": numbers, "trainee": trainee.email, "course": core.course.slug, "module": module.slug,
        "quiz_id": module.quiz.id, "supervisors": [s.email for s in supervisors], "submission_id": submission.id,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live(tmp_path_factory.mktemp("load"), "load", seed_world, workers=2, threads=8) as running:
        yield running


# -- 200 concurrent verifications -------------------------------------------------------------------


def test_200_concurrent_verifications_all_answer_correctly(server):
    base, app, world = server
    numbers, unknown = world["numbers"], "PSS-0000-0000-0000-0"
    with app.app_context():
        logged_before = db.session.scalar(sa.select(sa.func.count()).select_from(VerificationLog))

    def verify(i):
        number = numbers[i % len(numbers)] if i % 10 else unknown
        response = requests.get(f"{base}/api/v1/certificates/{number}", timeout=TIMEOUT)
        return response.status_code, response.json()

    results = at_once(200, verify)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 180, 404: 20}, statuses
    assert all(body["number"] in numbers and body["status"] == "valid" for status, body in results if status == 200)

    bulk = at_once(20, lambda i: requests.post(f"{base}/api/v1/verifications", json={"numbers": numbers},
                                               timeout=TIMEOUT))
    assert all(not isinstance(r, Exception) and r.status_code == 200 for r in bulk), bulk[:3]
    assert all(r.json()["found"] == len(numbers) for r in bulk)

    # Every lookup was logged, none lost under load. The workers write the log in batches, about once a
    # second (lms/certificates/verification_log.py), so the last rows may take a moment to arrive.
    expected = 200 + 20 * len(numbers)
    deadline = time.monotonic() + 15
    while True:
        with app.app_context():
            logged = db.session.scalar(sa.select(sa.func.count()).select_from(VerificationLog)) - logged_before
            db.session.remove()
        if logged >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert logged == expected


# -- the same quiz attempt, submitted 10 times at once ----------------------------------------------


def test_same_quiz_attempt_submitted_by_10_threads_is_scored_once(server):
    base, app, world = server
    session = signed_in_session(base, world["trainee"])
    quiz_url = f"{base}/courses/{world['course']}/modules/{world['module']}/quiz"
    started = session.post(quiz_url, allow_redirects=False, timeout=TIMEOUT)
    assert started.status_code in (302, 303), started.text[:500]
    attempt_url = started.headers["Location"]
    attempt_url = attempt_url if attempt_url.startswith("http") else base + attempt_url
    answers = form_data(session, attempt_url, attempt_url.removeprefix(base))

    results = at_once(10, lambda i: cloned(session).post(attempt_url, data=answers, allow_redirects=False,
                                                          timeout=TIMEOUT))
    assert all(not isinstance(r, Exception) for r in results), results
    statuses = Counter(r.status_code for r in results)
    assert all(status < 500 for status in statuses), statuses
    with app.app_context():
        attempts = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.quiz_id == world["quiz_id"])).all()
    assert len(attempts) == 1, "one attempt, never a duplicate"
    assert attempts[0].submitted_at is not None and attempts[0].score is not None


# -- ten grades of one submission at once ----------------------------------------------------------


def test_ten_simultaneous_grades_of_one_submission_leave_exactly_one(server):
    base, app, world = server
    sessions = [signed_in_session(base, email) for email in world["supervisors"]]
    grade_url = f"{base}/grading/submissions/{world['submission_id']}"
    scores = form_data(sessions[0], grade_url, grade_url.removeprefix(base))

    results = at_once(10, lambda i: cloned(sessions[i % 2]).post(grade_url, data=scores, allow_redirects=False,
                                                                  timeout=TIMEOUT))
    assert all(not isinstance(r, Exception) for r in results), results
    statuses = Counter(r.status_code for r in results)
    assert all(status < 500 for status in statuses), statuses
    assert statuses.get(302, 0) >= 1, statuses  # someone's grade was saved
    with app.app_context():
        grades = db.session.scalars(sa.select(Grade).where(Grade.submission_id == world["submission_id"],
                                                           Grade.kind == "primary")).all()
    assert len(grades) == 1, "exactly one primary grade: no duplicate, none lost"


# -- the benchmark's own parts ---------------------------------------------------------------------

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/ping
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.12ms   10.01ms 120.00ms   90.00%
  Latency Distribution
     50%    7.83ms
     75%   10.00ms
     90%   15.00ms
     99%  1.20s
  9685 requests in 5.00s, 1.50MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1937.00
Transfer/sec:    300.00KB
"""


def test_bench_reads_wrk_output_including_errors():
    from bench.measure import parse_wrk

    result = parse_wrk(WRK_OUTPUT)
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms) == (9685, 1937.0, 7.83, 1200.0)
    assert result.errors == 1 + 2 + 4


def test_bench_seeds_alike_cohorts_and_finds_the_pages_for_each_role(app, db):
    from bench.run import PAGES, resolve
    from bench.seed import Size, seed
    from lms.auth.services import hash_password

    size = Size("tiny", trainees=100, quiz_attempts=1000, submissions=200, certificates=60)
    seeded = seed(app, size, password_hash=hash_password("bench-password-123"))
    assert seeded.counts["trainees"] == 100 and seeded.counts["cohorts"] == 2
    assert seeded.counts["quiz_attempts"] == 1000 and seeded.counts["certificates"] == 60
    assert len(set(seeded.numbers)) == 60
    for title, role, endpoints in PAGES:
        url, how = resolve(app, endpoints, seeded.url_values())
        assert url is not None, (title, how)
        client = app.test_client()
        client.post("/auth/login", data={"email": seeded.emails[role], "password": "bench-password-123"})
        assert client.get(url).status_code == 200, (title, url)
