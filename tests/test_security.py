"""Hostile input: CSRF, open redirects, path traversal, oversized uploads, security headers, fuzzed
forms (every form the app shows, for every role), schemathesis on the JSON API, and bandit's rules."""

import io
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms import create_app
from lms.models import Role
from tests import factories
from tests.conftest import ROOT, make_config

# -- CSRF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
@pytest.mark.parametrize("url, data", [
    ("/auth/login", {"email": "someone@example.org", "password": "a-long-password"}),
    ("/auth/register", {"email": "new@example.org", "name": "New", "password": "a-long-password",
                        "confirm": "a-long-password"}),
    ("/auth/reset", {"email": "someone@example.org"}),
])
def test_anonymous_form_posted_without_a_csrf_token_is_refused(client, db, url, data, app_config):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_signed_in_forms_posted_without_a_csrf_token_are_refused(app, client, people, app_config):
    # Log in with a real token first (the login form is protected too).
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "the login form carries a CSRF token"
    response = client.post("/auth/login", data={"email": people["trainee"].email,
                                                 "password": factories.PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302
    for url, data in [("/auth/account/password", {"current_password": factories.PASSWORD,
                                                  "password": "another-long-password",
                                                  "confirm": "another-long-password"}),
                      ("/auth/logout", {}), ("/auth/logout/everywhere", {})]:
        refused = client.post(url, data=data)
        assert refused.status_code == 400, url
    # Still signed in with the old password: nothing happened.
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_navigation_logout_form_carries_a_working_csrf_token(client, people, app_config):
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": people["trainee"].email, "password": factories.PASSWORD,
                                     "csrf_token": token})
    dashboard = client.get("/dashboard").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/auth/logout".*?</form>', dashboard, re.S).group(0)
    logout_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post("/auth/logout", data={"csrf_token": logout_token}).status_code == 302
    assert client.get("/dashboard").status_code == 302  # signed out


# -- open redirects -------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\t/evil.example", " //evil.example",
    "https:evil.example", "http:/evil.example", "javascript:alert(1)", "data:text/html,hi",
    "%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example", "evil.example", "@evil.example",
    "/\r\n/evil.example", "\u3000//evil.example", "//evil.example@localhost", "https://localhost@evil.example",
]


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    # What a browser would do with it: resolve against our own origin, and stay there.
    resolved = urlsplit(urljoin("http://localhost/auth/login", location.replace("\\", "/").strip()))
    return parts.netloc in ("", "localhost") and parts.scheme in ("", "http", "https") and (
        resolved.netloc == "localhost")


def test_hostile_next_targets_are_replaced_by_the_dashboard(app):
    from lms.auth.views import safe_next

    with app.test_request_context():
        for target in HOSTILE_NEXT:
            assert _stays_here(safe_next(target)), target


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example"])
def test_login_never_redirects_to_another_site(client, people, target):
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": people["trainee"].email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]


