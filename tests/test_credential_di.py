"""The credential's embedded Data Integrity proof (eddsa-rdfc-2022), the issuers' DID documents and profiles,
the status list credential, and key rotation: checked in Python, with openbadgeslib as an independent verifier.
(tests/test_credential_di_wallet.py asks the wallets' own verifier, in node.)"""

import copy
import io
import json
import os
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from referencing import Registry, Resource

from lms.certificates import documents, issuance, issuers, lifecycle, linked_data, settings
from lms.certificates.credential import is_revoked_in_status_list
from tests import factories
from tests.conftest import SHARED

pytestmark = pytest.mark.usefixtures("quick_pdfs")

# 1EdTech's published schemas beside the repository (CI has them); OB3_SCHEMA_DIR points elsewhere.
OB3_SCHEMAS = Path(os.environ.get("OB3_SCHEMA_DIR") or SHARED / "data" / "ob3")


@pytest.fixture
def app_config(tmp_path):
    return {"KEYS_DIR": str(tmp_path / "keys"), "LMS_BASE_URL": "https://certs.example.org"}


@pytest.fixture
def course(db):
    return factories.make_certifying_course()


def issue(user, course, **fields):
    return issuance.issue_certificate(user, course, **fields)


def ob3_validator(name="achievementcredential.json"):
    path = OB3_SCHEMAS / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the Open Badges 3.0 JSON Schema is missing at {path}")
        pytest.skip(f"Open Badges 3.0 JSON Schema not found at {path} (the ../shared folder is absent)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    resources = [(schema["$id"], Resource.from_contents(schema))]
    return jsonschema.Draft201909Validator(schema, registry=Registry().with_resources(resources),
                                           format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


def ed25519_pem(kid=None) -> bytes:
    store = settings.get_keystore()
    key = store.current_key("EdDSA") if kid is None else next(k for k in store.keys() if k.kid == kid)
    return key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# -- did:web identifiers -------------------------------------------------------------------------


def test_did_web_encodes_the_port_and_maps_paths_as_the_did_web_method_says():
    assert issuers.did_web("https://certs.example.org") == "did:web:certs.example.org"
    assert issuers.did_web("https://127.0.0.1:5443") == "did:web:127.0.0.1%3A5443"
    assert issuers.did_web("https://example.org/lms/", "orgs", "7") == "did:web:example.org:lms:orgs:7"


def test_base58btc_and_multikey_round_trip():
    assert linked_data.base58btc_encode(b"\0\0hello") == "11Cn8eVZg"
    assert linked_data.base58btc_decode("11Cn8eVZg") == b"\0\0hello"
    key = settings_free_key()
    multikey = linked_data.multikey_of(key.public_key())
    assert multikey.startswith("z6Mk") and len(multikey) == 48
    assert linked_data.public_key_of_multikey(multikey) == key.public_key()


def settings_free_key():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


def test_the_document_loader_serves_only_the_bundled_contexts():
    document = linked_data.document_loader("https://www.w3.org/ns/credentials/v2")
    assert document["document"]["@context"]["@protected"] is True
    with pytest.raises(Exception, match="not bundled"):
        linked_data.document_loader("https://example.com/context.json")
    unknown = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/c.json"], "type": "X"}
    with pytest.raises(Exception):
        linked_data.canonicalize(unknown)


# -- the credential ------------------------------------------------------------------------------


def test_an_organization_issues_with_its_own_did_profile_and_status_list(app, db, client, course):
    org = factories.make_org("Riverside Recovery Network")
    trainee = factories.make_user(org=org, name="Dana Whitfield")
    certificate = issue(trainee, course)
    db.session.commit()

    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    did = f"did:web:certs.example.org:orgs:{org.id}"
    assert credential["issuer"] == {"id": did, "type": ["Profile"], "name": "Riverside Recovery Network",
                                    "url": "https://certs.example.org/"}
    assert issuers.issuer_for(certificate).name == "Riverside Recovery Network"  # what the PDF prints
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"https://certs.example.org/orgs/{org.id}/status/1"

    [proof] = credential["proof"]
    kid = settings.get_keystore().current_kid("EdDSA")
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == f"{did}#{kid}" and proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    assert documents.verify_credential_proof(credential) == proof

    profile = client.get(f"/orgs/{org.id}/issuer").get_json()
    assert profile["id"] == did and profile["name"] == "Riverside Recovery Network"
    did_document = client.get(f"/orgs/{org.id}/did.json").get_json()
    assert did_document["id"] == did
    [method] = did_document["verificationMethod"]
    assert method == {"id": f"{did}#{kid}", "type": "Multikey", "controller": did,
                      "publicKeyMultibase": linked_data.multikey_of(settings.get_keystore().public_key_of(kid))}
    assert did_document["assertionMethod"] == [method["id"]]

    # The VC-JWT stays, naming the same issuer.
    token = client.get(f"/certificates/{certificate.number}/credential.jwt").get_data(as_text=True)
    assert settings.get_keystore().verify_jwt(token)["iss"] == did


def test_a_trainee_without_organization_gets_the_program_issuer(app, db, client, course):
    certificate = issue(factories.make_user(), course)
    db.session.commit()
    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    assert credential["issuer"]["id"] == "did:web:certs.example.org"
    assert credential["issuer"]["name"] == app.config["LMS_PROGRAM_NAME"]
    assert credential["credentialStatus"]["statusListCredential"] == "https://certs.example.org/certificates/status/1"
    profile = client.get("/issuer").get_json()
    assert profile["id"] == "did:web:certs.example.org" and profile["name"] == app.config["LMS_PROGRAM_NAME"]
    assert client.get("/.well-known/did.json").get_json()["id"] == "did:web:certs.example.org"
    documents.verify_credential_proof(credential)


def test_an_organization_that_never_issued_has_no_issuer_documents(app, db, client):
    org = factories.make_org("Quiet Org")
    db.session.commit()
    for path in ("issuer", "did.json", "status/1"):
        assert client.get(f"/orgs/{org.id}/{path}").status_code == 404
    assert client.get("/orgs/999999/did.json").status_code == 404
    assert client.get("/orgs/not-a-number/did.json").status_code == 404


def test_the_certificate_keeps_its_issuer_when_the_holder_moves(app, db, client, course):
    first, second = factories.make_org("First Org"), factories.make_org("Second Org")
    trainee = factories.make_user(org=first)
    certificate = issue(trainee, course)
    db.session.commit()
    trainee.organization = second
    db.session.commit()
    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    assert credential["issuer"]["id"].endswith(f":orgs:{first.id}") and credential["issuer"]["name"] == "First Org"


def test_a_tampered_credential_fails_and_openbadgeslib_agrees(app, db, client, course):
    from openbadgeslib.ob3.ldp import OB3LdpVerifier
    from openbadgeslib.ob3.verifier import OB3VerificationError

    certificate = issue(factories.make_user(org=factories.make_org("Riverside")), course)
    db.session.commit()
    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()

    verified = OB3LdpVerifier(pubkey_pem=ed25519_pem()).verify(copy.deepcopy(credential))
    assert verified is not None

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    with pytest.raises(linked_data.ProofError):
        documents.verify_credential_proof(tampered)
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier(pubkey_pem=ed25519_pem()).verify(tampered)
    forged_key = copy.deepcopy(credential)
    kid = settings.get_keystore().current_kid("EdDSA")
    forged_key["proof"][0]["verificationMethod"] = f"did:web:evil.example#{kid}"
    with pytest.raises(linked_data.ProofError, match="does not know"):
        documents.verify_credential_proof(forged_key)


def test_openbadgeslib_resolves_our_did_web_and_reads_the_status_list(app, db, client, course):
    """An independent verifier resolving the issuer's key from its DID document and reading the status list
    (its `download` answered by the test client: https://certs.example.org is never reached). openbadgeslib
    verifies only JWT status lists, so the list's own Data Integrity proof is left to verifier-core."""
    from openbadgeslib.ob3.ldp import OB3LdpVerifier
    from openbadgeslib.ob3.verifier import OB3VerificationError

    fetched = []

    def download(url, *args, **kwargs):
        assert url.startswith("https://certs.example.org/")
        fetched.append(url)
        response = client.get(url.removeprefix("https://certs.example.org"))
        assert response.status_code == 200
        return response.data

    org = factories.make_org("Riverside")
    valid = issue(factories.make_user(org=org), course)
    revoked = issue(factories.make_user(org=org), course)
    db.session.commit()
    credentials = [client.get(f"/certificates/{c.number}/credential.json").get_json() for c in (valid, revoked)]
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()

    OB3LdpVerifier().verify(credentials[0], check_status=True, download=download, verify_status_list=False)
    assert f"https://certs.example.org/orgs/{org.id}/did.json" in fetched
    assert f"https://certs.example.org/orgs/{org.id}/status/1" in fetched
    with pytest.raises(OB3VerificationError, match="'revocation' is set at index"):
        OB3LdpVerifier().verify(credentials[1], check_status=True, download=download, verify_status_list=False)


def test_the_credential_with_its_proof_passes_the_ob3_json_schema(app, db, client, course):
    validator = ob3_validator()
    certificate = issue(factories.make_user(org=factories.make_org("Riverside")), course)
    db.session.commit()
    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    assert [error.message for error in validator.iter_errors(credential)] == []
    profiles = ob3_validator("profile.json")
    for url in ("/issuer", f"/orgs/{certificate.issuer_organization_id}/issuer"):
        assert [error.message for error in profiles.iter_errors(client.get(url).get_json())] == []


# -- the status list -----------------------------------------------------------------------------


def test_revocation_flips_the_bit_of_the_issuers_signed_status_list(app, db, client, course):
    org = factories.make_org("Riverside")
    certificate = issue(factories.make_user(org=org), course)
    other = issue(factories.make_user(), course)
    db.session.commit()
    url = f"/orgs/{org.id}/status/1"
    before = client.get(url).get_json()
    assert before["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert before["issuer"] == f"did:web:certs.example.org:orgs:{org.id}"
    assert before["credentialSubject"]["type"] == "BitstringStatusList"
    assert not is_revoked_in_status_list(before["credentialSubject"]["encodedList"], certificate.status_list_index)
    documents.verify_credential_proof(before)

    lifecycle.revoke_certificate(certificate, "Issued in error")
    db.session.commit()
    after = client.get(url).get_json()
    documents.verify_credential_proof(after)
    assert is_revoked_in_status_list(after["credentialSubject"]["encodedList"], certificate.status_list_index)
    # The program's list holds the program's certificates only.
    program = client.get("/certificates/status/1").get_json()
    assert program["issuer"] == "did:web:certs.example.org"
    assert not is_revoked_in_status_list(program["credentialSubject"]["encodedList"], certificate.status_list_index)
    assert not is_revoked_in_status_list(program["credentialSubject"]["encodedList"], other.status_list_index)
    # A verifier that asks for a JWT still gets one.
    jwt_response = client.get(url, headers={"Accept": "application/vc+jwt"})
    assert jwt_response.mimetype == "application/vc+jwt"


# -- key rotation --------------------------------------------------------------------------------


def test_credentials_signed_before_keys_rotate_still_verify(app, db, client, runner, course):
    trainee = factories.make_user(org=factories.make_org("Riverside"))
    certificate = issue(trainee, course, issued_on=date(2026, 1, 5))
    db.session.commit()
    held = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    held_jwt = client.get(f"/certificates/{certificate.number}/credential.jwt").get_data(as_text=True)
    old_kid = settings.get_keystore().current_kid("EdDSA")
    size_before = issuers.did_document_size(issuers.organization_issuer(certificate.issuer_organization))

    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    store = settings.get_keystore()
    new_kid = store.current_kid("EdDSA")
    assert new_kid != old_kid

    org_id = certificate.issuer_organization_id
    for url in ("/.well-known/did.json", f"/orgs/{org_id}/did.json"):
        methods = [m["id"].split("#")[1] for m in client.get(url).get_json()["verificationMethod"]]
        assert methods == [new_kid, old_kid]
    assert {old_kid, new_kid} <= {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]}
    # Each rotation adds one key to the DID documents: some 25 fit in the 8 KB the DCC's resolver reads.
    per_key = issuers.did_document_size(issuers.organization_issuer(certificate.issuer_organization)) - size_before
    assert size_before + 24 * per_key < 8192, (size_before, per_key)
    assert "Warning" not in result.output

    assert documents.verify_credential_proof(held)["verificationMethod"].endswith(f"#{old_kid}")
    store.verify_jwt(held_jwt)
    fresh = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    assert fresh["proof"][0]["verificationMethod"].endswith(f"#{new_kid}")
    from openbadgeslib.ob3.ldp import OB3LdpVerifier

    OB3LdpVerifier(pubkey_pem=ed25519_pem(old_kid)).verify(held)
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200 and "verdict-valid" in page.get_data(as_text=True)
    for upload in (json.dumps(held), held_jwt):
        answer = upload_credential(client, upload)
        assert answer.status_code == 200 and "Genuine and valid" in answer.get_data(as_text=True)


def test_a_rotation_by_another_process_is_published_and_used_at_once(app, db, client, course):
    from lms.certificates.signing import KeyStore

    certificate = issue(factories.make_user(), course)
    db.session.commit()
    before = client.get("/.well-known/did.json").get_json()["verificationMethod"]
    new = KeyStore(app.config["KEYS_DIR"]).rotate()  # as `flask keys rotate` does, in its own process
    methods = client.get("/.well-known/did.json").get_json()["verificationMethod"]
    assert [m["id"].split("#")[1] for m in methods] == [new["EdDSA"], before[0]["id"].split("#")[1]]
    credential = client.get(f"/certificates/{certificate.number}/credential.json").get_json()
    assert credential["proof"][0]["verificationMethod"].endswith(f"#{new['EdDSA']}")


def upload_credential(client, text: str, name: str = "credential.json"):
    return client.post("/verify/credential", data={"credential": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_verify_page_checks_an_uploaded_credential_file(app, db, client, course):
    valid = issue(factories.make_user(org=factories.make_org("Riverside")), course)
    revoked = issue(factories.make_user(), course)
    db.session.commit()
    credential = client.get(f"/certificates/{valid.number}/credential.json").get_json()
    revoked_credential = client.get(f"/certificates/{revoked.number}/credential.json").get_json()
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()

    page = upload_credential(client, json.dumps(credential)).get_data(as_text=True)
    assert "verdict-valid" in page and valid.holder_name in page and "Riverside" in page
    page = upload_credential(client, json.dumps(revoked_credential)).get_data(as_text=True)
    assert "verdict-revoked" in page

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    page = upload_credential(client, json.dumps(tampered)).get_data(as_text=True)
    assert "verdict-not-genuine" in page and "has been changed" in page
    bad_signature = copy.deepcopy(credential)
    bad_signature["proof"][0]["proofValue"] = "z" + "1" * 80
    page = upload_credential(client, json.dumps(bad_signature)).get_data(as_text=True)
    assert "verdict-not-genuine" in page and "signature is not valid" in page
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert "no Data Integrity proof" in upload_credential(client, json.dumps(unsigned)).get_data(as_text=True)
    for method in ("did:web:certs.example.org:orgs:99999999999999999999#k", "did:web:certs.example.org:orgs:²#k"):
        odd_key = copy.deepcopy(credential)
        odd_key["proof"][0]["verificationMethod"] = method
        page = upload_credential(client, json.dumps(odd_key))
        assert page.status_code == 200 and "does not know" in page.get_data(as_text=True)

    # Bad input is a clear 4xx, never a 500.
    assert upload_credential(client, "not json at all").status_code == 400
    assert upload_credential(client, "[1, 2]").status_code == 400
    assert upload_credential(client, "{" * 100_000).status_code == 413
    assert client.post("/verify/credential", data={}).status_code == 400


def test_a_name_correction_keeps_the_issuer_after_the_holder_moved(app, db, client, course):
    first, second = factories.make_org("First Org"), factories.make_org("Second Org")
    trainee = factories.make_user(org=first, name="Dana Whitfeld")
    certificate = issue(trainee, course)
    trainee.organization = second
    db.session.commit()
    replacement = lifecycle.correct_holder_name(certificate, "Dana Whitfield", actor=trainee)
    db.session.commit()
    assert replacement.issuer_organization_id == first.id and replacement.issuer_name == "First Org"
    credential = client.get(f"/certificates/{replacement.number}/credential.json").get_json()
    assert credential["issuer"]["id"] == f"did:web:certs.example.org:orgs:{first.id}"
    # The original, revoked by the correction, shows in its own issuer's status list.
    encoded = client.get(f"/orgs/{first.id}/status/1").get_json()["credentialSubject"]["encodedList"]
    assert is_revoked_in_status_list(encoded, certificate.status_list_index)


# -- the PDF carries the credential a wallet can take ----------------------------------------------


def test_the_pdf_attaches_the_credential_with_its_proof_and_still_passes_the_pdf_check(db, people, course,
                                                                                      real_pdfs):
    import pypdf

    from lms.certificates import pdf_verify

    certificate = issue(people["trainee"], course)
    data = documents.build_pdf(certificate)
    attached = json.loads(pypdf.PdfReader(io.BytesIO(data)).attachments["credential.json"][0])
    assert attached["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    documents.verify_credential_proof(attached)  # raises when the proof does not hold
    assert {k: v for k, v in attached.items() if k != "proof"} == documents.credential_for(certificate)
    assert pdf_verify.inspect_pdf(data, settings.get_keystore()).signed
