"""The learning path: sync and versions, enrolment, modules and lessons, knowledge checks, progress."""

import random
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from lms.content.loader import load_course, load_courses
from lms.errors import NotAllowed, NotEligible
from lms.extensions import db as _db
from lms.learning import completion, quizzes, standing
from lms.learning import enrolment as enrolments
from lms.learning.progress import ModuleStatus
from lms.learning.sync import NEW_VERSION, UNCHANGED, VersionNotBumped, sync_course
from lms.models import (
    AuditEvent,
    Course,
    CourseAsset,
    CourseVersion,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Role,
    Rubric,
    Scenario,
    utcnow,
)
from lms.signals import course_completed
from tests import factories
from tests.concurrency import race_two_writers
from tests.conftest import is_postgres

MINI_DIR = Path(__file__).parent / "data" / "courses" / "valid"
COURSE = "/courses/mini-course"
LISTENING = f"{COURSE}/modules/listening"
VALIDATION = f"{COURSE}/modules/validation"
TABLES = [Course, CourseVersion, Module, Lesson, Quiz, Scenario, Rubric, CourseAsset]


@pytest.fixture(scope="session")
def mini_spec():
    return load_courses(MINI_DIR).course("mini-course")


@pytest.fixture
def mini(db, mini_spec):
    """The small test course, synced: its live CourseVersion."""
    version = sync_course(mini_spec).course_version
    db.session.commit()
    return version


@pytest.fixture
def trainee(people):
    return people["trainee"]


@pytest.fixture
def enrolment(db, mini, trainee):
    enrolment = enrolments.enrol(trainee, mini)
    db.session.commit()
    return enrolment


def counts(db) -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES}


def modules_of(version):
    return {module.slug: module for module in version.modules}


def bumped_copy(tmp_path, version="1.1", change=True) -> Path:
    folder = tmp_path / "mini-course"
    shutil.copytree(MINI_DIR / "mini-course", folder)
    manifest = folder / "course.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.0"', f'version: "{version}"'))
    if change:
        lesson = folder / "modules/01-listening/lessons/open-questions.md"
        lesson.write_text(lesson.read_text() + "\nA closed question can be answered in a word.\n")
    return folder


# --- sync ------------------------------------------------------------------------------------

def test_sync_stores_the_course_with_rendered_lessons(db, mini):
    assert mini.is_live and mini.version == "1.0" and mini.enrolment == "open"
    assert mini.certificate_rules == {
        "validity_months": 24, "renewal_ce_hours": 20.0, "supervised_hours_required": 10.0}
    assert [c["id"] for c in mini.competencies] == ["engagement", "communication"]
    listening = modules_of(mini)["listening"]
    assert [lesson.slug for lesson in listening.lessons] == ["attending", "open-questions"]
    html = listening.lessons[0].html
    assert '<aside class="callout callout-try">' in html and '<p class="callout-title">Try saying</p>' in html
    assert '<a href="/courses/mini-course/modules/validation" rel="noopener noreferrer">' in html
    assert 'src="/courses/mini-course/assets/1.0/modules/01-listening/images/room.png"' in html
    assert "<script" not in html
    assert listening.quiz.pass_mark == 75 and listening.quiz.cooldown_minutes == 10
    assert listening.quiz.questions[0]["options"][1] == {
        "id": "b", "text": "How have your nights been?", "correct": True,
        "feedback": "Open; it invites the person to describe their nights."}
    scenario = listening.scenarios[0]
    assert (scenario.slug, scenario.setting, scenario.pass_mark, scenario.minimums) == (
        "mini-phone-call", "phone", 6, {"listening": 3})
    assert scenario.rubric.slug == "mini-rubric" and len(scenario.turns) == 5
    assert scenario.rubric.criteria[1]["levels"]["3"] == "Asks directly and connects to help."
    asset = db.session.scalar(sa.select(CourseAsset))
    assert asset.mimetype == "image/png" and asset.data.startswith(b"\x89PNG")


def test_syncing_unchanged_content_adds_no_rows(db, mini, mini_spec):
    before = counts(db)
    outcome = sync_course(mini_spec)
    db.session.commit()
    assert outcome.status == UNCHANGED and outcome.course_version.id == mini.id
    assert counts(db) == before


