"""The JSON API: one certificate, bulk verification, API keys and rate limits, the OpenAPI document."""

import io
import json
import time
from datetime import date

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from lms.api.openapi import openapi_document
from lms.certificates import issuance, lifecycle
from lms.certificates.numbers import generate_number
from lms.models import ApiKey, AuditEvent, Certificate, VerificationLog, utcnow
from lms.orgs.api_keys import create_api_key, hash_key
from tests import factories


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def app_config(keys_dir):
    return {"KEYS_DIR": str(keys_dir)}


@pytest.fixture(autouse=True)
def quick_pdfs(monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)


@pytest.fixture
def course(db):
    return factories.make_certifying_course()


@pytest.fixture
def issued(db, people, course):
    valid = issuance.issue_certificate(people["trainee"], course)
    expired = issuance.issue_certificate(factories.make_user(name="Jordan Rivera"), course,
                                         issued_on=date(2022, 3, 1), expires_on=date(2024, 3, 1))
    revoked = issuance.issue_certificate(factories.make_user(name="Casey Morgan"), course)
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()
    return {"valid": valid, "expired": expired, "revoked": revoked}


def test_anyone_gets_a_certificate_by_number(client, issued, people):
    certificate = issued["valid"]
    response = client.get(f"/api/v1/certificates/{certificate.number}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {
        "number": certificate.number,
        "status": "valid",
        "holder_name": people["trainee"].name,
        "course": certificate.course_title,
        "course_version": "1.0",
        "hours": 40,
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "revoked_on": None,
        "issuer": "Riverside",
        "verification_url": f"http://localhost/verify/{certificate.number}",
    }
    assert people["trainee"].email not in response.get_data(as_text=True)


def test_expired_and_revoked_certificates_say_so(client, issued):
    expired = client.get(f"/api/v1/certificates/{issued['expired'].number}").json
    assert expired["status"] == "expired" and expired["expires_on"] == "2024-03-01"
    revoked = client.get(f"/api/v1/certificates/{issued['revoked'].number}").json
    assert revoked["status"] == "revoked" and revoked["revoked_on"] == issued["revoked"].revoked_at.date().isoformat()


def test_a_loosely_typed_number_is_normalized(client, issued):
    number = issued["valid"].number
    response = client.get(f"/api/v1/certificates/{number.lower().replace('-', ' ')}")
    assert response.status_code == 200 and response.json["number"] == number


def test_an_unknown_number_is_a_404_json_error(client, issued):
    response = client.get(f"/api/v1/certificates/{generate_number()}")
    assert response.status_code == 404
    assert response.json["error"] == "not_found" and response.json["message"]


def test_a_typo_caught_by_the_check_character_is_a_404_with_suggestions(client, issued):
    number = issued["valid"].number
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.get(f"/api/v1/certificates/{typo}")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    assert "mistyped" in response.json["message"] and number in response.json["suggestions"]


@pytest.mark.parametrize("text", ["hello", "PSS-1234", "PSS-7K3M-9QXD-4HTR-6-EXTRA-CHARS-HERE", "PSS+7K3M+9QXD+4HTR+6"])
def test_text_that_is_not_a_number_at_all_is_a_400(client, db, text):
    response = client.get(f"/api/v1/certificates/{text}")
    assert response.status_code == 400 and response.json["error"] == "malformed_number"


def test_bulk_verification_returns_one_result_per_number_in_order(client, db, issued):
    unknown = generate_number()
    numbers = [issued["valid"].number, "nonsense", unknown, issued["revoked"].number.lower(), issued["valid"].number]
    response = client.post("/api/v1/verifications", json={"numbers": numbers})
    assert response.status_code == 200
    body = response.json
    assert body["count"] == 5 and body["found"] == 3
    results = body["results"]
    assert [r["input"] for r in results] == numbers
    assert [r["found"] for r in results] == [True, False, False, True, True]
    assert [r["error"] for r in results] == [None, "malformed_number", "not_found", None, None]
    assert results[1]["number"] is None and results[2]["number"] == unknown
    assert results[3]["certificate"]["status"] == "revoked"
    assert results[0]["certificate"]["holder_name"] == issued["valid"].holder_name
    logged = db.session.scalars(sa.select(VerificationLog).where(VerificationLog.method == "bulk")).all()
    assert len(logged) == 5 and sum(entry.found for entry in logged) == 3


