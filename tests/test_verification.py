"""Public verification: the page by number, PDF upload, CSV upload, the credential, keys and status list."""

import csv
import io
import json
import time
from datetime import date
from pathlib import Path

import jwt
import pypdf
import pytest
import sqlalchemy as sa

from lms.certificates import documents, issuance, lifecycle, settings
from lms.certificates.credential import (
    build_credential,
    credential_jwt,
    is_revoked_in_status_list,
    verify_credential_jwt,
)
from lms.certificates.numbers import generate_number
from lms.certificates.pdf import render_certificate_pdf
from lms.certificates.signing import KeyStore
from lms.models import IssuedPdf, Role, VerificationLog
from tests import factories

OB3_SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ob3"


pytestmark = pytest.mark.usefixtures("quick_pdfs")


@pytest.fixture
def app_config(module_keys_dir):
    return {"KEYS_DIR": str(module_keys_dir)}


@pytest.fixture
def course(db):
    return factories.make_certifying_course()


@pytest.fixture
def issued(db, people, course):
    """A valid, an expired and a revoked certificate."""
    valid = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    expired = issuance.issue_certificate(factories.make_user(Role.TRAINEE, name="Jordan Rivera"), course,
                                         issued_on=date(2022, 3, 1), expires_on=date(2024, 3, 1))
    revoked = issuance.issue_certificate(factories.make_user(Role.TRAINEE, name="Casey Morgan"), course)
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()
    return {"valid": valid, "expired": expired, "revoked": revoked}


def schema_validator(name):
    path = OB3_SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"Open Badges 3.0 JSON Schema not found at {path} (the ../shared folder is absent)")
    import jsonschema

    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


# -- /verify/<number> ----------------------------------------------------------------------------


def test_anyone_sees_a_valid_certificate_in_plain_words_and_nothing_private(client, issued, people):
    certificate = issued["valid"]
    response = client.get(f"/verify/{certificate.number}")
    assert response.status_code == 200
    page = response.data.decode()
    assert "verdict-valid" in page and ">Valid</h1>" in page
    # The hours are those earned (issue 15): this course's modules hold no activities, so none.
    for fact in (certificate.holder_name, certificate.course_title, "Hours of training", certificate.issuer_name,
                 certificate.number):
        assert fact in page
    assert people["trainee"].email not in page  # no email, no scores, no transcripts
    assert "score" not in page.lower() and "transcript" not in page.lower()
    assert '<meta name="robots" content="noindex">' in page


def test_an_expired_certificate_says_when_it_expired(client, issued):
    page = client.get(f"/verify/{issued['expired'].number}").data.decode()
    assert "verdict-expired" in page and "Expired on Mar 1, 2024" in page


def test_a_revoked_certificate_says_when_it_was_revoked(client, issued):
    certificate = issued["revoked"]
    page = client.get(f"/verify/{certificate.number}").data.decode()
    assert "verdict-revoked" in page and "Revoked on" in page
    assert "Issued in error" not in page  # the reason is for the audit log, not the public


def test_an_unknown_number_is_not_found(client, issued):
    unknown = generate_number()
    response = client.get(f"/verify/{unknown}")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"verdict-not-found" in response.data


def test_a_number_typed_loosely_redirects_to_its_canonical_page(client, issued):
    number = issued["valid"].number
    response = client.get(f"/verify/{number.lower().replace('-', '')}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/verify/{number}")


def test_a_typo_is_caught_and_the_issued_number_suggested(client, issued):
    number = issued["valid"].number
    typo = number[:4] + number[5] + number[4] + number[6:]  # two characters swapped
    if typo == number:
        typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.get("/verify", query_string={"number": typo})
    assert response.status_code == 400
    assert b"Did you mean" in response.data and number.encode() in response.data
    direct = client.get(f"/verify/{typo}")
    assert direct.status_code == 404 and number.encode() in direct.data


