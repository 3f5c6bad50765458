"""A crawl of every page as every role finds no server error: each GET route in `app.url_map` with real ids
filled in, then hostile variants (ids no column can hold, negative ids, odd page and filter parameters,
control characters in the query string)."""

import itertools
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lms import secret_box
from lms.extensions import db
from lms.models import IdentityProvider, LtiPlatform, SupervisedHours
from lms.orgs import invitations
from tests import factories, org_factories
from tests.conftest import FreshContextClient

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads

ROLES = [None, "trainee", "supervisor", "outsider_supervisor", "org_admin", "admin"]
SKIP = {"static", "auth.logout"}
HUGE_IDS = [str(2**31), str(2**63), str(2**64), "99999999999999999999"]
HOSTILE_QUERIES = [
    {"page": "99999999999999999999", "course": str(2**63), "scenario": str(2**64), "org": str(2**63),
     "days": str(2**70), "user": str(2**63)},
    {"user": "\u00b2", "since": "99999-01-01", "until": "2026-02-30"},
    {"page": "abc", "course": "-1", "scenario": "1e9", "org": "NaN", "days": "-5", "status": "nonsense"},
    {"q": "Eve\x00\x1b[31m", "status": "\x00", "role": "\x7f", "number": "PSS\x00", "action": "\x08",
     "found": "\x00", "method": "\x00", "next": "/\x00", "download": "\x00"},
    {"_method": "POST", "_scheme": "javascript", "_external": "1", "_anchor": "\x00", "download": "1"},
]


@pytest.fixture
def world(app, db, people, courses):
    """Demo-like rows for every kind of page, and candidate values for each URL parameter."""
    from lms.learning.enrolment import enrol

    trainee = people["trainee"]
    record = org_factories.make_org_record(trainee, people["supervisor"], data_dir=app.config["DATA_DIR"])
    version = courses["peer-specialist-core"]
    module = version.modules[0]
    enrol(trainee, version)
    draft = factories.make_submission(trainee, module.scenarios[0], state="draft")
    hours = db.session.query(SupervisedHours).filter_by(user_id=trainee.id).first()
    live_session = factories.make_live_session(people["cohort"], version)
    factories.make_attendance(live_session, trainee, "late", 20)
    _, token = invitations.invite(people["org"], email="newcomer@example.org", name="New Comer", role="trainee",
                                  cohort=people["cohort"])
    db.session.add(IdentityProvider(  # its sign-in page (/sso/<slug>) never calls the provider
        organization_id=people["org"].id, slug="riverside", name="Riverside Health", client_id="c",
        discovery_url="https://idp.invalid/.well-known/openid-configuration", issuer="https://idp.invalid",
        client_secret_encrypted=secret_box.encrypt("s"), allowed_domains="example.org"))
    platform = LtiPlatform(organization_id=people["org"].id, name="Moodle", issuer="https://moodle.example",
                           client_id="c", deployment_ids=["1"], auth_login_url="https://moodle.example/auth",
                           auth_token_url="https://moodle.example/token", key_set_url="https://moodle.example/keys")
    db.session.add(platform)
    db.session.commit()
    return {
        "course_slug": [version.course.slug, record["version"].course.slug],
        "module_slug": [module.slug], "lesson_slug": [module.lessons[0].slug],
        "attempt_id": ["1"], "version": [version.version], "path": ["image.png"],
        "scenario_id": [str(module.scenarios[0].id)],
        "submission_id": [str(record["submission"].id), str(draft.id)],
        "number": [record["certificate"].number, record["certificate"].number.lower()],
        "entry_id": [str(hours.id), "1"],
        "cohort_id": [str(people["cohort"].id)],
        "user_id": [str(trainee.id), str(people["supervisor"].id)],
        "organization_id": [str(people["org"].id)],
        "token": [token, "not-a-token"],
        "filename": ["css/app.css"],
        "exercise_slug": [module.exercises[0].slug, "no-such-exercise"],
        "response_id": ["1"],
        "reference_id": ["1"],
        "quiz_id": [str(module.quiz.id)],
        "course_version_id": [str(version.id)],
        "sitting_id": ["1"], "enrolment_id": ["1"],
        "session_id": [str(live_session.id)],
        "slug": ["riverside", "no-such-organization"],
        "platform_id": [str(platform.id)],
    }