def test_changed_content_with_a_new_version_becomes_live_and_the_old_one_stays(db, mini, tmp_path):
    spec, errors, _ = load_course(bumped_copy(tmp_path), tmp_path)
    assert not errors
    outcome = sync_course(spec)
    db.session.commit()
    assert outcome.status == NEW_VERSION and outcome.version == "1.1"
    versions = db.session.scalars(sa.select(CourseVersion).order_by(CourseVersion.id)).all()
    assert [(v.version, v.is_live) for v in versions] == [("1.0", False), ("1.1", True)]
    old, new = (modules_of(v)["listening"].lessons[1].html for v in versions)
    assert "answered in a word" in new and "answered in a word" not in old
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_changed_content_without_a_version_bump_is_refused_clearly(db, mini, tmp_path):
    spec, _, _ = load_course(bumped_copy(tmp_path, version="1.0"), tmp_path)
    before = counts(db)
    with pytest.raises(VersionNotBumped) as refused:
        sync_course(spec)
    assert refused.value.message == (
        'mini-course/course.yaml: the content of mini-course changed, but version "1.0" is already synced with '
        'different content. Bump "version" in course.yaml (for example to "1.1") and sync again; trainees on '
        '"1.0" keep it.')
    assert counts(db) == before


def test_a_trainee_on_an_older_version_stays_on_it_and_new_trainees_get_the_live_one(
        db, client, auth, mini, enrolment, tmp_path):
    completion.mark_lesson_read(enrolment, modules_of(mini)["listening"].lessons[0])
    db.session.commit()
    spec, _, _ = load_course(bumped_copy(tmp_path), tmp_path)
    new = sync_course(spec).course_version
    newcomer = factories.make_user(Role.TRAINEE)
    db.session.commit()

    assert db.session.get(Enrolment, enrolment.id).course_version_id == mini.id
    assert enrolments.enrol(newcomer, new).course_version_id == new.id
    with pytest.raises(NotEligible, match="no longer offered"):
        enrolments.enrol(factories.make_user(Role.TRAINEE), mini)

    auth.login(enrolment.user)
    page = client.get(COURSE).get_data(as_text=True)
    assert "Version 1.0" in page and "Version 1.1 is now offered to new trainees" in page
    lesson = client.get(f"{LISTENING}/lessons/open-questions").get_data(as_text=True)
    assert "answered in a word" not in lesson  # the content of the version they started
    assert standing.course_progress(enrolment).steps_done == 1  # their progress is kept


def test_courses_sync_command_is_idempotent(app, db, runner):
    app.config["COURSES_DIR"] = str(MINI_DIR)
    first = runner.invoke(args=["courses", "sync"])
    assert first.exit_code == 0, first.output
    assert "mini-course 1.0: created" in first.output
    second = runner.invoke(args=["courses", "sync"])
    assert second.exit_code == 0 and "mini-course 1.0: unchanged" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1


def test_courses_sync_command_skips_broken_courses_and_exits_non_zero(app, db, runner):
    app.config["COURSES_DIR"] = str(MINI_DIR.parent / "broken")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert 'question q1: no option is marked "correct: true"' in result.output
    assert "short-core-lesson 1.0: created" in result.output  # warnings do not block
    assert "20 courses not synced because of the errors above." in result.output
    assert "pronouns-reused 1.0: created" in result.output  # curriculum findings are for `courses check`


def test_courses_sync_command_refuses_changed_content_without_a_bump(app, db, runner, mini, tmp_path):
    bumped_copy(tmp_path, version="1.0")
    app.config["COURSES_DIR"] = str(tmp_path)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert 'Bump "version" in course.yaml' in result.output


# --- catalog, course page, enrolment -----------------------------------------------------------

@pytest.mark.parametrize("role", ["trainee", "supervisor", "org_admin", "admin"])
def test_everyone_signed_in_sees_the_catalog_and_course_page(client, auth, people, mini, role):
    auth.login(people[role])
    catalog = client.get("/courses")
    assert catalog.status_code == 200
    assert "Mini course for tests" in catalog.get_data(as_text=True)
    page = client.get(COURSE).get_data(as_text=True)
    assert "Values communication" in page  # what you will learn
    assert "Pass all" not in page or "role-play" in page
    assert "Log 10 hours of supervised practice" in page
    assert "valid for 24 months" in page and "complete 20 approved continuing-education hours" in page
    assert ("Enrol in this course" in page) is (role == "trainee")