def test_the_number_form_goes_to_the_certificate_page(client, issued):
    number = issued["valid"].number
    response = client.get("/verify", query_string={"number": " " + number.lower() + " "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{number}")
    empty = client.get("/verify", query_string={"number": ""})
    assert empty.status_code == 400 and b"Enter the number" in empty.data


def test_every_lookup_is_logged(client, db, issued):
    client.get(f"/verify/{issued['valid'].number}")
    unknown = generate_number()
    client.get(f"/verify/{unknown}")
    logs = db.session.scalars(sa.select(VerificationLog).order_by(VerificationLog.id)).all()
    assert [(log.number, log.found, log.method) for log in logs] == [
        (issued["valid"].number, True, "page"), (unknown, False, "page")]
    assert logs[0].ip == "127.0.0.1"


# -- POST /verify with a PDF -------------------------------------------------------------------------


def upload(client, data: bytes, name="certificate.pdf"):
    return client.post("/verify", data={"pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def stored_pdf(certificate) -> bytes:
    return (settings.data_dir() / certificate.pdf_path).read_bytes()


def render_with(app, certificate, keystore, **changes) -> bytes:
    """The certificate's PDF as someone else might make it: other facts, or another key."""
    import dataclasses

    facts = dataclasses.replace(documents.certificate_facts(certificate), **changes)
    signed = build_credential(documents.certificate_facts(certificate))
    return render_certificate_pdf(
        facts,
        credential_json=json.dumps(signed),
        credential_jwt=credential_jwt(signed, keystore),
        verification_url=settings.verification_url(certificate.number),
        program_name=app.config["LMS_PROGRAM_NAME"],
        templates_dir=Path(app.root_path).parent / "templates",
        static_dir=Path(app.static_folder),
    )


def test_a_genuine_pdf_is_genuine_and_valid_until_revoked(client, db, people, course, real_pdfs):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    pdf = stored_pdf(certificate)

    response = upload(client, pdf)
    assert response.status_code == 200
    assert b"Genuine and valid" in response.data and certificate.number.encode() in response.data

    lifecycle.revoke_certificate(certificate, "Issued in error")
    db.session.commit()
    response = upload(client, pdf)  # the same file, downloaded before the revocation
    assert b"Genuine but revoked on" in response.data and b"Genuine and valid" not in response.data
    log = db.session.scalars(sa.select(VerificationLog).where(VerificationLog.method == "pdf")).all()
    assert [entry.number for entry in log] == [certificate.number, certificate.number]


def test_a_pdf_with_the_name_changed_is_not_the_file_we_issued(app, client, db, people, course, real_pdfs):
    certificate = issuance.issue_certificate(people["trainee"], course)
    db.session.commit()
    tampered = render_with(app, certificate, settings.get_keystore(), holder_name="Mallory Impostor")
    response = upload(client, tampered)
    page = response.data.decode()
    assert response.status_code == 200 and "verdict-unconfirmed" in page
    assert "Not the file we issued" in page and "Genuine" not in page
    assert "compare the page with the facts below" in page.lower()
    assert certificate.holder_name in page and certificate.number in page  # what the credential says


def forged_pdf(app, certificate) -> bytes:
    """The attack: a page that names Mallory Fake, the real holder's sentence hidden in white 1 pt
    text (so the text layer holds it), and the genuine credential.jwt (anyone can download it) attached."""
    import weasyprint

    html = f"""<html><body>
      <h1>This certifies that Mallory Fake has completed {certificate.course_title}</h1>
      <p style="color: white; font-size: 1pt">This certifies that {certificate.holder_name} has completed
      {certificate.course_title} Version {certificate.course_version_label} Certificate no. {certificate.number}</p>
    </body></html>"""
    page = weasyprint.HTML(string=html).write_pdf()
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(page))
    writer.add_attachment("credential.jwt", documents.signed_credential(certificate).encode())
    out = io.BytesIO()
    writer.write(out)
    text_layer = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.getvalue())).pages)
    assert certificate.holder_name in text_layer  # what the old text check looked for
    return out.getvalue()


def test_a_forged_page_around_the_genuine_credential_is_not_called_genuine(app, client, db, people, course,
                                                                           real_pdfs):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    response = upload(client, forged_pdf(app, certificate))
    page = response.data.decode()
    assert response.status_code == 200
    assert "Genuine" not in page and "identical" not in page and "page matches" not in page
    assert "Not the file we issued" in page and "its page may differ" in page
    assert certificate.holder_name in page and "Valid" in page  # the signed facts, the status today

    genuine = upload(client, stored_pdf(certificate)).data.decode()
    assert "Genuine and valid" in genuine and "identical to the file we issued" in genuine


def test_a_page_bomb_upload_costs_under_a_second(client, db, people, course):
    from tests.test_certificate_pdf import shared_stream_bomb

    certificate = issuance.issue_certificate(people["trainee"], course)
    db.session.commit()
    bomb = shared_stream_bomb(documents.signed_credential(certificate))
    started = time.process_time()
    response = upload(client, bomb)
    assert time.process_time() - started < 1.0  # a generous bound, not a benchmark
    assert response.status_code == 200 and b"Not the file we issued" in response.data


