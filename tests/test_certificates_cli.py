"""`flask certificates list|revoke|render-missing`, `flask keys rotate|list`, `flask api-keys create|revoke|list`."""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from lms.certificates import documents, issuance, settings
from lms.certificates.credential import verify_credential_jwt
from lms.models import ApiKey, AuditEvent, Certificate
from lms.orgs.api_keys import find_active_key
from tests import factories

pytestmark = pytest.mark.usefixtures("quick_pdfs")


@pytest.fixture
def app_config(module_keys_dir):
    return {"KEYS_DIR": str(module_keys_dir)}


@pytest.fixture
def issued(db, people):
    course = factories.make_certifying_course()
    valid = issuance.issue_certificate(people["trainee"], course)
    expired = issuance.issue_certificate(factories.make_user(), course, issued_on=date(2020, 1, 1),
                                         expires_on=date(2022, 1, 1))
    db.session.commit()
    return valid, expired


def test_list_json_prints_every_certificate_with_its_status(runner, issued):
    valid, expired = issued
    result = runner.invoke(args=["certificates", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(row["number"], row["status"]) for row in rows] == [(valid.number, "valid"), (expired.number, "expired")]
    text = runner.invoke(args=["certificates", "list"])
    assert valid.number in text.output and "2 certificate(s)" in text.output


def test_list_says_when_there_is_nothing(runner, db):
    result = runner.invoke(args=["certificates", "list"])
    assert result.exit_code == 0 and "No certificates" in result.output
    assert json.loads(runner.invoke(args=["certificates", "list", "--json"]).output) == []


def test_revoke_records_the_reason_in_the_audit_log(runner, db, issued):
    valid, _ = issued
    result = runner.invoke(args=["certificates", "revoke", valid.number.lower(), "--reason", "Fraudulent hours"])
    assert result.exit_code == 0, result.output
    assert f"Revoked {valid.number}" in result.output
    certificate = db.session.get(Certificate, valid.id)
    assert certificate.revoked_at is not None and certificate.revoked_reason == "Fraudulent hours"
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).one()
    assert event.details["reason"] == "Fraudulent hours" and event.actor_id is None
    rows = json.loads(runner.invoke(args=["certificates", "list", "--json"]).output)
    assert rows[0]["status"] == "revoked"

    again = runner.invoke(args=["certificates", "revoke", valid.number, "--reason", "Again"])
    assert again.exit_code != 0 and "already revoked" in again.output


def test_revoke_refuses_unknown_numbers_and_a_missing_reason(runner, issued):
    assert "No certificate" in runner.invoke(args=["certificates", "revoke", "PSS-0000-0000-0000-0",
                                                   "--reason", "x"]).output
    assert runner.invoke(args=["certificates", "revoke", issued[0].number]).exit_code != 0
    blank = runner.invoke(args=["certificates", "revoke", issued[0].number, "--reason", "  "])
    assert blank.exit_code != 0 and "Give the reason" in blank.output


def test_render_missing_renders_pdfs_that_failed_or_disappeared(runner, db, issued):
    valid, expired = issued
    valid.pdf_path = None
    valid.pdf_rendered_at = None
    db.session.commit()
    (settings.data_dir() / expired.pdf_path).unlink()  # a lost file
    result = runner.invoke(args=["certificates", "render-missing"])
    assert result.exit_code == 0, result.output
    assert "Rendered 2 PDF(s)" in result.output
    for certificate in issued:
        db.session.refresh(certificate)
        assert (settings.data_dir() / certificate.pdf_path).read_bytes().startswith(b"%PDF")
    assert "Rendered 0 PDF(s)" in runner.invoke(args=["certificates", "render-missing"]).output


def test_keys_rotate_keeps_old_keys_published(runner, app, db, issued):
    old_token = documents.signed_credential(issued[0])
    before = {key["kid"] for key in settings.get_keystore().jwks()["keys"]}
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "New RS256 key" in result.output and "New EdDSA key" in result.output
    after = {key["kid"] for key in settings.get_keystore().jwks()["keys"]}
    assert before < after and len(after) == len(before) + 2
    assert verify_credential_jwt(old_token, settings.get_keystore())["id"].endswith("credential.json")
    listing = runner.invoke(args=["keys", "list"]).output
    assert listing.count("(current)") == 2


def test_api_keys_create_prints_the_key_once_and_revoke_disables_it(runner, db, people):
    result = runner.invoke(args=["api-keys", "create", "--organization", "Riverside", "--name", "Board lookups"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip().splitlines()[-1]
    key = db.session.scalars(sa.select(ApiKey)).one()
    assert find_active_key(plaintext).id == key.id and key.name == "Board lookups"
    assert plaintext not in runner.invoke(args=["api-keys", "list"]).output

    revoked = runner.invoke(args=["api-keys", "revoke", str(key.id)])
    assert revoked.exit_code == 0 and f"Revoked API key {key.id}" in revoked.output
    assert find_active_key(plaintext) is None
    assert "revoked" in runner.invoke(args=["api-keys", "list"]).output


def test_api_keys_create_needs_an_existing_organization(runner, db):
    result = runner.invoke(args=["api-keys", "create", "--organization", "Nowhere"])
    assert result.exit_code != 0 and "No organization" in result.output
    assert runner.invoke(args=["api-keys", "revoke", "999"]).exit_code != 0