def test_course_page_states_pass_marks_and_role_plays(client, auth, trainee, mini):
    auth.login(trainee)
    page = client.get(COURSE).get_data(as_text=True)
    assert "Pass each of the 2 knowledge checks at its pass mark (75%, 80%)." in page
    assert "Pass the role-play, graded by a supervisor on the course rubric." in page


def test_trainee_enrols_once_however_often_they_click(db, client, auth, trainee, mini):
    auth.login(trainee)
    response = client.post(f"{COURSE}/enrol", follow_redirects=True)
    assert "You are enrolled in Mini course for tests" in response.get_data(as_text=True)
    again = client.post(f"{COURSE}/enrol", follow_redirects=True)
    assert "already enrolled" in again.get_data(as_text=True)
    enrolments = db.session.scalars(sa.select(Enrolment)).all()
    assert len(enrolments) == 1 and enrolments[0].course_version_id == mini.id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "course.enrolled")) is not None


def test_trainee_cannot_self_enrol_in_a_course_run_by_organizations(db, client, auth, trainee, mini):
    mini.enrolment = "organization"
    db.session.commit()
    auth.login(trainee)
    page = client.get(COURSE).get_data(as_text=True)
    assert "Enrol in this course" not in page and "Ask your program coordinator" in page
    response = client.post(f"{COURSE}/enrol", follow_redirects=True)
    assert "Your organization enrols trainees in this course" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0
    with pytest.raises(NotAllowed):
        enrolments.self_enrol(trainee, mini.course)


def test_org_admin_enrols_a_trainee_through_the_service(db, people, mini):
    mini.enrolment = "organization"
    enrolment = enrolments.enrol(people["trainee"], mini, enrolled_by=people["org_admin"])
    assert enrolment.enrolled_by_id == people["org_admin"].id
    assert enrolments.enrol(people["trainee"], mini) is enrolment  # idempotent
    with pytest.raises(NotEligible, match="not a trainee"):
        enrolments.enrol(people["supervisor"], mini)


def test_supervisor_cannot_enrol(client, auth, people, mini):
    auth.login(people["supervisor"])
    assert client.post(f"{COURSE}/enrol").status_code == 403


def test_unknown_course_is_404(client, auth, trainee, mini):
    auth.login(trainee)
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get("/courses/no-such-course/modules/listening").status_code == 404


# --- modules and lessons -----------------------------------------------------------------------

