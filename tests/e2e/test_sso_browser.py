"""An organization's administrator sets up sign-in through its identity provider from the settings page
alone, then a new person signs in through it in a real browser, and logs out. The provider is a real one
(oidc-provider) on 127.0.0.1; axe-core checks our pages."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Role
from tests import factories
from tests.e2e.conftest import open_more_menu
from tests.oidc_idp import ACCOUNTS, CLIENT_ID, CLIENT_SECRET, PASSWORD, start_provider, stop_provider

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_idp(live_server):
    provider = start_provider(redirect_uri=live_server + "/sso/callback",
                              post_logout_uri=live_server + "/auth/login")
    yield provider
    stop_provider(provider)


def coordinator():
    org = factories.make_org("Riverside Health E2E")
    admin = factories.make_user(Role.ORG_ADMIN, org=org, email="riverside.coordinator@example.org")
    return admin.email


def test_an_administrator_sets_up_sign_in_and_a_new_person_signs_in(page, live_server, seed, axe, browser_idp):
    email = seed(coordinator)
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Single sign-on").click()
    expect(page.get_by_role("heading", name="Single sign-on for Riverside Health E2E")).to_be_visible()
    expect(page.get_by_text(live_server + "/sso/callback")).to_be_visible()
    axe(page, "single sign-on settings")

    page.get_by_label("Name shown to people").fill("Riverside account")
    page.get_by_label("Sign-in address").fill("riverside-e2e")
    page.get_by_label("Issuer or discovery URL").fill(browser_idp.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Allowed e-mail domains").fill("riverside.example.org")
    page.get_by_label("Someone without an account joins the organization as a trainee").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Sign-in with Riverside account is saved")
    expect(page.get_by_label("Replace client secret")).to_have_value("")
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("button", name="Sign in with Riverside account").click()
    page.get_by_label("Username").fill("ana")  # at the identity provider now
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name=f"Welcome, {ACCOUNTS['ana'][3]}")).to_be_visible()
    axe(page, "dashboard after single sign-on")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Sign out of Riverside account too")).to_be_visible()
    axe(page, "signed out, with the provider's log-out offered")
