"""A program coordinator reads a knowledge check's item analysis: flags with their file and line, a chart
and its table, and the CSV. axe-core checks each page."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.extensions import db
from lms.models import Course, CourseVersion, Role
from tests import factories

pytestmark = pytest.mark.e2e


def coordinator_with_attempts() -> dict:
    org = factories.make_org("Lakeside Peers E2E (item analysis)")
    coordinator = factories.make_user(Role.ORG_ADMIN, org=org, email="lakeside.coordinator@example.org",
                                      name="Lakeside Coordinator")
    version = db.session.scalar(sa.select(CourseVersion).join(Course).where(
        Course.slug == "peer-specialist-core", CourseVersion.is_live))
    quiz = version.modules[0].quiz
    factories.add_quiz_attempts(quiz, version, org, 30, start=9000)
    return {"email": coordinator.email, "module": version.modules[0].title,
            "source": quiz.questions[0]["source"]}


def test_coordinator_reads_a_knowledge_checks_item_analysis(page, live_server, seed, axe):
    ids = seed(coordinator_with_attempts)
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(ids["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    page.get_by_role("navigation", name="Main").get_by_text("More", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Item analysis").click()
    expect(page.get_by_role("heading", name="Item analysis", exact=True)).to_be_visible()
    axe(page, "item analysis index")

    page.get_by_role("link", name=f"Knowledge check: {ids['module']}").first.click()
    expect(page.get_by_text("Attempts counted: 30.")).to_be_visible()
    expect(page.get_by_role("heading", name="Flags")).to_be_visible()
    source = ids["source"]
    expect(page.get_by_text(f"courses/{source['file']}:{source['line']}").first).to_be_visible()
    expect(page.get_by_role("img", name="Facility (share answering correctly)")).to_be_visible()
    page.get_by_text("Show the data as a table").first.click()
    expect(page.get_by_role("table", name="Facility (share answering correctly)")).to_be_visible()
    axe(page, "knowledge check item analysis")

    with page.expect_download() as download:
        page.get_by_role("link", name="Items (CSV)").click()
    assert download.value.suggested_filename.startswith("item-analysis-knowledge-check-")