def _fill(rule, values: dict) -> list[str]:
    names = sorted(rule.arguments)
    urls = []
    for combination in itertools.product(*(values[name] for name in names)):
        url = rule.rule
        for name, value in zip(names, combination, strict=True):
            url = re.sub(r"<(?:[^:<>]+:)?" + name + ">", lambda _m, v=value: v, url)
        urls.append(url)
    return urls


def _hostile_ids(rule, values: dict) -> list[str]:
    """The rule with each integer parameter in turn set to a huge or negative number."""
    int_names = [name for name, converter in rule._converters.items() if "Int" in type(converter).__name__]
    urls = []
    for target in int_names:
        for bad in [*HUGE_IDS, "-1"]:
            urls.extend(_fill(rule, {**values, target: [bad]})[:1])
    return urls


def _get_routes(app):
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint not in SKIP]


def _login(app, people, role):
    client = app.test_client()
    if role:
        response = client.post("/auth/login", data={"email": people[role].email, "password": factories.PASSWORD})
        assert response.status_code == 302, role
    return client


WRITES = ("INSERT", "UPDATE", "DELETE")
# The tables a GET may write are access logs, written by design: the log of certificate look-ups, which holders
# and issuers read (who checked a certificate, when, how), and the audit log, which records who opened a
# confidential transcript or downloaded an export. Nothing a person sees or owns changes on a GET.
GET_MAY_WRITE = ("verification_logs", "audit_events")


@contextmanager
def database_writes():
    """The INSERT, UPDATE and DELETE statements run while the block runs."""
    writes = []

    def record(conn, cursor, statement, parameters, context, executemany):
        words = statement.split(None, 3)
        if words[0].upper() in WRITES and not any(table in words[:3] for table in GET_MAY_WRITE):
            writes.append(statement.split("\n", 1)[0][:80])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _crawl(app, client, world: dict, endpoints=None) -> tuple[int, list]:
    """GET every page (and its hostile variants); return how many requests, and those that failed or wrote."""
    failures, seen = [], 0
    for rule in _get_routes(app):
        if endpoints is not None and rule.endpoint not in endpoints:
            continue
        for url in _fill(rule, world):
            for query in [{}, *HOSTILE_QUERIES]:
                with database_writes() as writes:
                    response = client.get(url, query_string=query)
                seen += 1
                if response.status_code >= 500:
                    failures.append((url, query, response.status_code))
                elif writes:  # a GET never writes (the quality bar): a crawler or a prefetch changes nothing
                    failures.append((url, query, writes))
                response.close()
        for url in _hostile_ids(rule, world):
            response = client.get(url)
            seen += 1
            if response.status_code != 404:
                failures.append((url, {}, response.status_code))
            response.close()
    return seen, failures


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_every_role_answers_without_a_server_error(app, people, world, role, app_config,
                                                                 monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    app.test_client_class = FreshContextClient
    client = _login(app, people, role)
    seen, failures = _crawl(app, client, world)
    assert seen > 300
    assert failures == []
    if role:  # still signed in: no page of the crawl logged the person out
        assert client.get("/dashboard").status_code == 200


def test_the_crawl_fills_every_parameter_of_every_page(app, world):
    names = {name for rule in _get_routes(app) for name in rule.arguments}
    assert names - set(world) == set()


def test_the_crawl_reports_a_page_that_fails(app, people, world):
    @app.get("/__crawl/<int:item_id>")
    def boom(item_id):
        raise RuntimeError("boom")

    boom.access_rule = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen, failures = _crawl(app, app.test_client(), {**world, "item_id": ["1"]}, endpoints={"boom"})
    assert seen == 1 + len(HOSTILE_QUERIES) + len(HUGE_IDS) + 1
    assert [status for _, _, status in failures] == [500] * (1 + len(HOSTILE_QUERIES))
