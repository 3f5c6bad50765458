"""A trainee who passed every module downloads the certificate; an employer checks the PDF before and after
revocation."""

import io
import re
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from playwright.sync_api import expect

from lms.auth.services import create_user
from lms.certificates import issuance, lifecycle, records
from lms.models import Role
from tests import factories
from tests.e2e.conftest import open_more_menu

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-enough-password"


def certified_trainee(email: str, name: str) -> str:
    """A trainee who passed every module of a certifying course; returns the certificate number."""
    trainee = create_user(email=email, name=name, password=PASSWORD, role=Role.TRAINEE)
    course = factories.make_certifying_course(title="Peer Specialist Core Training")
    enrolment = factories.complete_course(trainee, course)  # every module passed, completed_at set
    return issuance.issue_if_eligible(enrolment).number


def revoke(number: str) -> None:
    lifecycle.revoke_certificate(records.get_certificate(number), "Issued before the final assessment was graded")


def log_in(page, live_server, email):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_trainee_downloads_the_certificate_and_the_pdf_proves_itself(page, live_server, seed, axe):
    number = seed(certified_trainee, "amara.browser@example.org", "Amara Okafor-Lindqvist")
    log_in(page, live_server, "amara.browser@example.org")

    page.get_by_role("link", name="My certificates").first.click()
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    expect(page.get_by_text(number)).to_be_visible()
    axe(page, "my certificates")

    page.get_by_role("link", name="Download certificate").click()
    expect(page.get_by_role("heading", name="Confirm the name on your certificate")).to_be_visible()
    expect(page.get_by_text("Amara Okafor-Lindqvist", exact=True)).to_be_visible()
    axe(page, "confirm name")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Confirm and download").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{number}.pdf"
    pdf = Path(download.path()).read_bytes()

    # What a person sees: the name and the number, and a QR code that opens the verification page.
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Amara Okafor-Lindqvist" in text and number in text
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    codes = [code.text for code in zxingcpp.read_barcodes(image)]
    assert codes == [f"{live_server}/verify/{number}"]

    # An employer drops the PDF on the verification page.
    page.goto(live_server + "/verify")
    axe(page, "verify")
    page.get_by_label("Certificate PDF").set_input_files(files=[
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.get_by_role("button", name="Check this PDF").click()
    expect(page.get_by_role("heading", name="Genuine and valid")).to_be_visible()
    axe(page, "verify result")

    page.goto(f"{live_server}/verify/{number}")
    expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(page.get_by_text("Amara Okafor-Lindqvist", exact=True)).to_be_visible()
    axe(page, "verification page")

    # After revocation the very same file is reported as revoked (dropped onto the box this time).
    seed(revoke, number)
    page.goto(live_server + "/verify")
    transfer = page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "certificate.pdf", {type: "application/pdf"}));
            return transfer;
        }""",
        list(pdf),
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    expect(page.get_by_role("heading", name=re.compile(r"^Genuine but revoked on"))).to_be_visible()
    expect(page.get_by_role("heading", name="Genuine and valid")).to_have_count(0)

    page.goto(f"{live_server}/verify/{number}")
    expect(page.get_by_role("heading", name=re.compile(r"^Revoked on"))).to_be_visible()
    axe(page, "revoked verification page")


def test_someone_checks_a_mistyped_number_and_follows_the_suggestion(page, live_server, seed, axe):
    number = seed(certified_trainee, "jordan.browser@example.org", "Jordan Rivera")
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    page.goto(live_server + "/verify")
    page.get_by_label("Certificate number", exact=True).fill(typo.lower())
    page.get_by_role("button", name="Check number").click()
    expect(page.get_by_text("Did you mean")).to_be_visible()
    axe(page, "verify with a typo")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
    expect(page.get_by_text("Jordan Rivera", exact=True)).to_be_visible()


def holder_with_supervisor(trainee_email: str, supervisor_email: str) -> str:
    """A certified trainee in a cohort with a supervisor; returns the certificate number."""
    organization = factories.make_org()
    trainee = create_user(email=trainee_email, name="Riley Holder", password=PASSWORD, role=Role.TRAINEE,
                          organization=organization)
    supervisor = create_user(email=supervisor_email, name="Sam Reviewer", password=PASSWORD, role=Role.SUPERVISOR,
                             organization=organization)
    factories.make_cohort(organization, supervisors=[supervisor], trainees=[trainee])
    course = factories.make_certifying_course(renewal_ce_hours=20)
    return issuance.issue_if_eligible(factories.complete_course(trainee, course)).number


def test_holder_logs_continuing_education_and_the_supervisor_approves_it(page, live_server, seed, axe, tmp_path):
    seed(holder_with_supervisor, "riley.ce@example.org", "sam.ce@example.org")
    log_in(page, live_server, "riley.ce@example.org")
    page.goto(live_server + "/my/certificates")
    page.get_by_role("link", name="Log continuing education").click()
    expect(page.get_by_role("heading", name="My continuing education")).to_be_visible()
    axe(page, "continuing education")
    evidence = tmp_path / "attendance.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% attendance letter\n%%EOF\n")
    page.get_by_label("Activity").fill("Motivational interviewing refresher")
    page.get_by_label("Provider").fill("County training centre")
    page.get_by_label("Hours", exact=True).fill("12")
    page.get_by_label("Date completed").fill(date.today().isoformat())  # within the validity period
    page.get_by_label("Evidence", exact=True).set_input_files(str(evidence))
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_role("status")).to_contain_text("Sent for approval")
    expect(page.get_by_text("Waiting for approval")).to_be_visible()
    axe(page, "continuing education with an activity")
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "sam.ce@example.org")
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CE to review").click()
    expect(page.get_by_role("heading", name="Motivational interviewing refresher")).to_be_visible()
    axe(page, "review queue")
    page.get_by_role("button", name="Approve Motivational interviewing refresher").click()
    expect(page.get_by_role("status")).to_contain_text("Approved Motivational interviewing refresher")
    expect(page.get_by_text("Nothing waits for your review")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "riley.ce@example.org")
    page.goto(live_server + "/my/certificates")
    expect(page.get_by_text("12 of 20 hours approved")).to_be_visible()


def make_admin(email: str) -> None:
    create_user(email=email, name="Morgan Admin", password=PASSWORD, role=Role.ADMIN)


def test_admin_revokes_a_certificate_from_its_page(page, live_server, seed, axe):
    number = seed(certified_trainee, "casey.revoke@example.org", "Casey Morgan")
    seed(make_admin, "admin.revoke@example.org")
    log_in(page, live_server, "admin.revoke@example.org")
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates", exact=True).click()
    page.get_by_label("Number or holder name").fill("Casey")
    page.get_by_role("button", name="Search").click()
    axe(page, "certificates list")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Certificate {number}")).to_be_visible()
    axe(page, "manage certificate")
    page.get_by_label("Reason for revoking").fill("The final role-play was graded in error.")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(page.get_by_role("status")).to_contain_text("has been revoked")
    page.goto(f"{live_server}/verify/{number}")
    expect(page.get_by_role("heading", name=re.compile(r"^Revoked on"))).to_be_visible()
    expect(page.get_by_text("graded in error")).to_have_count(0)