def test_hostile_strings_are_answered_and_logged_safely(client, db, issued):
    numbers = ["PSS\x00-AAAA", "\ud800lone surrogate", "x" * 80, issued["valid"].number]
    response = client.post("/api/v1/verifications", json={"numbers": numbers})
    assert response.status_code == 200
    assert [r["error"] for r in response.json["results"]] == ["malformed_number"] * 3 + [None]
    logged = db.session.scalars(sa.select(VerificationLog.number).order_by(VerificationLog.id)).all()
    assert logged[0] == "PSS-AAAA" and logged[1] == "?lone surrogate" and len(logged[2]) == 40


def _insert_certificates(db, course, count: int) -> list[str]:
    user = factories.make_user()
    today = date.today()
    numbers = [generate_number() for _ in range(count)]
    db.session.execute(sa.insert(Certificate), [
        {"number": number, "user_id": user.id, "course_id": course.course_id, "course_version_id": course.id,
         "generation": i + 1, "holder_name": f"Holder {i}", "course_title": course.title,
         "course_version_label": "1.0", "hours": 40.0, "competencies": [], "issuer_name": "Riverside",
         "issued_on": today, "expires_on": date(today.year + 2, 1, 1), "reason": "completion",
         "status_list_index": 1000 + i, "created_at": utcnow()}
        for i, number in enumerate(numbers)
    ])
    db.session.commit()
    return numbers


def test_a_thousand_numbers_are_verified_in_one_query_well_under_a_second(app, client, db, course):
    numbers = _insert_certificates(db, course, 1000)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        response = client.post("/api/v1/verifications", json={"numbers": numbers})
        elapsed = time.perf_counter() - started
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200 and response.json["found"] == 1000
    lookups = [s for s in statements if "FROM certificates" in s and s.lstrip().upper().startswith("SELECT")]
    assert len(lookups) == 1, lookups
    assert elapsed < 1.0, f"1,000 numbers took {elapsed:.2f} s"


