import base64
import dataclasses
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import jwt
import pytest

from lms.certificates.credential import (
    OB3_CONTEXT,
    STATUS_LIST_SIZE,
    VC2_CONTEXT,
    CertificateFacts,
    build_credential,
    build_status_list_credential,
    credential_jwt,
    credential_number,
    decode_status_list,
    is_revoked_in_status_list,
    status_list_jwt,
    verify_credential_jwt,
)
from lms.certificates.numbers import generate_number
from lms.certificates.signing import KeyStore, VerificationError

# The shared folder beside the repository (CI always has it; a user's own clone may not).
OB3_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ob3"
BASE = "http://127.0.0.1:5000"


@pytest.fixture(scope="module")
def ob3_validator():
    path = OB3_SCHEMAS / "achievementcredential.json"
    if not path.is_file():
        pytest.skip(f"Open Badges 3.0 JSON Schema not found at {path} (the ../shared folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


@pytest.fixture
def keystore(tmp_path):
    return KeyStore(tmp_path / "keys")


@pytest.fixture
def facts():
    return CertificateFacts(
        number=generate_number(),
        holder_name="Amara Okafor-Lindqvist",
        course_slug="peer-specialist-core",
        course_title="Peer Support Specialist Core Training",
        course_version="2025.1",
        course_description="Foundations of peer support in mental-health services.",
        hours=40,
        competencies=(
            ("recovery", "Recovery-oriented communication"),
            ("ethics", "Ethics and boundaries"),
            ("trauma", "Trauma-informed practice"),
        ),
        issuer_name="PeerCert Training Program",
        issued_on=date(2025, 3, 1),
        expires_on=date(2099, 3, 1),
        status_list_index=42,
        base_url=BASE + "/",
        criteria_narrative="Complete every module, pass the final assessment and a supervised role play.",
    )


def errors(validator, instance):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_credential_is_valid_against_the_ob3_schema(ob3_validator, facts):
    credential = build_credential(facts)
    assert errors(ob3_validator, credential) == []
    # and without competencies, with fractional hours
    other = dataclasses.replace(facts, competencies=(), hours=37.5)
    assert errors(ob3_validator, build_credential(other)) == []


def test_schema_catches_a_broken_credential(ob3_validator, facts):
    credential = build_credential(facts)
    del credential["credentialSubject"]["achievement"]["criteria"]
    assert errors(ob3_validator, credential)


def test_credential_shape(facts):
    c = build_credential(facts)
    assert c["@context"] == [VC2_CONTEXT, OB3_CONTEXT]
    assert c["id"] == f"{BASE}/certificates/{facts.number}/credential.json"
    assert credential_number(c) == facts.number
    assert set(c["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    assert c["issuer"] == {"id": f"{BASE}/issuer", "type": ["Profile"], "name": facts.issuer_name, "url": f"{BASE}/"}
    assert c["validFrom"] == "2025-03-01T00:00:00Z"
    assert c["validUntil"] == "2099-03-01T23:59:59Z"
    subject = c["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": facts.holder_name, "identityType": "name", "hashed": False}
    ]
    assert subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/courses/peer-specialist-core/v/2025.1"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == facts.course_title
    assert achievement["criteria"]["narrative"] == facts.criteria_narrative
    assert [a["targetUrl"] for a in achievement["alignment"]] == [
        f"{BASE}/courses/peer-specialist-core#competency-{cid}" for cid, _ in facts.competencies
    ]
    assert all(a["targetName"] and a["type"] == ["Alignment"] for a in achievement["alignment"])
    assert "40 hours" in c["description"]
    assert c["credentialStatus"] == {
        "id": f"{BASE}/certificates/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": f"{BASE}/certificates/status/1",
    }
    json.dumps(c)


def test_subject_id_can_be_given(facts):
    c = build_credential(dataclasses.replace(facts, subject_id="mailto:amara@example.org"))
    assert c["credentialSubject"]["id"] == "mailto:amara@example.org"


def test_bad_facts_are_refused(facts):
    with pytest.raises(ValueError):
        build_credential(dataclasses.replace(facts, status_list_index=STATUS_LIST_SIZE))
    with pytest.raises(ValueError):
        build_credential(dataclasses.replace(facts, expires_on=date(2020, 1, 1)))


@pytest.mark.parametrize("alg", ["RS256", "EdDSA"])
def test_vc_jwt(facts, keystore, alg):
    credential = build_credential(facts)
    token = credential_jwt(credential, keystore, alg)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg and header["typ"] == "JWT"
    assert header["kid"] == keystore.current_kid(alg)
    published = {k["kid"]: k for k in keystore.jwks()["keys"]}[header["kid"]]
    assert {k: v for k, v in header["jwk"].items()} == {k: v for k, v in published.items() if k != "use"}

    # An outside verifier with only our JWKS:
    payload = jwt.decode(token, jwt.PyJWK(published).key, algorithms=[alg])
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2099, 3, 1, 23, 59, 59, tzinfo=UTC).timestamp())
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp")} == credential

    assert verify_credential_jwt(token, keystore) == credential


