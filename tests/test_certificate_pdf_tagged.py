"""The certificate PDF is tagged (PDF/UA-1 structure) and still PDF/A-3b with the credential attached;
the transcript PDF is tagged too. Read back with pypdf: the structure tree, not the drawing."""

import io
import json
from datetime import date
from pathlib import Path

import pypdf
import pytest

from lms.certificates.credential import CertificateFacts, build_credential, credential_jwt
from lms.certificates.pdf import render_certificate_pdf
from lms.certificates.signing import KeyStore
from tests.org_factories import make_org_record

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:5000"
NUMBER = "PC-2025-TAG7-Q4Z2"


@pytest.fixture(scope="module")
def facts():
    return CertificateFacts(
        number=NUMBER, holder_name="Zoë O'Brien-Nakamura", course_slug="peer-specialist-core",
        course_title="Peer Support Specialist Core Training", course_version="2025.1",
        course_description="Foundations of peer support.", hours=40,
        competencies=(("c1", "Active listening"), ("c2", "Boundaries")), issuer_name="PeerCert Training Program",
        issued_on=date(2025, 3, 1), expires_on=date(2028, 3, 1), status_list_index=7, base_url=BASE,
        criteria_narrative="Complete every module.",
    )


def render(facts, keystore, **kwargs) -> bytes:
    credential = build_credential(facts)
    return render_certificate_pdf(
        facts, credential_json=json.dumps(credential), credential_jwt=credential_jwt(credential, keystore),
        verification_url=f"{BASE}/certificates/{facts.number}", program_name="PeerCert Training Program",
        templates_dir=ROOT / "templates", static_dir=ROOT / "static", **kwargs,
    )


@pytest.fixture(scope="module")
def keystore(tmp_path_factory):
    return KeyStore(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def tagged(facts, keystore):
    return pypdf.PdfReader(io.BytesIO(render(facts, keystore)))


def structure(reader) -> list[tuple[int, str, object]]:
    """The structure elements in document order: (depth, tag, /Alt or None)."""
    found = []

    def walk(node, depth):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if node.get("/Type") == "/StructElem":
            found.append((depth, str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], 0)
    return found


def test_the_catalog_declares_a_tagged_document_in_english(tagged):
    root = tagged.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712  # the title, not the file name


def test_headings_come_in_reading_order(tagged):
    tags = [tag for _, tag, _ in structure(tagged)]
    assert tags[0] == "/Document"
    assert tags.count("/H1") == 1 and tags.count("/H2") == 2
    # the heading, then the holder and the course, then the QR code: the order a screen reader reads
    assert tags.index("/H1") < tags.index("/H2") < tags.index("/Figure")


def test_the_headings_carry_the_certificate_and_the_holder(tagged, facts):
    text = tagged.pages[0].extract_text()
    assert "Certificate of completion" in text and facts.holder_name in text and facts.course_title in text


def test_the_qr_code_is_a_figure_with_alternative_text(tagged):
    figures = [alt for _, tag, alt in structure(tagged) if tag == "/Figure"]
    assert len(figures) == 1
    assert figures[0] and "verification page" in figures[0] and NUMBER in figures[0]


def test_still_pdf_a_3b_with_the_credential_attached_and_identified_as_pdf_ua_1(tagged, facts):
    assert set(tagged.attachments) == {"credential.jwt", "credential.json"}
    credential = json.loads(tagged.attachments["credential.json"][0])
    assert facts.number in json.dumps(credential)
    xmp = tagged.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert 'pdfuaid:part="1"' in xmp
    # PDF/A-3 accepts pdfuaid only if the packet describes its schema
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
    assert tagged.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    assert len(tagged.trailer["/Root"]["/AF"]) == 2  # each attachment listed once


def test_the_untagged_rendering_has_none_of_it(facts, keystore):
    reader = pypdf.PdfReader(io.BytesIO(render(facts, keystore, tagged=False)))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" not in root and "/MarkInfo" not in root
    assert "pdfuaid" not in root["/Metadata"].get_object().get_data().decode()
    assert set(reader.attachments) == {"credential.jwt", "credential.json"}


def test_a_revoked_certificate_is_tagged_too(facts, keystore):
    reader = pypdf.PdfReader(io.BytesIO(render(facts, keystore, revoked=True)))
    assert "This certificate has been revoked." in reader.pages[0].extract_text()
    assert "/H1" in [tag for _, tag, _ in structure(reader)]


def test_the_transcript_pdf_is_tagged(client, auth, db, people):
    make_org_record(people["trainee"], people["supervisor"])
    db.session.commit()
    auth.login(people["trainee"])
    response = client.get("/records/transcript.pdf")
    assert response.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject) and str(root["/Lang"]).startswith("en")
    tags = [tag for _, tag, _ in structure(reader)]
    assert "/H1" in tags and "/H2" in tags and "/Table" in tags