@pytest.mark.parametrize(("body", "kwargs", "status", "error"), [
    (None, {"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    (None, {"data": "numbers=1", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    ([], {}, 422, "invalid_request"),
    ({"numbers": "PSS-1"}, {}, 422, "invalid_request"),
    ({"numbers": [1, 2]}, {}, 422, "invalid_request"),
    ({"numbers": []}, {}, 422, "invalid_request"),
    ({"nummers": ["PSS-1"]}, {}, 422, "invalid_request"),
    ({"numbers": ["PSS-0000-0000-0000-0"] * 1001}, {}, 413, "too_many_numbers"),
])
def test_bad_bulk_bodies_get_json_errors(client, db, body, kwargs, status, error):
    if body is not None:
        kwargs = {"json": body}
    response = client.post("/api/v1/verifications", **kwargs)
    assert response.status_code == status
    assert response.json["error"] == error and response.json["message"]


def test_an_oversized_body_is_refused(client, db):
    response = client.post("/api/v1/verifications", data="x" * (300 * 1024), content_type="application/json")
    assert response.status_code == 413 and response.json["error"] == "body_too_large"


class CountingStream(io.BytesIO):
    """A request body sent in chunks, without Content-Length, that counts what the server reads."""

    consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readinto(self, buffer):
        size = super().readinto(buffer)
        self.consumed += size
        return size


def test_an_oversized_chunked_body_is_refused_without_reading_it_all(client, db):
    number = '"PSS-0000-0000-0000-0",'
    body = ('{"numbers": [' + number * (20 * 1024 * 1024 // len(number)) + '"x"]}').encode()
    stream = CountingStream(body)
    response = client.post("/api/v1/verifications", input_stream=stream, content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})  # as gunicorn says for chunked
    assert response.status_code == 413 and response.json["error"] == "body_too_large"
    assert stream.consumed <= 2 * 256 * 1024  # the limit held: the 20 MB were never read, nor parsed


def test_a_small_chunked_body_is_answered(client, db, issued):
    body = json.dumps({"numbers": [issued["valid"].number]}).encode()
    response = client.post("/api/v1/verifications", input_stream=CountingStream(body),
                           content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200 and response.json["results"][0]["found"] is True


# -- API keys ------------------------------------------------------------------------------------------


def test_org_admin_creates_a_key_that_is_shown_once_and_stored_hashed(client, auth, db, people):
    auth.login(people["org_admin"])
    page = client.get("/org/api-keys")
    assert page.status_code == 200 and b"Create a key" in page.data
    response = client.post("/org/api-keys", data={"name": "HR onboarding"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    plaintext = text.split('id="new-key-value" class="key-value" type="text" value="')[1].split('"')[0]
    assert plaintext.startswith("pck_") and len(plaintext) > 40
    key = db.session.scalars(sa.select(ApiKey)).one()
    assert key.organization_id == people["org"].id and key.name == "HR onboarding"
    assert key.key_hash == hash_key(plaintext) and plaintext not in (key.prefix, key.key_hash)
    assert plaintext.startswith(key.prefix)
    assert plaintext not in client.get("/org/api-keys").get_data(as_text=True)  # never shown again
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api_key.created")).one()


def test_a_key_identifies_its_organization_and_is_logged(client, db, people, issued):
    key, plaintext = create_api_key(people["org"], "HR system")
    db.session.commit()
    response = client.get(f"/api/v1/certificates/{issued['valid'].number}",
                          headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    log = db.session.scalars(sa.select(VerificationLog)).one()
    assert log.api_key_id == key.id and log.method == "api"
    assert db.session.get(ApiKey, key.id).last_used_at is not None


def test_an_invalid_or_revoked_key_is_refused(client, auth, db, people, issued):
    key, plaintext = create_api_key(people["org"], "Old integration")
    db.session.commit()
    url = f"/api/v1/certificates/{issued['valid'].number}"
    wrong = client.get(url, headers={"Authorization": "Bearer pck_not-a-real-key"})
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_api_key"
    assert "Bearer" in wrong.headers["WWW-Authenticate"]
    assert client.get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401

    auth.login(people["org_admin"])
    assert client.post(f"/org/api-keys/{key.id}/revoke").status_code == 302
    assert db.session.get(ApiKey, key.id).revoked_at is not None
    assert client.get(url, headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401
    assert client.get(url).status_code == 200  # without a key: anonymous


def test_org_admins_manage_only_their_own_organizations_keys(client, auth, db, people):
    theirs, _ = create_api_key(people["other_org"], "Elsewhere's key")
    ours, _ = create_api_key(people["org"], "Our key")
    db.session.commit()
    auth.login(people["org_admin"])
    page = client.get("/org/api-keys").get_data(as_text=True)
    assert "Our key" in page and "Elsewhere" not in page
    assert client.post(f"/org/api-keys/{theirs.id}/revoke").status_code == 404
    assert db.session.get(ApiKey, theirs.id).revoked_at is None


def test_admin_creates_a_key_for_any_organization(client, auth, db, people):
    auth.login(people["admin"])
    response = client.post("/org/api-keys", data={"organization": people["other_org"].id, "name": "Board lookup"})
    assert response.status_code == 200
    key = db.session.scalars(sa.select(ApiKey)).one()
    assert key.organization_id == people["other_org"].id
    assert b"Elsewhere" in client.get("/org/api-keys").data


def test_trainees_and_supervisors_cannot_manage_keys(client, auth, people):
    for person in ("trainee", "supervisor"):
        auth.login(people[person])
        assert client.get("/org/api-keys").status_code == 403
        assert client.post("/org/api-keys", data={"name": "Sneaky"}).status_code == 403
        auth.logout()


@pytest.mark.parametrize("app_config", [{"API_RATE_LIMIT_ANONYMOUS": "3 per minute",
                                         "API_RATE_LIMIT_KEYED": "6 per minute"}])
def test_anonymous_use_is_rate_limited_and_a_key_gets_more(client, db, people, issued, app_config, keys_dir):
    url = f"/api/v1/certificates/{issued['valid'].number}"
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get(url)
    assert limited.status_code == 429 and limited.json["error"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    key, plaintext = create_api_key(people["org"], "HR system")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert [client.get(url, headers=headers).status_code for _ in range(7)] == [200] * 6 + [429]


# -- the OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_describes_both_operations_and_every_status(client, db):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    single = document["paths"]["/certificates/{number}"]["get"]["responses"]
    bulk = document["paths"]["/verifications"]["post"]["responses"]
    assert {"200", "400", "401", "404", "429", "500"} <= set(single)
    assert {"200", "400", "401", "413", "415", "422", "429", "500"} <= set(bulk)
    certificate = document["components"]["schemas"]["Certificate"]
    assert {"number", "status", "holder_name", "course", "issued_on", "expires_on", "revoked_on", "issuer",
            "verification_url"} <= set(certificate["required"])
    assert openapi_document("http://localhost/api/v1") == document


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}])
def test_generated_requests_match_the_openapi_document(app, db, issued, app_config, keys_dir):
    """Schemathesis: every response (status, headers, body) is what the document says, and none is a 500."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {"GET /certificates/{number}", "POST /verifications"}
    for operation in operations:
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate()

        check()