def test_vc_jwt_default_is_rs256(facts, keystore):
    assert jwt.get_unverified_header(credential_jwt(build_credential(facts), keystore))["alg"] == "RS256"


def test_vc_jwt_with_mismatched_claims_is_refused(facts, keystore):
    credential = build_credential(facts)
    forged = keystore.sign_jwt({**credential, "iss": "https://elsewhere.example", "jti": credential["id"]})
    with pytest.raises(VerificationError, match="iss"):
        verify_credential_jwt(forged, keystore)
    not_a_badge = keystore.sign_jwt({"type": ["VerifiableCredential"]})
    with pytest.raises(VerificationError, match="OpenBadgeCredential"):
        verify_credential_jwt(not_a_badge, keystore)


def test_expired_credential_is_refused_unless_times_are_not_checked(facts, keystore):
    old = dataclasses.replace(facts, issued_on=date(2020, 1, 1), expires_on=date(2021, 1, 1))
    token = credential_jwt(build_credential(old), keystore)
    with pytest.raises(VerificationError, match="expired"):
        verify_credential_jwt(token, keystore)
    assert verify_credential_jwt(token, keystore, check_times=False)["validUntil"] == "2021-01-01T23:59:59Z"


# -- Bitstring Status List --------------------------------------------------------


def independent_bit(encoded_list: str, index: int) -> bool:
    """Decoding as the W3C Bitstring Status List spec describes it, without our helpers."""
    assert encoded_list[0] == "u"  # multibase base64url, no padding
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded_list[1:] + "=" * (-len(encoded_list[1:]) % 4)))
    return bool((raw[index // 8] >> (7 - index % 8)) & 1)  # bit 0 is the leftmost bit


def test_status_list_round_trip(facts, keystore):
    revoked = {0, 7, 42, 4095, STATUS_LIST_SIZE - 1}
    status = build_status_list_credential(revoked, BASE, keystore, valid_from=datetime(2025, 3, 2, tzinfo=UTC))
    assert status["@context"] == [VC2_CONTEXT]
    assert status["id"] == f"{BASE}/certificates/status/1"
    assert set(status["type"]) == {"VerifiableCredential", "BitstringStatusListCredential"}
    assert status["issuer"] == f"{BASE}/issuer"
    assert status["validFrom"] == "2025-03-02T00:00:00Z"
    subject = status["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert len(decode_status_list(encoded)) * 8 == STATUS_LIST_SIZE
    for index in (0, 1, 6, 7, 8, 41, 42, 43, 4095, STATUS_LIST_SIZE - 2, STATUS_LIST_SIZE - 1):
        assert is_revoked_in_status_list(encoded, index) is (index in revoked)
        assert independent_bit(encoded, index) is (index in revoked)

    # The certificate's own entry points at this list.
    entry = build_credential(facts)["credentialStatus"]
    assert entry["statusListCredential"] == status["id"]
    assert is_revoked_in_status_list(encoded, int(entry["statusListIndex"])) is True
    empty = build_status_list_credential(set(), BASE)["credentialSubject"]["encodedList"]
    assert is_revoked_in_status_list(empty, 42) is False

    token = status_list_jwt(status, keystore)
    payload = keystore.verify_jwt(token)
    assert payload["iss"] == f"{BASE}/issuer" and payload["jti"] == status["id"]
    assert payload["sub"] == subject["id"]
    assert payload["credentialSubject"]["encodedList"] == encoded


def test_status_list_is_compact_and_deterministic():
    one = build_status_list_credential({5, 9}, BASE, valid_from=datetime(2025, 1, 1, tzinfo=UTC))
    two = build_status_list_credential([9, 5], BASE, valid_from=datetime(2025, 1, 1, tzinfo=UTC))
    assert one == two
    assert len(one["credentialSubject"]["encodedList"]) < 200


def test_status_list_errors():
    with pytest.raises(ValueError):
        build_status_list_credential({STATUS_LIST_SIZE}, BASE)
    with pytest.raises(ValueError):
        build_status_list_credential({-1}, BASE)
    with pytest.raises(ValueError):
        build_status_list_credential(set(), BASE, size=1024)  # below the spec's minimum
    encoded = build_status_list_credential(set(), BASE)["credentialSubject"]["encodedList"]
    with pytest.raises(IndexError):
        is_revoked_in_status_list(encoded, STATUS_LIST_SIZE)
    with pytest.raises(ValueError):
        is_revoked_in_status_list("u!!!not base64", 0)
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(17 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(ValueError, match="larger"):
        decode_status_list(bomb)