def test_trainee_not_enrolled_is_sent_to_the_course_page(client, auth, trainee, mini):
    auth.login(trainee)
    for url in (LISTENING, f"{LISTENING}/lessons/attending", f"{LISTENING}/quiz"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == COURSE
    page = client.get(COURSE).get_data(as_text=True)
    assert "Enrol in this course to open its modules." in page


def test_locked_module_sends_the_trainee_back_saying_why(client, auth, enrolment):
    auth.login(enrolment.user)
    for url in (VALIDATION, f"{VALIDATION}/lessons/what-validation-is", f"{VALIDATION}/quiz"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == COURSE
    page = client.get(COURSE).get_data(as_text=True)
    assert "“Validation” opens when you have passed “Listening”." in page
    assert client.post(f"{VALIDATION}/lessons/what-validation-is/read").status_code == 302
    assert standing.course_progress(enrolment).steps_done == 0


def test_enrolled_trainee_reads_a_lesson_with_previous_and_next(client, auth, enrolment):
    auth.login(enrolment.user)
    page = client.get(f"{LISTENING}/lessons/open-questions").get_data(as_text=True)
    assert "<h1 id=\"lesson-title\">Open questions</h1>" in page
    assert 'class="prose"' in page and "Lesson 2 of 2" in page
    assert f'href="{LISTENING}/lessons/attending" rel="prev"' in page
    assert "Mark as read and continue" in page and "Next: the knowledge check" in page
    assert client.get(f"{LISTENING}/lessons/nope").status_code == 404


def test_marking_lessons_read_moves_on_to_the_next_lesson_then_the_quiz(db, client, auth, enrolment):
    auth.login(enrolment.user)
    first = client.post(f"{LISTENING}/lessons/attending/read")
    assert first.headers["Location"] == f"{LISTENING}/lessons/open-questions"
    last = client.post(f"{LISTENING}/lessons/open-questions/read")
    assert last.headers["Location"] == f"{LISTENING}/quiz"
    again = client.post(f"{LISTENING}/lessons/open-questions/read")  # idempotent
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 2
    page = client.get(f"{LISTENING}/lessons/attending").get_data(as_text=True)
    assert "You have read this lesson." in page


def test_reaching_the_end_of_a_lesson_records_it_for_the_script(client, auth, enrolment):
    auth.login(enrolment.user)
    response = client.post(f"{LISTENING}/lessons/attending/read", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"read": True, "next": f"{LISTENING}/lessons/open-questions"}


def test_staff_preview_the_live_version_without_progress(client, auth, people, mini):
    auth.login(people["supervisor"])
    page = client.get(f"{LISTENING}/lessons/attending").get_data(as_text=True)
    assert "Preview of the live version" in page
    assert "Mark as read and continue" not in page and "Next lesson" in page
    assert client.get(VALIDATION).status_code == 200  # nothing is locked for staff
    assert client.get(f"{LISTENING}/quiz").status_code == 403


def test_lesson_images_are_served_to_signed_in_users_only(client, auth, trainee, mini):
    url = f"{COURSE}/assets/1.0/modules/01-listening/images/room.png"
    assert client.get(url).status_code == 302
    auth.login(trainee)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert client.get(f"{COURSE}/assets/1.0/modules/01-listening/images/nope.png").status_code == 404
    assert client.get(f"{COURSE}/assets/9.9/modules/01-listening/images/room.png").status_code == 404


def test_module_page_lists_lessons_quiz_and_role_plays_with_status(db, client, auth, enrolment, mini):
    listening = modules_of(mini)["listening"]
    completion.mark_lesson_read(enrolment, listening.lessons[0])
    factories.make_submission(enrolment.user, listening.scenarios[0], state="submitted", enrolment=enrolment)
    db.session.commit()
    auth.login(enrolment.user)
    page = client.get(LISTENING).get_data(as_text=True)
    assert "In progress" in page and "Read" in page and "Not read yet" in page
    assert "A phone call after a hard day" in page and "Waiting for grading" in page
    assert "4 questions; pass mark 75%." in page


# --- knowledge checks --------------------------------------------------------------------------

def start(client, url=LISTENING) -> str:
    response = client.post(f"{url}/quiz")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _without_csrf(page: str) -> str:
    return re.sub(r'((?:name="csrf_token"[^>]*value|data-csrf)=")[^"]*"', r'\1"', page)


def test_quiz_page_never_contains_which_option_is_correct(db, client, auth, enrolment, mini):
    auth.login(enrolment.user)
    attempt_url = start(client)
    first = client.get(attempt_url).get_data(as_text=True)
    quiz = modules_of(mini)["listening"].quiz
    for question in quiz.questions:
        for option in question["options"]:
            assert option["feedback"] not in first
    assert "data-correct" not in first and 'correct"' not in first
    # Flip which options are correct: the page a trainee receives does not change at all.
    flipped = [dict(q, options=[dict(o, correct=not o["correct"], feedback="changed") for o in q["options"]])
               for q in quiz.questions]
    quiz.questions = flipped
    db.session.commit()
    # The page is byte for byte the same, but for the CSRF tokens (signed with the time of the request).
    assert _without_csrf(client.get(attempt_url).get_data(as_text=True)) == _without_csrf(first)


def test_quiz_shows_each_question_and_option_in_the_attempts_shuffled_order(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    page = client.get(attempt_url).get_data(as_text=True)
    shown = re.findall(r'name="answer-([\w-]+)" value="([\w-]+)"', page)
    assert shown == [(entry["question"], option) for entry in attempt.layout for option in entry["options"]]
    assert 'type="checkbox" name="answer-li-q2"' in page and "Select all that apply." in page
    assert "The situation" in page and "I lost my job today." in page  # best_response shows its scenario


def test_failing_then_passing_keeps_every_attempt_and_shows_feedback(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    wrong = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt, correct=False).items()}
    response = client.post(attempt_url, data=wrong, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You scored 0%; the pass mark is 75%." in page
    assert "Not passed" in page and "Your answer" in page
    assert "Closed; it can be answered with yes or no." in page  # every option's feedback, after submission
    assert "You can retake this knowledge check in 10 minutes." in page  # the cooldown, said plainly

    wait = client.post(f"{LISTENING}/quiz", follow_redirects=True).get_data(as_text=True)
    assert "You can retake this knowledge check in 10 minutes." in wait
    db.session.get(QuizAttempt, attempt.id).submitted_at = utcnow() - timedelta(minutes=11)
    db.session.commit()

    assert "Retake the knowledge check" in client.get(attempt_url).get_data(as_text=True)
    retake_url = start(client)
    assert retake_url != attempt_url
    retake = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.submitted_at.is_(None)))
    right = {f"answer-{q}": a for q, a in factories.quiz_answers(retake).items()}
    page = client.post(retake_url, data=right, follow_redirects=True).get_data(as_text=True)
    assert "You passed the knowledge check with 100%." in page
    attempts = db.session.scalars(sa.select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [(a.score, a.passed) for a in attempts] == [(0, False), (100, True)]
    overview = client.get(f"{LISTENING}/quiz").get_data(as_text=True)
    assert overview.count("See feedback") == 2


def test_an_answer_to_a_question_not_in_the_attempt_is_rejected(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    data = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt).items()}
    data["answer-va-q1"] = "true"  # a real question, from another module's quiz
    response = client.post(attempt_url, data=data)
    assert response.status_code == 400
    assert "An answer was sent for a question that is not part of this attempt." in response.get_data(as_text=True)
    assert db.session.get(QuizAttempt, attempt.id).submitted_at is None


@pytest.mark.parametrize(("tamper", "message"), [
    ({"answer-li-q1": "z"}, "not part of its question"),
    ({"answer-li-q1": ["a", "b"]}, "Only one answer can be chosen"),
])
def test_tampered_answers_are_rejected(db, client, auth, enrolment, tamper, message):
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    data = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt).items()}
    data.update(tamper)
    response = client.post(attempt_url, data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_unanswered_questions_are_pointed_out_and_answers_kept(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    response = client.post(attempt_url, data={"answer-li-q1": "b"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Answer every question before submitting: 3 are still unanswered." in page
    assert page.count("Choose an answer to this question.") == 3
    assert 'name="answer-li-q1" value="b" checked' in page
    assert db.session.scalar(sa.select(QuizAttempt)).submitted_at is None


def test_a_double_submit_scores_once(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    right = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt).items()}
    wrong = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt, correct=False).items()}
    assert client.post(attempt_url, data=right).status_code == 302
    second = client.post(attempt_url, data=wrong, follow_redirects=True)
    assert "This attempt was already submitted" in second.get_data(as_text=True)
    attempts = db.session.scalars(sa.select(QuizAttempt)).all()
    assert [(a.score, a.passed) for a in attempts] == [(100, True)]


def test_the_guard_refuses_a_second_scoring_from_a_stale_copy(db, enrolment, mini):
    quiz = modules_of(mini)["listening"].quiz
    attempt = quizzes.start_attempt(enrolment, quiz)
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    db.session.commit()
    submitted_at = attempt.submitted_at
    set_committed_value(attempt, "submitted_at", None)  # as a second request loaded it, before the first committed
    with pytest.raises(quizzes.AlreadySubmitted):
        quizzes.submit_attempt(attempt, factories.quiz_answers(attempt, correct=False))
    db.session.rollback()
    fresh = db.session.get(QuizAttempt, attempt.id)
    assert (fresh.score, fresh.passed, fresh.submitted_at) == (100, True, submitted_at)


def test_a_double_click_on_start_opens_one_attempt(db, enrolment, mini, monkeypatch):
    quiz = modules_of(mini)["listening"].quiz
    first = quizzes.start_attempt(enrolment, quiz)
    assert quizzes.start_attempt(enrolment, quiz) is first
    # The race: the second request did not see the first attempt yet; the unique index decides.
    real, calls = quizzes.open_attempt, []

    def blind_the_first_time(enrolment, quiz):
        calls.append(1)
        return None if len(calls) == 1 else real(enrolment, quiz)

    monkeypatch.setattr(quizzes, "open_attempt", blind_the_first_time)
    assert quizzes.start_attempt(enrolment, quiz).id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


def test_each_attempt_gets_its_own_shuffled_layout(db, enrolment, mini):
    quiz = modules_of(mini)["listening"].quiz
    layouts = set()
    for seed in range(6):
        attempt = quizzes.start_attempt(enrolment, quiz, rng=random.Random(seed))
        layouts.add(tuple((e["question"], tuple(e["options"])) for e in attempt.layout))
        quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    assert len(layouts) > 1


def test_another_trainees_attempt_is_not_found(db, client, auth, enrolment, mini):
    other = enrolments.enrol(factories.make_user(Role.TRAINEE), mini)
    attempt = quizzes.start_attempt(other, modules_of(mini)["listening"].quiz)
    db.session.commit()
    auth.login(enrolment.user)
    assert client.get(f"{LISTENING}/quiz/attempts/{attempt.id}").status_code == 404
    assert client.post(f"{LISTENING}/quiz/attempts/{attempt.id}", data={}).status_code == 404


# --- progress and completion -------------------------------------------------------------------

def test_a_module_passes_only_when_lessons_quiz_and_role_plays_are_done(db, enrolment, mini):
    listening = modules_of(mini)["listening"]
    for lesson in listening.lessons:
        completion.mark_lesson_read(enrolment, lesson)
    attempt = quizzes.start_attempt(enrolment, listening.quiz)
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    progress = standing.course_progress(enrolment)
    assert progress.for_module(listening).status is ModuleStatus.IN_PROGRESS
    assert progress.for_module(modules_of(mini)["validation"]).status is ModuleStatus.LOCKED
    assert (progress.steps_done, progress.steps_total, progress.percent) == (3, 6, 50)

    factories.make_submission(enrolment.user, listening.scenarios[0], state="passed", enrolment=enrolment)
    assert completion.refresh_module_progress(enrolment, listening) is True
    assert completion.refresh_module_progress(enrolment, listening) is True  # idempotent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleCompletion)) == 1
    progress = standing.course_progress(enrolment)
    assert progress.for_module(listening).status is ModuleStatus.PASSED
    assert progress.for_module(modules_of(mini)["validation"]).status is ModuleStatus.AVAILABLE
    assert progress.percent == 66


def test_a_submitted_role_play_that_is_not_passed_does_not_pass_the_module(db, enrolment, mini):
    listening = modules_of(mini)["listening"]
    factories.pass_module(enrolment, modules_of(mini)["validation"])  # out of order: still only its own rules
    for lesson in listening.lessons:
        completion.mark_lesson_read(enrolment, lesson)
    attempt = quizzes.start_attempt(enrolment, listening.quiz)
    quizzes.submit_attempt(attempt, factories.quiz_answers(attempt))
    factories.make_submission(enrolment.user, listening.scenarios[0], state="resubmit", enrolment=enrolment)
    assert completion.refresh_module_progress(enrolment, listening) is False


def test_completing_the_last_module_completes_the_course_once(db, enrolment, mini):
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    course_completed.connect(receiver)
    try:
        for module in mini.modules:
            factories.pass_module(enrolment, module)
        completion.refresh_module_progress(enrolment, mini.modules[-1])
    finally:
        course_completed.disconnect(receiver)
    assert received == [enrolment]
    assert enrolment.completed_at is not None
    progress = standing.course_progress(enrolment)
    assert progress.completed and progress.percent == 100 and progress.next_step is None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "course.completed")) is not None


