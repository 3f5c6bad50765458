"""A trainee's learning path in a real browser: enrol, read, fail, read the feedback, pass, resume."""

import re

import pytest
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.learning import catalog, quizzes
from lms.learning import enrolment as enrolments
from lms.models import Role
from tests import factories

pytestmark = pytest.mark.e2e

CORE = "Peer Specialist Core Training"


def make_trainee(email: str) -> None:
    factories.make_user(Role.TRAINEE, email=email, name="Lee Learner")


def _module(email: str, slug: str):
    user = find_user_by_email(email)
    enrolment = enrolments.find_enrolment(user, catalog.find_course("peer-specialist-core"))
    module = next(m for m in enrolment.course_version.modules if m.slug == slug)
    return enrolment, module


def pass_foundations(email: str) -> None:
    """Module 1 passed through the learning services (its role-play is graded in another feature)."""
    enrolment, module = _module(email, "foundations")
    factories.pass_module(enrolment, module)


def answers_for_open_attempt(email: str, correct: bool) -> dict:
    """What the test may know and the page never shows: which options are right."""
    enrolment, module = _module(email, "active-listening")
    attempt = quizzes.open_attempt(enrolment, module.quiz)
    answers = factories.quiz_answers(attempt, correct=correct)
    first = attempt.layout[0]["question"]
    question = next(q for q in module.quiz.questions if q["id"] == first)
    chosen = next(o for o in question["options"] if o["id"] == answers[first][0])
    return {"answers": answers, "feedback": " ".join(chosen["feedback"].split()), "correct_ids": [
        o["id"] for q in module.quiz.questions for o in q["options"] if o["correct"]]}


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Lee Learner")).to_be_visible()


def answer(page, answers: dict) -> None:
    for question_id, option_ids in answers.items():
        for option_id in option_ids:
            page.locator(f'input[name="answer-{question_id}"][value="{option_id}"]').check()


def progress_in_course(page) -> int:
    bar = page.get_by_role("progressbar", name=f"Your progress in {CORE}")
    return int(bar.get_attribute("value"))


def test_trainee_reads_active_listening_fails_passes_on_retake_and_resumes(page, live_server, seed, axe):
    email = "lee.learner@example.org"
    seed(make_trainee, email)
    log_in(page, live_server, email)
    expect(page.get_by_text("You are not enrolled in a course yet.")).to_be_visible()

    # The catalog and the course page: what they will learn, how long, what a certificate requires.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    axe(page, "catalog")
    # Other browser tests may add courses of the same title to this shared server: pick the shipped one.
    page.locator("a[href=\"/courses/peer-specialist-core\"]").filter(has_text=CORE).first.click()
    expect(page.get_by_role("heading", name="What the certificate requires")).to_be_visible()
    expect(page.get_by_text("40 hours of instruction").first).to_be_visible()
    expect(page.get_by_text("The certificate prints 40 hours of instruction")).to_be_visible()
    axe(page, "course page")
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.locator(".flash-success")).to_contain_text("You are enrolled in Peer Specialist Core Training")
    expect(page.get_by_text("Locked")).to_have_count(14)  # fifteen modules, the first open

    seed(pass_foundations, email)
    page.reload()
    before = progress_in_course(page)
    assert before > 0
    axe(page, "course page, enrolled")

    # Read the three lessons of Active listening, to the end of each.
    page.get_by_role("link", name="Active listening").click()
    expect(page.get_by_role("heading", name=re.compile("Active listening"))).to_be_visible()
    axe(page, "module page")
    page.locator(".step-list a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Attending"))
    expect(page.locator(".callout-try .callout-title").first).to_have_text("Try saying")
    axe(page, "lesson")
    for _ in range(3):
        page.get_by_role("button", name="Mark as read and continue").click()
    expect(page.get_by_role("heading", name="Knowledge check: Active listening")).to_be_visible()
    axe(page, "knowledge check overview")

    # The quiz page: the trainee answers everything wrong and fails.
    page.get_by_role("button", name="Start the knowledge check").click()
    expect(page.get_by_text("Question 1 of")).to_be_visible()
    axe(page, "quiz")
    html = page.content()
    assert "data-correct" not in html and "feedback" not in html.lower()
    wrong = seed(answers_for_open_attempt, email, False)
    answer(page, wrong["answers"])
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name=re.compile(r"Score: 0%"))).to_be_visible()
    expect(page.locator(".flash-warning")).to_contain_text("the pass mark is 80%")
    expect(page.get_by_text(wrong["feedback"]).first).to_be_visible()  # the feedback on their choice
    axe(page, "results, not passed")

    # Retake: questions come back in a new order; this time every answer is right.
    page.get_by_role("button", name="Retake the knowledge check").click()
    right = seed(answers_for_open_attempt, email, True)
    answer(page, right["answers"])
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator(".flash-success")).to_contain_text("You passed the knowledge check with 100%")
    axe(page, "results, passed")
    results_url = page.url
    after = progress_in_course(page)
    assert after > before

    # Log out and back in: "Continue where you left off" lands on the same page.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, email)
    expect(page.get_by_text("Knowledge check: Active listening")).to_be_visible()
    axe(page, "dashboard")
    page.get_by_role("link", name="Continue where you left off").click()
    expect(page).to_have_url(results_url)
    expect(page.get_by_role("heading", name="Your results: Active listening")).to_be_visible()