def test_login_keeps_a_local_next_path(client, people):
    response = client.post("/auth/login", query_string={"next": "/auth/account/password?x=1"},
                           data={"email": people["trainee"].email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/auth/account/password?x=1"


# -- path traversal -------------------------------------------------------------------------------

CANARY = "canary-6f1d2c9e-never-served"
TRAVERSALS = [
    "../canary.txt", "../../canary.txt", "..%2F..%2Fcanary.txt", "%2e%2e/%2e%2e/canary.txt",
    "..%252F..%252Fcanary.txt", "....//....//canary.txt", "..\\..\\canary.txt", "/etc/passwd",
    "../../../../../../etc/passwd", "..%00/canary.txt", "../../instance/secret_key",
]
FILE_WORDS = ("file", "asset", "recording", "evidence", "pdf", "download", "static", "credential", "export",
              "transcript")


def _file_rules(app):
    """GET routes that hand out files: a path converter, or a name that says so."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments:
            continue
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if "PathConverter" in converters.values() or any(w in rule.endpoint or w in rule.rule for w in FILE_WORDS):
            yield rule, converters


def _urls_with(rule, converters, payload):
    """The rule's URL with `payload` in each string argument in turn (others get a plausible value)."""
    for target, kind in converters.items():
        if kind in ("IntegerConverter", "FloatConverter"):
            continue
        url = rule.rule
        for name, conv in converters.items():
            value = payload if name == target else ("1" if conv in ("IntegerConverter", "FloatConverter") else "x")
            url = re.sub(r"<(?:[^:<>]+:)?" + name + r">", lambda _m, v=value: v, url)
        yield url


def test_file_routes_refuse_path_traversal_for_every_role(app, client, people, tmp_path, auth):
    (tmp_path / "canary.txt").write_text(CANARY)
    (tmp_path / "instance" / "canary.txt").write_text(CANARY)
    data_dir = tmp_path / "files"
    data_dir.mkdir(exist_ok=True)
    rules = list(_file_rules(app))
    assert any(rule.endpoint == "static" for rule, _ in rules)
    for who in (None, "trainee", "admin"):
        if who:
            auth.login(people[who])
        for rule, converters in rules:
            for payload in TRAVERSALS:
                for url in _urls_with(rule, converters, payload):
                    response = client.get(url)
                    body = response.get_data()
                    assert response.status_code in (302, 308, 400, 401, 403, 404, 405), (who, url, response.status_code)
                    if response.status_code in (302, 308):
                        assert _stays_here(response.headers["Location"]), (who, url)
                    assert CANARY.encode() not in body, (who, url)
                    assert b"root:x:0:0" not in body and b"test-secret-key" not in body, (who, url)
        if who:
            auth.logout()


def test_static_files_are_still_served(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200 and b"{" in response.data


# -- oversized uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_oversized_form_post_gets_the_friendly_413_page(client, db, app_config):
    response = client.post("/auth/login", data={"email": "a@example.org", "password": "x" * 10_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That file is too large" in page and "Nothing was saved" in page
    assert "<html" in page.lower() and "Traceback" not in page


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_oversized_upload_of_a_recording_is_refused_with_413(client, db, people, auth, courses, tmp_path,
                                                             app_config):
    from lms.learning.enrolment import enrol
    from lms.models import Scenario, Submission

    version = courses["peer-specialist-core"]
    enrol(people["trainee"], version)
    db.session.commit()
    scenario_id = db.session.scalar(sa.select(Scenario.id).order_by(Scenario.id).limit(1))
    auth.login(people["trainee"])
    url = f"/roleplays/{scenario_id}/recording"
    response = client.post(url, data={"recording": (io.BytesIO(b"\0" * 20_000), "session.webm", "video/webm")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
    assert not any((tmp_path / "files").rglob("*.webm"))


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_signed_in_person_posting_too_much_gets_the_friendly_413_page(client, people, auth, app_config):
    auth.login(people["supervisor"])
    response = client.post("/auth/account/password", data={"current_password": "x" * 10_000})
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_oversized_api_body_gets_a_json_413(client, db, app_config):
    response = client.post("/api/v1/verifications", json={"numbers": ["PSS-0000-0000-0000-0"] * 1000})
    assert response.status_code == 413
    assert response.is_json and response.json["error"]


# -- security headers -----------------------------------------------------------------------------


def _assert_security_headers(response, what):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], (what, csp)
    assert "'unsafe-inline'" not in directives.get("default-src", []), what
    assert directives.get("frame-ancestors") == ["'none'"] and directives.get("object-src") == ["'none'"], what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", what


def test_every_kind_of_response_carries_the_security_headers(app, client, people, auth):
    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    boom.access_rule = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    anonymous = {
        "HTML page": client.get("/auth/login"),
        "landing page": client.get("/"),
        "404 page": client.get("/no-such-page"),
        "redirect to login": client.get("/dashboard"),
        "static file": client.get("/static/css/app.css"),
        "500 page": client.get("/__boom"),
        "405": client.put("/auth/login"),
        "verification page": client.get("/verify"),
        "JSON API": client.get("/api/v1/openapi.json"),
        "JSON API error": client.get("/api/v1/certificates/nonsense"),
        "JWKS": client.get("/.well-known/jwks.json"),
    }
    for what, response in anonymous.items():
        _assert_security_headers(response, what)
        response.close()
    auth.login(people["admin"])
    for what, url in {"signed-in page": "/dashboard", "admin page": "/admin", "403 page": "/hours"}.items():
        with client.get(url) as response:
            _assert_security_headers(response, what)


PERSONAL_PAGES = {
    "trainee": ["/dashboard", "/my/certificates", "/records/transcript", "/records/my-data", "/hours",
                "/courses", "/no-such-page"],
    "supervisor": ["/dashboard", "/grading", "/grading?status=all", "/org/cohorts", "/hours/review"],
    "org_admin": ["/dashboard", "/org/people", "/org/cohorts", "/org/certificates.csv"],
    "admin": ["/admin", "/admin/users", "/admin/audit", "/org/certificates.csv", "/verify"],
}


@pytest.mark.parametrize("role", sorted(PERSONAL_PAGES))
def test_no_page_or_download_for_a_signed_in_person_is_stored_by_the_browser(client, people, auth, role):
    auth.login(people[role])
    for url in PERSONAL_PAGES[role]:
        with client.get(url) as response:
            assert response.status_code < 500, url
            assert "no-store" in response.headers.get("Cache-Control", ""), (url, response.status_code)
    with client.get("/static/css/app.css") as response:  # the same for everyone: cacheable
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_anonymous_public_pages_stay_cacheable_but_certificate_files_do_not(client, db, people, monkeypatch):
    from lms.certificates import issuance as certificate_services

    factories.stub_certificate_pdfs(monkeypatch)
    certificate = certificate_services.issue_certificate(people["trainee"], factories.make_certifying_course())
    db.session.commit()
    for url in ("/", "/verify", "/static/css/app.css", "/.well-known/jwks.json"):
        with client.get(url) as response:
            assert "no-store" not in response.headers.get("Cache-Control", ""), url
    for url in (f"/certificates/{certificate.number}.pdf", f"/certificates/{certificate.number}/credential.json",
                f"/certificates/{certificate.number}/credential.jwt"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "no-store", url


def test_production_adds_hsts(tmp_path):
    from lms import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path, PRODUCTION=True))
    with app.test_client().get("/static/css/app.css") as response:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# -- fuzzing every form ---------------------------------------------------------------------------

SKIP_ACTIONS = ("/auth/logout", "/erase", "/deactivate")  # would end the fuzzing session itself


class _FormParser(HTMLParser):
    """The POST forms of a page: action and the names of their fields (with a sample value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._form = {"action": attributes.get("action") or "", "fields": {}, "files": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attributes.get("name"):
            kind = (attributes.get("type") or "").lower()
            if kind == "file":
                self._form["files"].append(attributes["name"])
            elif kind not in ("submit", "button", "image"):
                self._form["fields"].setdefault(attributes["name"], attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _pages(app, values: dict) -> list[str]:
    """Every GET page, its URL parameters filled from `values` (pages needing others are left out)."""
    adapter = app.url_map.bind("localhost")
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith(
                (".csv", ".pdf", ".json", ".jwt")):
            continue
        if all(name in values for name in rule.arguments):
            pages.append(adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments}))
    return pages


def _discover_forms(app, client, values: dict) -> list[dict]:
    """Every POST form on every page this client may open."""
    forms = {}
    for page in _pages(app, values):
        response = client.get(page)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        parser = _FormParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = urljoin(page, form["action"] or page)
            if any(skip in action for skip in SKIP_ACTIONS):
                continue
            key = (action, tuple(sorted(form["fields"])))
            forms.setdefault(key, {**form, "action": action, "page": page})
    return list(forms.values())


def _world(people, courses) -> dict:
    """Rows for the detail pages (a course in progress, a submission to grade, a certificate), and the
    values for their URL parameters."""
    from lms.certificates.issuance import issue_certificate
    from lms.learning.enrolment import enrol
    from lms.models import Role as R

    version = courses["peer-specialist-core"]
    module = version.modules[0]
    enrol(people["trainee"], version)
    submission = factories.make_submission(people["trainee"], module.scenarios[0])
    holder = factories.make_user(R.TRAINEE, org=people["org"])
    factories.complete_course(holder, version)
    certificate = issue_certificate(holder, version)
    from lms.extensions import db as database

    database.session.commit()
    return {"course_slug": version.course.slug, "module_slug": module.slug, "lesson_slug": module.lessons[0].slug,
            "scenario_id": module.scenarios[0].id, "submission_id": submission.id, "number": certificate.number,
            "cohort_id": people["cohort"].id, "user_id": people["trainee"].id, "organization_id": people["org"].id,
            "token": "not-a-real-token", "entry_id": 1, "key_id": 1, "invitation_id": 1, "version": version.version}


HOSTILE_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "a\x00b", "'; DROP TABLE users; --", "<script>alert(1)</script>",
                     "{{ 7*7 }}", "%s%s%s", "../../etc/passwd", "\u202e\u200b", "😀" * 50, "x" * 5000,
                     "-1", "0", "99999999999999999999", "1e309", "NaN", "2026-02-30", "null", "[]", "{}",
                     str(2**31), str(2**63), str(2**64), f"-{2**63}", "sNaN", "-sNaN", "Infinity", "-inf", "1e999999",
                     "\x1b[31mred", "a\x7fb\x85c", "tab\tand\nnew line\r\n"]),
    st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=20),  # control characters only
    st.builds(lambda a, b: a + b, st.text(max_size=20), st.text(alphabet=st.characters(categories=["Cc"]),
                                                                min_size=1, max_size=5)),
)


def _fuzz_forms_as(app, client, people, auth, courses, role, data):
    user = people[role] if role else None
    cache = app.extensions.setdefault("fuzz_forms", {})
    if role not in cache:
        values = _world(people, courses)
        if user:
            auth.login(user)
        cache[role] = _discover_forms(app, client, values)
        assert cache[role], f"no forms found for {role}"
    forms = cache[role]
    form = data.draw(st.sampled_from(forms), label="form")
    values = {name: data.draw(HOSTILE_TEXT, label=name) for name in form["fields"]}
    files = {name: (io.BytesIO(data.draw(st.binary(max_size=2000), label=name)),
                    data.draw(HOSTILE_TEXT, label="filename") or "f") for name in form["files"]}
    if user:
        with client.session_transaction() as session:
            signed_in = "_user_id" in session
        if not signed_in:
            auth.login(user)
    response = client.post(form["action"], data={**values, **files},
                           content_type="multipart/form-data" if files else None)
    assert response.status_code < 500, (role, form["action"], values, response.status_code)


def _cheap_password_hashing(monkeypatch, people=None) -> None:
    """scrypt costs a good part of a second by design; the fuzzers are after crashes, not hashes."""
    from werkzeug.security import generate_password_hash

    from lms.auth import services

    def cheap(password):
        return generate_password_hash(password, "pbkdf2:sha256:1000")

    monkeypatch.setattr(services, "generate_password_hash", cheap)
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap("not-a-real-password"))
    for person in (people or {}).values():
        if getattr(person, "password_hash", None):
            person.password_hash = cheap(factories.PASSWORD)
    if people:
        from lms.extensions import db as database

        database.session.commit()


FUZZ_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
@pytest.mark.parametrize("role", [None, "trainee", "supervisor", "org_admin", "admin"])
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_forms_never_cause_a_server_error(app, client, people, auth, courses, role, data, app_config,
                                                 monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)  # a re-render form is fuzzed too: WeasyPrint is not the subject
    _cheap_password_hashing(monkeypatch, people)
    _fuzz_forms_as(app, client, people, auth, courses, role, data)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
@FUZZ_SETTINGS
@given(email=HOSTILE_TEXT, password=HOSTILE_TEXT, name=HOSTILE_TEXT, token=HOSTILE_TEXT, next_=HOSTILE_TEXT)
def test_fuzzed_account_forms_never_cause_a_server_error(client, db, email, password, name, token, next_, app_config,
                                                         monkeypatch):
    _cheap_password_hashing(monkeypatch)
    responses = [
        client.post("/auth/login", query_string={"next": next_}, data={"email": email, "password": password}),
        client.post("/auth/register", data={"email": email, "name": name, "password": password, "confirm": password,
                                            "invite_code": token}),
        client.post("/auth/reset", data={"email": email}),
        client.post("/auth/reset/" + (token.replace("/", "") or "x"), data={"password": password,
                                                                              "confirm": password}),
    ]
    client.post("/auth/logout")
    assert all(response.status_code < 500 for response in responses), [r.status_code for r in responses]


# -- fuzzing the JSON endpoints: lone surrogates, control characters, huge numbers, NaN, deep nesting -------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False),
    st.text(max_size=50), st.text(alphabet=st.characters(categories=["Cs", "Cc"]), max_size=10),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
    st.text(max_size=10), inner, max_size=5), max_leaves=30)


def _json_bodies(key: str):
    """Bodies as sent: valid JSON (with a lone surrogate as its escape), NaN and deep nesting as text."""
    import json

    return st.one_of(
        st.builds(lambda value: json.dumps({key: value}), JSON_VALUES),
        st.builds(lambda value: json.dumps({key: [value]}), JSON_SCALARS),
        st.integers(min_value=1, max_value=100_000).map(lambda depth: f'{{"{key}": ' + "[" * depth + "]" * depth
                                                         + "}"),
        st.sampled_from([f'{{"{key}": [NaN]}}', f'{{"{key}": [Infinity]}}', f'{{"{key}": [1e999999]}}',
                         f'{{"{key}": ["\\ud800"]}}', f'{{"{key}": ["\\u0000"]}}', "", "[", "\x00",
                         f'{{"{key}": [' + "9" * 5000 + "]}", f'{{"{key}": ["\\udc00\\ud800"]}}']),
    )


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
@FUZZ_SETTINGS
@given(body=_json_bodies("replies"))
def test_fuzzed_autosave_bodies_never_cause_a_server_error(app, client, people, auth, body, app_config):
    from lms.extensions import db as database
    from lms.models import Submission

    draft = database.session.scalar(sa.select(Submission).where(Submission.state == "draft"))
    if draft is None:
        scenario = factories.make_enrolled_scenario(people["trainee"])
        draft = factories.make_submission(people["trainee"], scenario, state="draft")
        database.session.commit()
        auth.login(people["trainee"])
    response = client.post(f"/roleplays/attempts/{draft.id}/autosave", data=body, content_type="application/json")
    assert response.status_code < 500, (body[:200], response.status_code)
    assert response.is_json
    # Whatever was stored, the attempt page still opens.
    assert client.get(f"/roleplays/attempts/{draft.id}").status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
@FUZZ_SETTINGS
@given(body=_json_bodies("numbers"))
def test_fuzzed_bulk_verification_bodies_never_cause_a_server_error(client, db, body, app_config):
    response = client.post("/api/v1/verifications", data=body, content_type="application/json")
    assert response.status_code < 500, (body[:200], response.status_code)
    assert response.is_json and response.json["error" if response.status_code >= 400 else "count"] is not None


# -- the JSON API, from its OpenAPI document --------------------------------------------------------


# schemathesis builds one test per operation at collection time, so it needs the app then: one app,
# whose tables a fixture creates for the test and drops afterwards.
API_APP = create_app(make_config(Path(tempfile.mkdtemp(prefix="peercert-api-")), RATELIMIT_ENABLED=False))
# Refusing too much data with 413 (documented in the API's OpenAPI document) is a correct rejection too.
_REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", API_APP, config=schemathesis.config.SchemathesisConfig
                                        .from_dict({"checks": {"negative_data_rejection":
                                                               {"expected-statuses": _REJECTIONS}}}))


@pytest.fixture
def api_database():
    from lms.certificates.issuance import issue_certificate
    from lms.learning.sync import sync_courses
    from lms.models import Certificate
    from tests.conftest import _db as database
    from tests.conftest import fresh_schema, is_postgres

    with API_APP.app_context():
        fresh_schema()
        from lms.content.loader import load_courses

        outcomes, _ = sync_courses(load_courses(ROOT / "courses").courses)
        version = next(o.course_version for o in outcomes if o.course_version.grants_certificate)
        holder = factories.make_user(Role.TRAINEE, name="Robin Certified")
        revoked = issue_certificate(factories.make_user(Role.TRAINEE), version)
        issue_certificate(holder, version)
        revoked.revoked_at = revoked.created_at
        database.session.commit()
        assert database.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2
        yield database
        database.session.remove()
        if not is_postgres():
            database.drop_all()


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_answers_every_generated_request_without_500_or_schema_violation(case, api_database):
    with API_APP.app_context():
        case.call_and_validate()


# -- bandit's rules -------------------------------------------------------------------------------


def test_bandit_rules_are_clean_or_justified_in_place():
    ruff = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run([ruff, "check", "--select", "S", "--no-cache", "lms", "bench", "gunicorn.conf.py"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, "bandit findings (fix, or justify with `# noqa: S### reason`):\n" + result.stdout