def test_passing_the_quiz_with_role_plays_passed_completes_the_module_from_the_view(db, client, auth, enrolment, mini):
    listening = modules_of(mini)["listening"]
    for lesson in listening.lessons:
        completion.mark_lesson_read(enrolment, lesson)
    factories.make_submission(enrolment.user, listening.scenarios[0], state="passed", enrolment=enrolment)
    db.session.commit()
    auth.login(enrolment.user)
    attempt_url = start(client)
    attempt = db.session.scalar(sa.select(QuizAttempt))
    data = {f"answer-{q}": a for q, a in factories.quiz_answers(attempt).items()}
    page = client.post(attempt_url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Next step:" in page and "Lesson: What validation is (Validation)" in page
    assert client.get(VALIDATION).status_code == 200  # unlocked


# --- dashboard and "continue where you left off" ----------------------------------------------

def test_trainee_dashboard_shows_courses_statuses_and_where_to_continue(db, client, auth, enrolment, mini):
    listening = modules_of(mini)["listening"]
    completion.mark_lesson_read(enrolment, listening.lessons[0])
    db.session.commit()
    auth.login(enrolment.user)
    client.get(f"{LISTENING}/lessons/open-questions")
    # the page's active-time report (active_time.js) carries the place; the GET itself writes nothing
    client.post("/active-time", json={"kind": "lesson", "id": listening.lessons[0].id, "seconds": 3,
                                      "place": f"{LISTENING}/lessons/open-questions"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Mini course for tests" in page
    assert 'value="16"' in page  # 1 of 6 steps, rounded down
    assert "In progress" in page and "Locked" in page
    assert "You were at:" in page and "Lesson: Open questions (Listening)" in page
    assert f'href="{LISTENING}/lessons/open-questions">Continue where you left off' in page


def test_continue_lands_where_the_trainee_left_off_after_logging_out_and_in(db, client, auth, enrolment):
    auth.login(enrolment.user)
    attempt_url = start(client)
    client.get(attempt_url)
    auth.logout()
    auth.login(enrolment.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert f'href="{attempt_url}">Continue where you left off' in page
    assert "Knowledge check: Listening" in page
    user = db.session.get(Enrolment, enrolment.id).user
    assert user.last_activity_at is not None


def test_a_new_enrolment_continues_with_the_first_lesson(client, auth, enrolment):
    auth.login(enrolment.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Start with:" in page and f'href="{LISTENING}/lessons/attending">Continue where you left off' in page


def test_trainee_without_courses_is_pointed_to_the_catalog(client, auth, trainee, mini):
    auth.login(trainee)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You are not enrolled in a course yet." in page and 'href="/courses"' in page


@pytest.mark.parametrize("role", ["supervisor", "org_admin", "admin"])
def test_other_roles_keep_their_own_dashboard(client, auth, people, mini, role):
    auth.login(people[role])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Continue where you left off" not in page and "link-card" in page


def test_the_shipped_core_course_opens_for_a_trainee(db, client, auth, trainee, courses):
    core = courses["peer-specialist-core"]
    enrolments.enrol(trainee, core)
    db.session.commit()
    auth.login(trainee)
    for url in ("/courses/peer-specialist-core", "/courses/peer-specialist-core/modules/foundations",
                "/courses/peer-specialist-core/modules/foundations/lessons/the-peer-role"):
        assert client.get(url).status_code == 200
    page = client.get("/courses/peer-specialist-core").get_data(as_text=True)
    assert page.count('class="badge badge-locked"') == 14  # every module after the first of fifteen


def test_demo_enrols_the_demo_trainees_once_with_some_progress(db, runner, courses, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    assert runner.invoke(args=["demo"]).exit_code == 0
    core = courses["peer-specialist-core"].course
    by_email = {e.user.email: e for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.course_id == core.id))}
    taylor, elena = by_email["trainee@example.org"], by_email["elena@example.org"]
    casey = by_email["casey@example.org"]
    assert (0 < standing.course_progress(casey).steps_done < standing.course_progress(taylor).steps_done
            < standing.course_progress(elena).steps_done)
    assert taylor.last_url.startswith("/courses/peer-specialist-core/modules/")
    quizzes = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == quizzes


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(), reason="two overlapping transactions need PostgreSQL (SQLite has one writer)")
def test_two_submissions_of_one_attempt_at_the_same_time_score_once_on_postgresql(app, db, enrolment, mini):
    attempt = quizzes.start_attempt(enrolment, modules_of(mini)["listening"].quiz)
    db.session.commit()
    attempt_id = attempt.id
    right, wrong = factories.quiz_answers(attempt), factories.quiz_answers(attempt, correct=False)

    def submit(answers):
        loaded = _db.session.get(QuizAttempt, attempt_id)
        assert loaded.submitted_at is None  # both requests saw an open attempt
        return quizzes.submit_attempt(loaded, answers)  # the guarded UPDATE holds the row until commit

    outcome = race_two_writers(
        app, lambda: submit(right), lambda: submit(wrong), refused=quizzes.AlreadySubmitted
    )

    assert outcome.second_waited, "the second submission never waited on the first: no overlap was tested"
    assert outcome.first_committed
    assert outcome.second_refusal == "This attempt was already submitted; here are its results."
    db.session.expire_all()
    attempts = db.session.scalars(sa.select(QuizAttempt)).all()
    assert [(a.id, a.score, a.passed) for a in attempts] == [(attempt_id, 100, True)]