def test_a_pdf_rendered_before_hashes_were_kept_is_recognised(client, db, people, course, real_pdfs):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(IssuedPdf.id))) == 1
    db.session.execute(sa.delete(IssuedPdf))  # as after the migration, with no DATA_DIR to hash
    db.session.commit()
    response = upload(client, stored_pdf(certificate))
    assert b"Genuine and valid" in response.data  # the stored file was hashed on first use
    assert db.session.scalar(sa.select(IssuedPdf.certificate_id)) == certificate.id


def test_a_credential_signed_with_another_key_is_not_genuine(app, client, db, people, course, tmp_path, real_pdfs):
    certificate = issuance.issue_certificate(people["trainee"], course)
    db.session.commit()
    forged = render_with(app, certificate, KeyStore(tmp_path / "forger"))
    response = upload(client, forged)
    assert b"Not genuine" in response.data and b"not signed by this issuer" in response.data


def test_a_file_that_is_not_a_pdf_is_not_genuine(client, issued):
    response = upload(client, b"hello, I am a certificate", "note.pdf")
    assert response.status_code == 200 and b"Not genuine" in response.data
    missing = client.post("/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and b"Choose the certificate" in missing.data


# -- CSV upload ------------------------------------------------------------------------------------


def test_a_csv_of_numbers_is_checked_and_the_results_downloaded(client, db, issued):
    unknown = generate_number()
    rows = ["Certificate number", issued["valid"].number.lower(), issued["expired"].number, issued["revoked"].number,
            unknown, "not-a-number", "=HYPERLINK(\"http://evil\")"]
    data = ("\n".join(rows) + "\n").encode()
    page = client.post("/verify/csv", data={"csv": (io.BytesIO(data), "staff.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    text = page.data.decode()
    assert "6 numbers checked: 1 valid, 1 expired, 1 revoked, 1 not found, 2 malformed" in text
    assert issued["valid"].holder_name in text

    download = client.post("/verify/csv", data={"csv": (io.BytesIO(data), "staff.csv"), "format": "csv"},
                           content_type="multipart/form-data")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    result = list(csv.DictReader(io.StringIO(download.data.decode())))
    assert [row["status"] for row in result] == ["valid", "expired", "revoked", "not_found", "malformed", "malformed"]
    assert result[0]["number"] == issued["valid"].number and result[0]["holder_name"] == issued["valid"].holder_name
    assert result[2]["revoked_on"] == issued["revoked"].revoked_at.date().isoformat()
    assert result[5]["input"].startswith("'=")  # a formula is defused for spreadsheets

    again = client.post("/verify/csv", data={"numbers": "\n".join(rows[1:]), "format": "csv"})
    assert again.data == download.data  # the download button re-sends the numbers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerificationLog)
                             .where(VerificationLog.method == "csv")) == 18


def test_a_csv_that_is_too_long_or_empty_is_refused(client, issued):
    many = "\n".join(generate_number() for _ in range(1001)).encode()
    response = client.post("/verify/csv", data={"csv": (io.BytesIO(many), "many.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and b"at most 1,000" in response.data
    empty = client.post("/verify/csv", data={"csv": (io.BytesIO(b"number\n"), "empty.csv")},
                        content_type="multipart/form-data")
    assert empty.status_code == 400 and b"no certificate numbers" in empty.data


# -- the signed credential, keys, status list -----------------------------------------------------------


def test_the_served_credential_passes_the_open_badges_schema(client, issued):
    validator = schema_validator("achievementcredential.json")
    for certificate in issued.values():
        response = client.get(f"/certificates/{certificate.number}/credential.json")
        assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
        credential = response.get_json(force=True)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(credential)]
        assert errors == []
        assert credential["credentialSubject"]["identifier"][0]["identityHash"] == certificate.holder_name
        assert credential["id"].endswith(f"/certificates/{certificate.number}/credential.json")


def test_the_issuer_profile_passes_the_open_badges_schema(client, app):
    validator = schema_validator("profile.json")
    profile = client.get("/issuer").get_json(force=True)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(profile)] == []
    # The program's did:web identifier (issue 18): the id its credentials' proofs resolve.
    assert profile["id"] == "did:web:localhost" and profile["name"] == app.config["LMS_PROGRAM_NAME"]


def test_the_credential_jwt_verifies_with_pyjwt_against_the_published_jwks(client, issued, tmp_path):
    certificate = issued["valid"]
    token = client.get(f"/certificates/{certificate.number}/credential.jwt").data.decode()
    jwks = client.get("/.well-known/jwks.json").get_json()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    [jwk] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    assert "d" not in jwk  # public keys only
    payload = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])
    served = client.get(f"/certificates/{certificate.number}/credential.json").get_json(force=True)
    assert payload["jti"] == served["id"] and payload["credentialSubject"] == served["credentialSubject"]
    assert {key["kty"] for key in jwks["keys"]} == {"RSA", "OKP"}  # Ed25519 published beside RSA

    other = KeyStore(tmp_path / "elsewhere")
    with pytest.raises(jwt.InvalidSignatureError):
        forged = credential_jwt(served, other)
        jwt.decode(forged, jwt.PyJWK(jwk).key, algorithms=["RS256"])


def test_the_status_list_shows_revocations(client, issued):
    response = client.get("/certificates/status/1")
    assert response.status_code == 200
    status_credential = response.get_json(force=True)
    encoded = status_credential["credentialSubject"]["encodedList"]
    assert is_revoked_in_status_list(encoded, issued["revoked"].status_list_index)
    assert not is_revoked_in_status_list(encoded, issued["valid"].status_list_index)
    assert not is_revoked_in_status_list(encoded, issued["expired"].status_list_index)
    credential = client.get(f"/certificates/{issued['revoked'].number}/credential.json").get_json(force=True)
    assert credential["credentialStatus"]["statusListCredential"] == status_credential["id"]

    token = client.get("/certificates/status/1", headers={"Accept": "application/vc+jwt"}).data.decode()
    for token in (token, client.get("/certificates/status/1.jwt").data.decode()):
        payload = settings.get_keystore().verify_jwt(token)
        assert payload["credentialSubject"]["encodedList"] == encoded


def test_a_credential_from_before_a_key_rotation_still_verifies(client, app, issued):
    certificate = issued["valid"]
    old_token = client.get(f"/certificates/{certificate.number}/credential.jwt").data.decode()
    store = settings.get_keystore()
    before = {key["kid"] for key in store.jwks()["keys"]}
    store.rotate()
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert before < {key["kid"] for key in jwks["keys"]}
    assert verify_credential_jwt(old_token, store)["id"].endswith("credential.json")
    new_token = client.get(f"/certificates/{certificate.number}/credential.jwt").data.decode()
    assert jwt.get_unverified_header(new_token)["kid"] != jwt.get_unverified_header(old_token)["kid"]


def test_unknown_certificates_have_no_credential(client, issued):
    number = generate_number()
    assert client.get(f"/certificates/{number}/credential.json").status_code == 404
    assert client.get(f"/certificates/{number}/credential.jwt").status_code == 404


def test_a_lower_case_pdf_link_redirects_whatever_its_query_says(client, issued):
    """`_method` (or `_external`) in the query was handed to url_for, which failed with a 500."""
    number = issued["valid"].number
    for query in ("_method=POST", "_external=1&download=1", "_anchor=x&_scheme=ftp"):
        response = client.get(f"/certificates/{number.lower()}.pdf?{query}")
        assert response.status_code == 301, query
        assert response.headers["Location"] == f"/certificates/{number}.pdf?{query}"


@pytest.mark.parametrize("app_config", [{"API_RATE_LIMIT_ANONYMOUS": "4 per minute"}])
def test_the_verification_pages_and_downloads_share_the_apis_rate_limit(client, issued, app_config,
                                                                        module_keys_dir):
    number = issued["valid"].number
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200
    assert client.get(f"/verify/{number}").status_code == 200
    assert client.get(f"/certificates/{number}/credential.jwt").status_code == 200
    assert client.get(f"/certificates/{number}.pdf").status_code == 200
    for url in (f"/verify/{number}", f"/certificates/{number}/credential.json", f"/certificates/{number}.pdf",
                f"/api/v1/certificates/{number}", "/verify?number=nonsense"):
        response = client.get(url)
        assert response.status_code == 429 and "Retry-After" in response.headers, url
    assert upload(client, b"%PDF-1.7 not a certificate").status_code == 429
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200  # not a lookup


@pytest.mark.parametrize("app_config", [{"API_RATE_LIMIT_ANONYMOUS": "2 per minute"}])
def test_the_shared_limit_counts_each_address_apart(client, issued, app_config, module_keys_dir):
    number = issued["valid"].number
    for address in ("198.51.100.1", "198.51.100.2"):
        statuses = [client.get(f"/verify/{number}", environ_base={"REMOTE_ADDR": address}).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 429], address
