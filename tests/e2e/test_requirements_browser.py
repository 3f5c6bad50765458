"""Earned hours in a real browser: a lesson records active time while it is in use, and the
requirements page shows the trainee's status on each requirement."""

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.learning import services
from lms.models import ActiveTime, Enrolment, Role
from tests import factories

pytestmark = pytest.mark.e2e

EMAIL = "robin.reader@example.org"


def enrolled_trainee() -> str:
    """A trainee enrolled in the core course; returns the first lesson's address."""
    user = factories.make_user(Role.TRAINEE, email=EMAIL, name="Robin Reader")
    course = services.find_course("peer-specialist-core")
    enrolment = services.enrol(user, services.live_version(course))
    module = enrolment.course_version.modules[0]
    return f"/courses/{course.slug}/modules/{module.slug}/lessons/{module.lessons[0].slug}"


def recorded_seconds() -> int | None:
    user = find_user_by_email(EMAIL)
    return db.session.scalar(sa.select(sa.func.sum(ActiveTime.seconds))
                             .join(Enrolment, Enrolment.id == ActiveTime.enrolment_id)
                             .where(Enrolment.user_id == user.id))


def test_a_lesson_records_active_time_and_the_requirements_page_shows_statuses(page, live_server, seed, axe):
    lesson_url = seed(enrolled_trainee)
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Robin Reader")).to_be_visible()

    opened = time.monotonic()
    page.goto(live_server + lesson_url)
    expect(page.locator("[data-active-time]")).to_have_count(1)
    axe(page, "lesson with the active-time counter")
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:  # reading: scrolling and moving the pointer now and then
        page.mouse.wheel(0, 200)
        page.mouse.move(200, 300)
        page.wait_for_timeout(500)
    # Leaving the page sends what was counted (fetch with keepalive on pagehide).
    page.get_by_role("link", name="Peer Specialist Core Training").first.click()
    on_the_page = time.monotonic() - opened

    seconds = None
    for _ in range(20):
        seconds = seed(recorded_seconds)
        if seconds:
            break
        page.wait_for_timeout(250)
    assert seconds is not None and 3 <= seconds <= on_the_page + 1, (seconds, on_the_page)  # within the clock

    # The course page lists each requirement with the trainee's status; the requirements page too.
    expect(page.locator('tr[data-requirement="modules"]')).to_contain_text("Not met yet")
    axe(page, "course page with requirement statuses")
    page.get_by_role("link", name="Requirements and hours earned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the certificate requires")
    row = page.locator('tr[data-requirement="modules"]')
    expect(row).to_contain_text("0 of 15 modules passed")
    expect(row).to_contain_text("Not met yet")
    expect(page.get_by_role("status")).to_contain_text("not met yet")
    axe(page, "requirements page")

    # The transcript shows declared and active minutes side by side.
    page.goto(live_server + "/records/transcript")
    expect(page.get_by_role("columnheader", name="Active minutes").first).to_be_visible()
    axe(page, "transcript with active minutes")
