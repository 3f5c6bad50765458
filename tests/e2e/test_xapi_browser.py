"""An organization administrator connects a learning record store from the admin pages alone: finds the page
in the menu, fills in the fields by their labels, sends a test statement that a real LRS (Ralph) stores,
and reads the statements page. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Role
from tests import factories
from tests.e2e.conftest import open_more_menu
from tests.e2e.test_orgs_browser import log_in

pytest_plugins = ["tests.lrs_server"]
pytestmark = pytest.mark.e2e


def org_admin():
    org = factories.make_org("Lakeside Peers E2E (xAPI)")
    return factories.make_user(Role.ORG_ADMIN, org=org, email="lakeside.admin@example.org", name="Lake Admin").email


def test_an_org_admin_connects_an_lrs_and_sends_a_test_statement(page, live_server, seed, axe, lrs):
    log_in(page, live_server, seed(org_admin))
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learning records (xAPI)").click()
    expect(page.get_by_role("heading", name="Learning records (xAPI)", level=1)).to_be_visible()
    axe(page, "empty xAPI settings")

    page.get_by_label("LRS endpoint").fill(lrs.endpoint)
    page.get_by_label("Key").fill(lrs.key)
    page.get_by_label("Secret").fill(lrs.secret)
    page.get_by_label("Send learning records to this LRS").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The xAPI settings are saved.")).to_be_visible()
    expect(page.get_by_label("Secret")).to_have_value("")
    expect(page.get_by_text("A secret is saved; it is never shown again.", exact=False)).to_be_visible()
    axe(page, "saved xAPI settings")

    page.get_by_role("button", name="Send a test statement").click()
    message = page.get_by_text(re.compile("The LRS accepted the test statement"))
    expect(message).to_be_visible()
    statement_id = re.search(r"[0-9a-f-]{36}", message.inner_text()).group(0)
    assert lrs.statement(statement_id)["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"

    page.get_by_role("link", name="Statements sent and failed").click()
    expect(page.get_by_role("heading", name="xAPI statements", level=1)).to_be_visible()
    expect(page.get_by_text("No statements yet.")).to_be_visible()
    axe(page, "xAPI statements")
