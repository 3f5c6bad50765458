"""The certification exam in a real browser: a supervisor opens a sitting; a trainee starts the exam, answers,
closes the tab, comes back with the server's clock still running, runs out of time and sees the result that
was submitted for them, with a per-competency breakdown; a second attempt before the wait is refused with the
date it opens; a trainee granted extra time gets it. axe-core checks every page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.learning import services
from lms.models import ExamAttempt, Role
from tests import factories
from tests.e2e.conftest import open_more_menu

pytestmark = pytest.mark.e2e

CORE = "peer-specialist-core"


def exam_people():
    org = factories.make_org("Lakeside Peers E2E")
    supervisor = factories.make_user(Role.SUPERVISOR, org=org, email="lake.supervisor@example.org",
                                     name="Lake Supervisor")
    first = factories.make_user(Role.TRAINEE, org=org, email="lake.first@example.org", name="Robin First")
    second = factories.make_user(Role.TRAINEE, org=org, email="lake.second@example.org", name="Quinn Second")
    cohort = factories.make_cohort(org, supervisors=[supervisor], trainees=[first, second], name="Lakeside Spring")
    course = services.find_course(CORE)
    for trainee in (first, second):
        services.enrol(trainee, services.live_version(course))
    return {"cohort": cohort.id}


def move_deadline(email: str, seconds: int) -> None:
    """The test's shortcut through 90 minutes: the open attempt's deadline, seconds from now."""
    enrolment = services.find_enrolment(find_user_by_email(email), services.find_course(CORE))
    db.session.execute(sa.update(ExamAttempt).where(ExamAttempt.enrolment_id == enrolment.id,
                                                    ExamAttempt.submitted_at.is_(None))
                       .values(deadline_at=datetime.now(UTC) + timedelta(seconds=seconds)))


def log_in(browser, live_server, email):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    return context, page


def local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")  # the app shows and reads times in UTC


def remaining_seconds(page) -> int:
    return int(page.locator("#exam-clock").get_attribute("data-remaining"))


def test_sitting_exam_resume_timeout_wait_and_extra_time(browser, live_server, seed, axe):
    ids = seed(exam_people)

    # The supervisor opens a proctored sitting for the cohort, from the staff navigation.
    _, staff = log_in(browser, live_server, "lake.supervisor@example.org")
    open_more_menu(staff)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Exam sittings").click()
    staff.get_by_role("link", name="Lakeside Spring").click()
    expect(staff.get_by_text("No sitting yet")).to_be_visible()
    axe(staff, "cohort exam page, no sitting")
    now = datetime.now(UTC)
    staff.get_by_label("Course").select_option(label="Peer Specialist Core Training (1.0)")
    staff.get_by_label("Opens").fill(local(now - timedelta(minutes=5)))
    staff.get_by_label("Closes").fill(local(now + timedelta(hours=3)))
    staff.get_by_label("Proctored").check()
    staff.get_by_label("Proctor's name").fill("Pat Proctor")
    staff.get_by_role("button", name="Open the sitting").click()
    expect(staff.get_by_text("The sitting is open for Lakeside Spring.")).to_be_visible()
    expect(staff.get_by_role("cell", name="Pat Proctor")).to_be_visible()
    axe(staff, "cohort exam page with a sitting")

    # The trainee starts the exam from the navigation and answers the first question.
    context, page = log_in(browser, live_server, "lake.first@example.org")
    page.set_viewport_size({"width": 1024, "height": 800})  # the trainee's menu, with "Exams", fits one line
    menu = page.locator("#site-nav > ul").bounding_box()
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").bounding_box()
    assert menu["height"] < 1.5 * link["height"], "the trainee's menu wraps onto two lines at 1024 px"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exams").click()
    axe(page, "my exams")
    page.get_by_role("link", name="Peer Specialist Certification Exam").click()
    expect(page.get_by_text("Proctor: Pat Proctor.")).to_be_visible()
    axe(page, "exam overview")
    page.get_by_role("button", name="Start the exam").click()
    expect(page.get_by_text("Question 1 of 60")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"Time left: 1:(29|30):\d\d"))
    axe(page, "exam page")
    first_question = page.locator("fieldset#item-1")
    first_question.locator("input[name='item-1']").first.check()
    expect(page.get_by_text("Answer saved.")).to_be_visible()
    started_with = remaining_seconds(page)

    # The tab closes; a new one comes back to the same attempt, the answer kept and the clock still running.
    page.close()
    page = context.new_page()
    page.goto(live_server + f"/exams/courses/{CORE}")
    page.get_by_role("link", name="Continue the exam").click()
    expect(page.locator("input[name='item-1']").first).to_be_checked()
    assert remaining_seconds(page) <= started_with

    # Time runs out: the page's countdown ends and the server shows the result it submitted.
    seed(move_deadline, "lake.first@example.org", 4)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Your result"))).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Time ran out: the exam was submitted by itself at the deadline")).to_be_visible()
    expect(page.get_by_text("Not passed").first).to_be_visible()
    breakdown = page.get_by_role("table", name="Questions answered correctly, by competency")
    expect(breakdown.get_by_role("row")).to_have_count(13)  # a header and the 12 competencies
    axe(page, "exam result")

    # A second attempt before the 24-hour wait is refused, with the date it opens.
    page.get_by_role("link", name="Peer Specialist Certification Exam").click()
    opens = (datetime.now(UTC) + timedelta(hours=24)).strftime("%B %-d, %Y")
    expect(page.get_by_text(re.compile(r"Your next attempt opens on .*" + re.escape(opens)))).to_be_visible()
    expect(page.get_by_role("button", name="Start the exam")).to_have_count(0)
    axe(page, "exam overview, waiting")

    # The supervisor grants the second trainee half as long again; their clock starts at 2 h 15 min.
    staff.goto(live_server + f"/exams/cohorts/{ids['cohort']}")
    expect(staff.get_by_role("cell", name="Robin First")).to_be_visible()
    staff.get_by_role("link", name="Extra time for Quinn Second").click()
    staff.get_by_label("Time multiplier").fill("1.5")
    staff.get_by_label("Reason").fill("Extended time recommended in the trainee's accommodation letter.")
    staff.get_by_role("button", name="Grant extra time").click()
    expect(staff.get_by_text("Extra time granted to Quinn Second")).to_be_visible()
    axe(staff, "extra time")

    _, second = log_in(browser, live_server, "lake.second@example.org")
    second.goto(live_server + f"/exams/courses/{CORE}")
    expect(second.get_by_text("135 minutes: you have been granted 1.50 times the usual 90 minutes.")).to_be_visible()
    second.get_by_role("button", name="Start the exam").click()
    expect(second.get_by_role("timer")).to_contain_text(re.compile(r"Time left: 2:1[45]:\d\d"))
    assert 8000 < remaining_seconds(second) <= 8100
