"""The role-play acceptance journey in a real browser.

A trainee completes a written role-play with one absolute promise of secrecy and sees it flagged before
submitting; submits; a supervisor of another cohort gets 403; their own supervisor grades it and, because
confidentiality is under its minimum, the decision is "resubmit"; the trainee resubmits; the supervisor passes
it; the module shows as passed.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.extensions import db
from lms.learning import catalog, completion, quizzes
from lms.learning import enrolment as enrolments
from lms.models import Role, Scenario, Submission
from tests import factories

pytestmark = pytest.mark.e2e

COURSE = "peer-specialist-core"
MODULE = "confidentiality"
SCENARIO = "cf-one-to-one-secret"

SECRET_FIRST = "Of course. I won't tell anyone, ever. Whatever you say stays between us."
GOOD_FIRST = ("Thank you for asking before you tell me. Most of what you share stays within the program, but I "
              "write a short note the care team can read, and if someone were in danger I would have to act. "
              "What would you like to do?")
REPLIES = [
    "It sounds like you're afraid your counselor will hear it before you're ready to tell her.",
    "Thank you for telling me. Fourteen months took real work, and a return to use doesn't erase it.",
    "Without your written consent, nobody here would even confirm you come to this program.",
    "What you share with Jess or the group is your choice. What would you want to say if she asks again?",
    "Would it help to write today's note together, or to tell your counselor yourself first?",
    "It makes sense to be scared after what happened at your last place. What would help you feel ready?",
    "You told me, and you're choosing honesty. Let's plan how to tell her together.",
]


def seed_people(tag: str) -> dict[str, str]:
    """A trainee of one cohort with its supervisor, another cohort's supervisor; modules 1-4 passed and the
    lessons, knowledge check and the other role-play of module 5 done, so this role-play decides the module."""
    org = factories.make_org(f"Roleplay Org {tag}")
    trainee = factories.make_user(Role.TRAINEE, org=org, email=f"rp-trainee-{tag}@example.org", name="Riley Trainee")
    supervisor = factories.make_user(Role.SUPERVISOR, org=org, email=f"rp-sup-{tag}@example.org", name="Sam Grader")
    other = factories.make_user(Role.SUPERVISOR, org=org, email=f"rp-other-{tag}@example.org", name="Olu Other")
    factories.make_cohort(org, supervisors=[supervisor], trainees=[trainee])
    factories.make_cohort(org, supervisors=[other])
    enrolment = enrolments.enrol(trainee, catalog.live_version(catalog.find_course(COURSE)))
    modules = catalog.load_version(enrolment.course_version_id).modules
    for module in modules:
        if module.slug == MODULE:
            for lesson in module.lessons:
                completion.mark_lesson_read(enrolment, lesson)
            factories.complete_exercises(enrolment, module)
            attempt = quizzes.start_attempt(enrolment, module.quiz)
            quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
            for scenario in module.scenarios:
                if scenario.slug != SCENARIO:
                    factories.make_submission(trainee, scenario, state="passed", enrolment=enrolment)
            break
        factories.pass_module(enrolment, module)
    db.session.flush()
    return {"trainee": trainee.email, "supervisor": supervisor.email, "other": other.email}


def scenario_id() -> int:
    return db.session.scalar(sa.select(Scenario.id).where(Scenario.slug == SCENARIO).order_by(Scenario.id.desc()))


def latest_submission_id(email: str) -> int:
    user = find_user_by_email(email)
    return db.session.scalar(sa.select(Submission.id).where(Submission.trainee_id == user.id)
                             .order_by(Submission.id.desc()))


def saved_replies(submission_id: int) -> list[str]:
    return list(db.session.get(Submission, submission_id).replies)


def log_in(browser, live_server, email: str):
    page = browser.new_context().new_page()  # each person in their own browser
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    return page


def write_attempt(page, first_reply: str) -> None:
    replies = [first_reply, *REPLIES]
    for index, text in enumerate(replies):
        box = page.get_by_label(f"Your reply to turn {index + 1}", exact=True)
        box.fill(text)
        page.locator(f'form.reply-form[data-turn="{index}"]').get_by_role("button").click()
        if index + 1 < len(replies):
            expect(page.get_by_label(f"Your reply to turn {index + 2}", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Submit for grading")).to_be_enabled()


def grade(page, levels: dict[str, int]) -> None:
    for title, level in levels.items():
        criterion = page.get_by_role("group", name=re.compile(title))
        criterion.get_by_role("radio", name=re.compile(f"^Level {level}")).check()
    gates = page.locator("fieldset[data-gate]")  # the gates this scenario does not score: no breach
    for index in range(gates.count()):
        gates.nth(index).get_by_role("radio", name="No breach").check()


def test_written_role_play_from_secrecy_flag_to_resubmission_and_pass(browser, live_server, seed, axe):
    people = seed(seed_people, "journey")
    sid = seed(scenario_id)

    # The trainee opens the role-play from the module page.
    trainee = log_in(browser, live_server, people["trainee"])
    trainee.goto(f"{live_server}/courses/{COURSE}/modules/{MODULE}")
    trainee.get_by_role("link", name=re.compile("Can you promise this stays between us")).click()
    expect(trainee).to_have_url(re.compile(rf"/roleplays/{sid}$"))
    expect(trainee.get_by_text("Confidentiality and its limits").first).to_be_visible()
    axe(trainee, "scenario page")
    trainee.get_by_role("button", name="Start a written role-play").click()
    expect(trainee.get_by_text("This feedback is guidance only; your supervisor's rubric decides.")).to_be_visible()
    expect(trainee.locator("[data-roleplay-attempt]")).to_have_attribute("data-ready", "true")
    attempt_url = trainee.url

    # One absolute promise of secrecy: flagged beside the reply, and in the totals, before submitting.
    trainee.get_by_label("Your reply to turn 1", exact=True).fill(SECRET_FIRST)
    trainee.locator('form.reply-form[data-turn="0"]').get_by_role("button").click()
    expect(trainee.locator("#feedback-0")).to_contain_text("Red flag: Secrecy promise")
    expect(trainee.locator("#turn-1")).to_have_class(re.compile("has-red-flag"))
    expect(trainee.locator(".red-flags")).to_contain_text("Turn 1")
    assert trainee.url == attempt_url  # shown in place, by the autosave endpoint, without a page load
    axe(trainee, "attempt page with feedback")

    # The draft survives a reload (autosaved on the server).
    trainee.reload()
    expect(trainee.get_by_label("Your reply to turn 1", exact=True)).to_have_value(SECRET_FIRST)
    for index, text in enumerate(REPLIES, start=1):
        trainee.get_by_label(f"Your reply to turn {index + 1}", exact=True).fill(text)
        trainee.locator(f'form.reply-form[data-turn="{index}"]').get_by_role("button").click()
        if index < len(REPLIES):
            expect(trainee.get_by_label(f"Your reply to turn {index + 2}", exact=True)).to_be_visible()
    trainee.get_by_role("button", name="Submit for grading").click()
    expect(trainee.get_by_text("Your role-play has been submitted")).to_be_visible()
    expect(trainee.get_by_text("Waiting for your supervisor's grade")).to_be_visible()
    axe(trainee, "transcript page")
    first_id = seed(latest_submission_id, people["trainee"])

    # A supervisor of another cohort cannot see it.
    other = log_in(browser, live_server, people["other"])
    for path in (f"/roleplays/submissions/{first_id}", f"/grading/submissions/{first_id}"):
        response = other.goto(live_server + path)
        assert response.status == 403
    other.close()

    # Their own supervisor grades it: confidentiality under its minimum, so "resubmit" whatever the total.
    supervisor = log_in(browser, live_server, people["supervisor"])
    supervisor.goto(live_server + "/grading")
    supervisor.get_by_role("link", name=re.compile("^Grade Riley Trainee")).click()
    expect(supervisor.get_by_text(SECRET_FIRST)).to_be_visible()
    axe(supervisor, "grading page")
    grade(supervisor, {"Open questions and reflections": 4, "Validation": 4, "Confidentiality and its limits": 1,
                       "Recovery-oriented, person-first language": 4})
    supervisor.get_by_label("Overall feedback for the trainee").fill("Explain the limits of confidentiality "
                                                                    "before he discloses; never promise secrecy.")
    supervisor.get_by_role("button", name="Save and release the grade").click()
    expect(supervisor.get_by_text("Grade released: resubmit")).to_be_visible()

    # The trainee reads the feedback and resubmits.
    trainee.goto(f"{live_server}/roleplays/{sid}")
    expect(trainee.get_by_text("asked you to resubmit")).to_be_visible()
    trainee.get_by_role("button", name="Start a written role-play").click()
    expect(trainee.get_by_role("heading", name="Feedback on attempt 1")).to_be_visible()
    expect(trainee.get_by_text("never promise secrecy")).to_be_visible()
    write_attempt(trainee, GOOD_FIRST)
    expect(trainee.locator(".red-flags")).to_have_count(0)
    trainee.get_by_role("button", name="Submit for grading").click()
    expect(trainee.get_by_text("Your role-play has been submitted")).to_be_visible()

    # The supervisor passes the second attempt.
    supervisor.goto(live_server + "/grading")
    supervisor.get_by_role("link", name=re.compile("^Grade Riley Trainee")).click()
    expect(supervisor.get_by_text(GOOD_FIRST[:60])).to_be_visible()
    grade(supervisor, {"Open questions and reflections": 3, "Validation": 3, "Confidentiality and its limits": 3,
                       "Recovery-oriented, person-first language": 3})
    supervisor.get_by_role("button", name="Save and release the grade").click()
    expect(supervisor.get_by_text("Grade released: pass")).to_be_visible()

    # The module shows as passed.
    trainee.goto(f"{live_server}/courses/{COURSE}/modules/{MODULE}")
    expect(trainee.locator("main")).to_contain_text("Passed")
    trainee.goto(f"{live_server}/courses/{COURSE}")
    module_row = trainee.locator("main li, main tr").filter(has_text="Confidentiality").first
    expect(module_row).to_contain_text("Passed")


def test_a_closed_tab_loses_nothing_typed_offline(browser, live_server, seed, axe):
    people = seed(seed_people, "offline")
    sid = seed(scenario_id)
    trainee = log_in(browser, live_server, people["trainee"])
    trainee.goto(f"{live_server}/roleplays/{sid}")
    trainee.get_by_role("button", name="Start a written role-play").click()
    draft_url = trainee.url
    expect(trainee.locator("[data-roleplay-attempt]")).to_have_attribute("data-ready", "true")  # scripts loaded

    # The connection drops while the trainee types: the reply is kept in the browser.
    trainee.context.set_offline(True)
    trainee.get_by_label("Your reply to turn 1", exact=True).fill(GOOD_FIRST)
    expect(trainee.locator("#save-status")).to_contain_text("Not saved to the server yet", timeout=10000)
    context = trainee.context
    trainee.close()  # the tab is closed before the connection returns
    context.set_offline(False)

    # Back later, in a new tab of the same browser: the reply is restored and saved.
    submission_id = seed(latest_submission_id, people["trainee"])
    assert seed(saved_replies, submission_id) == []  # the server never received it
    again = context.new_page()
    again.goto(draft_url)
    expect(again.get_by_label("Your reply to turn 1", exact=True)).to_have_value(GOOD_FIRST)
    expect(again.locator("#save-status")).to_contain_text("Draft saved at", timeout=10000)
    expect(again.get_by_label("Your reply to turn 2", exact=True)).to_be_visible()
    assert seed(saved_replies, submission_id) == [GOOD_FIRST]
    axe(again, "restored draft")


def seed_double_marked(tag: str) -> dict[str, str]:
    """Two supervisors of one cohort, three submissions graded twice, and a calibration sample."""
    org = factories.make_org(f"Agreement Org {tag}")
    first = factories.make_user(Role.SUPERVISOR, org=org, email=f"ag-first-{tag}@example.org", name="Ana First")
    second = factories.make_user(Role.SUPERVISOR, org=org, email=f"ag-second-{tag}@example.org", name="Ben Second")
    trainees = [factories.make_user(Role.TRAINEE, org=org, email=f"ag-t{i}-{tag}@example.org", name=f"Trainee {i}")
                for i in range(3)]
    factories.make_cohort(org, supervisors=[first, second], trainees=trainees)
    scenario = db.session.get(Scenario, scenario_id())
    pairs = [((3, 3, 3, 3), (3, 2, 3, 3)), ((4, 3, 1, 4), (4, 3, 1, 3)), ((2, 2, 3, 2), (3, 2, 3, 2))]
    criteria = ["listening", "validation", "confidentiality", "language"]
    for trainee, (a, b) in zip(trainees, pairs, strict=True):
        submission = factories.make_submission(trainee, scenario, second_marker_id=second.id,
                                               replies=["It sounds like this matters to you."] * 8)
        factories.make_grade(submission, first, dict(zip(criteria, a, strict=True)))
        factories.make_grade(submission, second, dict(zip(criteria, b, strict=True)), kind="second")
        submission.state = "passed" if submission.grades[0].passed else "resubmit"
    submission.is_calibration = True
    db.session.flush()
    return {"first": first.email, "second": second.email, "trainee": trainees[0].email,
            "trainee_id": str(trainees[0].id), "sample": str(submission.id)}


def test_supervisor_pages_queue_agreement_live_and_calibration(browser, live_server, seed, axe):
    people = seed(seed_double_marked, "pages")
    sid = seed(scenario_id)
    first = log_in(browser, live_server, people["first"])

    first.goto(live_server + "/grading?status=graded")
    expect(first.get_by_role("heading", name="Grading")).to_be_visible()
    axe(first, "grading queue")

    first.get_by_role("link", name="Rater agreement").click()
    expect(first.get_by_role("img", name="Weighted kappa per criterion")).to_be_visible()
    expect(first.get_by_role("table", name="Agreement per criterion")).to_contain_text("Confidentiality and its limits")
    pairs = first.get_by_role("table", name="Agreement per pair of supervisors")
    expect(pairs).to_contain_text("Ana First / Ben Second")
    axe(first, "agreement page")

    first.goto(f"{live_server}/grading/live?trainee={people['trainee_id']}&scenario={sid}")
    grade(first, {"Open questions and reflections": 3, "Validation": 3, "Confidentiality and its limits": 2,
                  "Recovery-oriented, person-first language": 3})
    axe(first, "live role-play")

    second = log_in(browser, live_server, people["second"])
    second.goto(live_server + "/grading/calibration")
    axe(second, "calibration list")
    second.get_by_role("link", name=re.compile(f"Grade blind sample {people['sample']}")).click()
    expect(second.get_by_role("heading", name=f"Calibration sample {people['sample']}")).to_be_visible()
    expect(second.locator("main")).not_to_contain_text("Trainee 2")
    grade(second, {"Open questions and reflections": 2, "Validation": 2, "Confidentiality and its limits": 3,
                   "Recovery-oriented, person-first language": 2})
    second.get_by_role("button", name="Save and compare with the reference").click()
    expect(second.get_by_role("heading", name="Your grade against the reference")).to_be_visible()
    axe(second, "calibration comparison")


DRAFT_KEYS = "Object.keys(localStorage).filter(function (key) { return key.indexOf('roleplay-draft-') === 0; })"


def test_drafts_kept_in_the_browser_go_on_discard_and_on_log_out(browser, live_server, seed):
    people = seed(seed_people, "drafts")
    sid = seed(scenario_id)
    trainee = log_in(browser, live_server, people["trainee"])
    trainee.goto(f"{live_server}/roleplays/{sid}")
    trainee.get_by_role("button", name="Start a written role-play").click()
    expect(trainee.locator("[data-roleplay-attempt]")).to_have_attribute("data-ready", "true")
    key = f"roleplay-draft-{seed(latest_submission_id, people['trainee'])}"

    # Typed while offline: the reply is kept in this browser only.
    trainee.context.set_offline(True)
    trainee.get_by_label("Your reply to turn 1", exact=True).fill("My cousin Dana's address is 12 Elm Street.")
    expect(trainee.locator("#save-status")).to_contain_text("Not saved to the server yet", timeout=10000)
    assert trainee.evaluate(DRAFT_KEYS) == [key]
    # Back online, the reply is saved; the trainee deletes the draft: its copy here goes too.
    trainee.context.set_offline(False)
    expect(trainee.locator("#save-status")).to_contain_text("Draft saved at", timeout=10000)  # the copy went
    # A newer reply the server has not received yet (as if the connection dropped again):
    trainee.evaluate("function (key) { localStorage.setItem(key, JSON.stringify({replies: ['unsent'], "
                     "savedAt: Date.now()})); }", key)
    trainee.get_by_role("button", name="Delete this draft").click()
    expect(trainee.get_by_role("status").filter(has_text="Your draft has been deleted")).to_be_visible()
    assert trainee.evaluate(DRAFT_KEYS) == []

    # Drafts of other attempts left in this browser go at log-out: the next person cannot read them.
    trainee.evaluate("function () { localStorage.setItem('roleplay-draft-424242', '{\"replies\": [\"private\"]}'); "
                     "localStorage.setItem('unrelated-setting', 'kept'); }")
    trainee.get_by_role("button", name="Log out").click()
    expect(trainee).to_have_url(re.compile(r"/auth/login$"))
    assert trainee.evaluate(DRAFT_KEYS) == []
    assert trainee.evaluate("localStorage.getItem('unrelated-setting')") == "kept"
