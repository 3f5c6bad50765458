"""Tried as a new user would: a holder lists their certificate in the public registry, an anonymous
visitor finds them by name, the holder withdraws and the search no longer finds them. On the way, the
holder asks for the wallet link (QR code) and sees the LinkedIn button. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from lms.auth.services import create_user
from lms.certificates import issuance
from lms.models import Role
from tests import factories

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-enough-password"
EMAIL = "registry.browser@example.org"
NAME = "Marisol Quennell-Abara"


def certified_trainee() -> str:
    trainee = create_user(email=EMAIL, name=NAME, password=PASSWORD, role=Role.TRAINEE)
    course = factories.make_certifying_course(title="Peer Specialist Core Training")
    enrolment = factories.complete_course(trainee, course)
    return issuance.issue_if_eligible(enrolment).number


def log_in(page, live_server):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def open_my_certificate(page):
    page.get_by_role("link", name="My certificates").first.click()
    page.get_by_role("link", name=re.compile(r"^Wallet, LinkedIn and the public registry")).click()
    expect(page.get_by_role("heading", name="Peer Specialist Core Training", level=1)).to_be_visible()


def search_registry(page, live_server, query: str):
    page.goto(live_server + "/registry")
    page.get_by_label("Name or certificate number").fill(query)
    page.get_by_role("button", name="Search the registry").click()
    expect(page).to_have_url(re.compile(r"/registry\?q="))


def test_holder_lists_visitor_finds_holder_withdraws(page, live_server, seed, axe):
    number = seed(certified_trainee)
    log_in(page, live_server)
    open_my_certificate(page)
    expect(page.get_by_text("This certificate is not listed.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Add to LinkedIn profile"))).to_have_attribute(
        "href", re.compile(r"^https://www\.linkedin\.com/profile/add\?startTask=CERTIFICATION_NAME&"))
    axe(page, "holder's certificate page")

    page.get_by_role("button", name="Add to the Learner Credential Wallet").click()
    expect(page.get_by_role("img", name=re.compile("QR code that opens the Learner Credential Wallet"))).to_be_visible()
    expect(page.get_by_role("link", name="Open in the Learner Credential Wallet")).to_have_attribute(
        "href", re.compile(r"^https://lcw\.app/request\.html\?issuer=.*&auth_type=bearer&challenge=.*&vc_request_url="))
    axe(page, "wallet offer")

    page.get_by_role("button", name="List this certificate in the public registry").click()
    expect(page.get_by_text("Your certificate is now listed in the public registry.")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw from the registry")).to_be_visible()
    axe(page, "listed")

    # An employer, not signed in, searches by the first name.
    page.context.clear_cookies()
    search_registry(page, live_server, "marisol")
    row = page.get_by_role("row", name=re.compile(NAME))
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name=number)).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_have_count(0)
    axe(page, "registry results")
    search_registry(page, live_server, "ma")  # too short: a search finds people, it does not list them
    expect(page.get_by_text("Type at least 3 letters")).to_be_visible()
    axe(page, "registry refusal")

    # The holder withdraws; the same search finds nobody.
    log_in(page, live_server)
    open_my_certificate(page)
    page.get_by_role("button", name="Withdraw from the registry").click()
    expect(page.get_by_text("Your certificate has been removed from the public registry.")).to_be_visible()
    page.context.clear_cookies()
    search_registry(page, live_server, "marisol")
    expect(page.get_by_text("No listed certificate matches.")).to_be_visible()
    expect(page.get_by_text(NAME)).to_have_count(0)
    axe(page, "registry after withdrawal")
