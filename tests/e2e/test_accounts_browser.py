"""A new trainee registers, logs in, sees a dashboard, logs out and in again, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_trainee_registers_logs_in_and_out(page, live_server, axe):
    page.goto(live_server + "/")
    axe(page, "landing")
    page.get_by_role("link", name="Start training").click()
    expect(page.get_by_role("heading", name="Create a trainee account")).to_be_visible()
    axe(page, "register")

    # A mistake is explained next to the field, and nothing else is lost.
    page.get_by_label("Full name").fill("Robin Browser")
    page.get_by_label("Email").fill("robin.browser@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_contain_text("at least 10 characters")
    expect(page.get_by_label("Full name")).to_have_value("Robin Browser")
    axe(page, "register with errors")

    page.get_by_label("Password", exact=True).fill("a-long-enough-password")
    page.get_by_label("Repeat password").fill("a-long-enough-password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("status")).to_contain_text("Check your e-mail")
    page.get_by_label("Email").fill("robin.browser@example.org")
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Robin Browser")).to_be_visible()
    axe(page, "dashboard")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("status")).to_contain_text("You have logged out")
    axe(page, "login")

    page.get_by_label("Email").fill("robin.browser@example.org")
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Robin Browser")).to_be_visible()


def test_repeated_wrong_passwords_lock_sign_in(page, live_server, seed):
    from lms.auth.services import create_user

    seed(create_user, email="lockme@example.org", name="Lock Me", password="the-right-password")
    page.goto(live_server + "/auth/login")
    for _ in range(5):
        page.get_by_label("Email").fill("lockme@example.org")
        page.get_by_label("Password").fill("a-wrong-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("do not match")
    page.get_by_label("Email").fill("lockme@example.org")
    page.get_by_label("Password").fill("the-right-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("sign-in is paused")).to_be_visible()


def test_phone_layout_has_a_menu_button(page, live_server, axe):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/auth/login")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    menu.click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    axe(page, "phone")


@pytest.mark.parametrize("width", [1024, 1280])
def test_an_administrators_navigation_fits_on_one_line(page, live_server, seed, width):
    from lms.models import Role
    from tests import factories

    seed(factories.make_user, email=f"nav.admin{width}@example.org", name="Morgan Navigation-Administrator",
         role=Role.ADMIN, password="a-long-enough-password")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(f"nav.admin{width}@example.org")
    page.get_by_label("Password").fill("a-long-enough-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    menu = page.locator("#site-nav > ul").bounding_box()
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").bounding_box()
    header = page.locator(".site-header").bounding_box()
    logout = page.get_by_role("button", name="Log out").bounding_box()
    assert menu["height"] < 1.5 * link["height"], f"the menu wraps onto two lines at {width} px"
    assert header["height"] < 3 * link["height"], f"the header wraps at {width} px"
    assert logout["height"] < 40, "Log out breaks onto two lines"
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
