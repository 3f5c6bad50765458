import dataclasses
import io
import json
import re
import time
from datetime import date
from pathlib import Path

import pypdf
import pytest

from lms.certificates.credential import CertificateFacts, build_credential, credential_jwt
from lms.certificates.numbers import generate_number
from lms.certificates.pdf import StaticOnlyFetcher, render_certificate_pdf, render_one_line_pdf
from lms.certificates.pdf_verify import PdfCheck, StatedFacts, inspect_pdf, stated_facts
from lms.certificates.signing import KeyStore

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
BASE = "http://127.0.0.1:5000"
PROGRAM = "PeerCert Training Program"


@pytest.fixture(scope="module")
def keystore(tmp_path_factory):
    return KeyStore(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def facts():
    return CertificateFacts(
        number=generate_number(),
        holder_name="Zoë O'Brien-Nakamura",
        course_slug="peer-specialist-core",
        course_title="Peer Support Specialist Core Training",
        course_version="2025.1",
        course_description="Foundations of peer support in mental-health services.",
        hours=40,
        competencies=tuple((f"c{i}", f"Competency {i}: recovery-oriented practice") for i in range(1, 11)),
        issuer_name="PeerCert Training Program",
        issued_on=date(2025, 3, 1),
        expires_on=date(2028, 3, 1),
        status_list_index=7,
        base_url=BASE,
        criteria_narrative="Complete every module and pass the final assessment.",
    )


@pytest.fixture(scope="module")
def signed(facts, keystore):
    credential = build_credential(facts)
    return credential, credential_jwt(credential, keystore)


def verification_url(facts):
    return f"{BASE}/certificates/{facts.number}"


def render(facts, credential, token, **kwargs):
    return render_certificate_pdf(
        facts,
        credential_json=json.dumps(credential, indent=2, ensure_ascii=False),
        credential_jwt=token,
        verification_url=verification_url(facts),
        program_name=PROGRAM,
        templates_dir=TEMPLATES,
        static_dir=STATIC,
        **kwargs,
    )


@pytest.fixture(scope="module")
def pdf(facts, signed):
    return render(facts, *signed, director_name="Dr. Jordan Reyes")


def page_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_is_a_one_page_landscape_pdf(pdf):
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert round(float(box.width) / 72 * 25.4) == 297  # A4 landscape


def test_attachments_hold_the_credential(pdf, signed):
    credential, token = signed
    attachments = pypdf.PdfReader(io.BytesIO(pdf)).attachments
    assert set(attachments) == {"credential.jwt", "credential.json"}
    assert attachments["credential.jwt"] == [token.encode()]
    assert json.loads(attachments["credential.json"][0]) == credential


def test_metadata_names_the_certificate(pdf, facts):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == f"Certificate {facts.number}"
    assert facts.number in meta.subject
    assert facts.number in meta["/Keywords"]
    assert reader.xmp_metadata.dc_title["x-default"] == f"Certificate {facts.number}"


def test_pdf_a_3b_structure(pdf):
    """What can be checked without veraPDF: PDF/A identification, output intent,
    associated files and embedded fonts."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert re.search(rb'pdfaid:part(="|>)3\b', xmp) and re.search(rb'pdfaid:conformance(="|>)B\b', xmp)
    [intent] = root["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in intent["/OutputConditionIdentifier"]
    files = [f.get_object() for f in root["/AF"]]
    assert sorted(f["/F"] for f in files) == ["credential.json", "credential.jwt"]
    assert all(f["/AFRelationship"] == "/Data" for f in files)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
            "/FontDescriptor"
        ]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object())


def test_page_shows_the_facts(pdf, facts):
    text = page_text(pdf)
    for expected in (facts.holder_name, facts.number, facts.course_title, "Version 2025.1", "40 hours"):
        assert expected in text
    assert PROGRAM in text
    assert "March 1, 2025" in text and "March 1, 2028" in text  # Babel's long date for English
    assert "Dr. Jordan Reyes" in text and "Program Director" in text
    assert "and 3 more" in text  # ten competencies: seven shown
    assert "REVOKED" not in text


def test_qr_code_leads_to_the_verification_page(pdf, facts):
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode] == [verification_url(facts)]


def test_inspect_genuine(pdf, facts, keystore, signed):
    check = inspect_pdf(pdf, keystore)
    assert check == PdfCheck(True, facts.number, check.reason, signed[0])
    assert check.signed and "signature" in check.reason
    assert "page" not in check.reason  # the page is never vouched for by the attachment


def test_inspect_reads_the_credential_never_the_page(facts, keystore, signed):
    """A page redrawn around the genuine credential still carries a good signature: the inspection
    says so and no more (whether the file is ours is the hash's question, in the service)."""
    altered = render(dataclasses.replace(facts, holder_name="Mallory Impostor"), *signed)
    check = inspect_pdf(altered, keystore)
    assert check.signed and check.number == facts.number
    assert check.credential == signed[0]
    assert stated_facts(check.credential).holder_name == facts.holder_name
    assert "page" not in check.reason


def test_stated_facts_are_what_the_credential_says(signed, facts):
    stated = stated_facts(signed[0])
    assert stated == StatedFacts(facts.number, facts.holder_name, facts.course_title, facts.course_version,
                                 facts.issued_on, facts.expires_on)
    assert stated_facts({"credentialSubject": "odd", "validFrom": 7}).holder_name is None


def shared_stream_bomb(token: str | None, pages: int = 3, inflated: int = 2 * 1024 * 1024) -> bytes:
    """A small PDF whose pages all draw one compressed content stream of `inflated` bytes of text."""
    writer = pypdf.PdfWriter()
    font = writer._add_object(pypdf.generic.DictionaryObject({
        pypdf.generic.NameObject("/Type"): pypdf.generic.NameObject("/Font"),
        pypdf.generic.NameObject("/Subtype"): pypdf.generic.NameObject("/Type1"),
        pypdf.generic.NameObject("/BaseFont"): pypdf.generic.NameObject("/Helvetica"),
    }))
    line = b"BT /F1 1 Tf 10 10 Td (This certifies that) Tj ET\n"
    content = pypdf.generic.StreamObject()
    content.set_data(line * (inflated // len(line)))
    content = content.flate_encode(level=9)
    reference = writer._add_object(content)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[pypdf.generic.NameObject("/Contents")] = reference
        page[pypdf.generic.NameObject("/Resources")] = pypdf.generic.DictionaryObject({
            pypdf.generic.NameObject("/Font"): pypdf.generic.DictionaryObject({
                pypdf.generic.NameObject("/F1"): font})})
    if token is not None:
        writer.add_attachment("credential.jwt", token.encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("with_credential", [True, False])
def test_a_page_bomb_costs_well_under_a_second(keystore, signed, with_credential):
    bomb = shared_stream_bomb(signed[1] if with_credential else None)
    assert len(bomb) < 20_000  # the attack: about 13 KB that inflate to 2 MB a page
    started = time.process_time()
    check = inspect_pdf(bomb, keystore)
    assert time.process_time() - started < 1.0  # a generous bound, not a benchmark
    assert check.signed is with_credential


def test_a_deflate_bomb_attachment_is_refused_cheaply(keystore):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_attachment("credential.jwt", b"A" * (200 * 1024 * 1024))
    out = io.BytesIO()
    writer.write(out)
    started = time.process_time()
    check = inspect_pdf(out.getvalue(), keystore)
    assert time.process_time() - started < 1.0
    assert not check.signed


def test_inspect_credential_signed_by_someone_else(facts, tmp_path, keystore):
    credential = build_credential(facts)
    forged = render(facts, credential, credential_jwt(credential, KeyStore(tmp_path / "other")))
    check = inspect_pdf(forged, keystore)
    assert not check.signed and check.credential is None
    assert "not signed by this issuer" in check.reason


def test_inspect_mismatched_json_attachment(facts, keystore, signed):
    credential, token = signed
    other_json = dict(credential, name="Something else")
    tampered = render(facts, other_json, token)
    check = inspect_pdf(tampered, keystore)
    assert not check.signed and "credential.json" in check.reason


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "not a PDF"),
        (b"GIF89a....", "not a PDF"),
        (b"%PDF-1.7\n garbage that is not a PDF", "damaged"),
    ],
)
def test_inspect_not_a_certificate(keystore, data, words):
    check = inspect_pdf(data, keystore)
    assert not check.signed and words in check.reason and check.number is None


def test_inspect_truncated_and_plain_pdfs(pdf, keystore):
    assert not inspect_pdf(pdf[: len(pdf) // 3], keystore).signed
    check = inspect_pdf(render_one_line_pdf(), keystore)
    assert not check.signed and "credential.jwt" in check.reason


def test_revoked_render(facts, keystore, signed):
    revoked = render(facts, *signed, revoked=True)
    text = page_text(revoked)
    assert "REVOKED" in text
    assert "has been revoked" in text
    # Still a document we issued: whether it is revoked is the database's answer.
    assert inspect_pdf(revoked, keystore).signed


def test_markup_in_names_is_escaped(facts, keystore):
    odd = dataclasses.replace(facts, holder_name="<b>Bold</b> & Co")
    credential = build_credential(odd)
    data = render(odd, credential, credential_jwt(credential, keystore))
    assert "<b>Bold</b> & Co" in page_text(data)
    assert inspect_pdf(data, keystore).signed


def test_fetcher_serves_only_static_files(tmp_path):
    fetcher = StaticOnlyFetcher(STATIC)
    logo = fetcher.fetch((STATIC / "img" / "logo.svg").as_uri())
    assert logo.content_type == "image/svg+xml" and b"<svg" in logo.read()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in (
        outside.as_uri(),
        (STATIC / ".." / "lms" / "certificates" / "signing.py").as_uri(),
        "http://127.0.0.1:5000/static/img/logo.svg",
        "https://example.org/logo.svg",
        "data:text/plain,hello",
        "file://otherhost/etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_one_line_baseline_is_a_pdf_a_with_the_same_settings():
    # The benchmark's baseline (make bench): same font configuration and PDF variant as the certificate.
    reader = pypdf.PdfReader(io.BytesIO(render_one_line_pdf()))
    assert len(reader.pages) == 1
    assert "Hello, world." in reader.pages[0].extract_text()
    assert b"pdfaid" in reader.xmp_metadata.stream.get_data()


def _image_objects(data: bytes) -> list[str]:
    """The subtypes of the XObjects drawn on the first page (the logo is a Form, the QR code an Image)."""
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    found = []

    def walk(resources):
        for obj in (resources or {}).get("/XObject", {}).values():
            obj = obj.get_object()
            found.append(obj["/Subtype"])
            walk(obj.get("/Resources"))

    walk(page["/Resources"])
    return sorted(found)


def test_the_logo_parsed_once_is_drawn_on_every_later_certificate(facts, signed):
    # The parsed SVG logo is shared between renders (lms.certificates.pdf._SHARED_SVG_IMAGES).
    first, second = render(facts, *signed), render(facts, *signed)
    assert _image_objects(first) == _image_objects(second)
    assert "/Form" in _image_objects(second) and "/Image" in _image_objects(second)
