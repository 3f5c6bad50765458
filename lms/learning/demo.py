"""Demo learning history: lessons read, exercises answered and knowledge checks taken, through the services.

`lms.demo` walks each demo trainee through the core course module by module; this module does a module's
reading, practice and knowledge check at a given moment, so that every "Passed" on the progress grid has
the lesson reads and quiz attempts behind it that the dashboard counts. Role-plays are `lms.roleplay.demo`'s.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.learning import catalog, completion, exercises, quizzes
from lms.learning import enrolment as enrolments
from lms.models import Course, CourseVersion, Enrolment, ModuleCompletion, User

CORE_COURSE = "peer-specialist-core"
CE_COURSE = "peer-support-telehealth"


def live_version(slug: str) -> CourseVersion | None:
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    return catalog.live_version(course) if course is not None else None


def core_modules(version: CourseVersion) -> list:
    return list(catalog.load_version(version.id).modules)


def enrol(trainee: User, version: CourseVersion, *, at: datetime, by: User | None = None) -> Enrolment:
    enrolment = enrolments.enrol(trainee, version, enrolled_by=by)
    enrolment.created_at = min(enrolment.created_at, at)
    return enrolment


def _answers(attempt, *, correct: bool) -> dict[str, list[str]]:
    """Every question answered all right, or all wrong (a first try that fails, for a realistic pass rate)."""
    by_id = {question["id"]: question for question in attempt.quiz.questions}
    answers = {}
    for entry in attempt.layout:
        options = by_id[entry["question"]]["options"]
        right = [option["id"] for option in options if option["correct"]]
        wrong = [option["id"] for option in options if not option["correct"]][:1]
        answers[entry["question"]] = right if correct or not wrong else wrong
    return answers


def take_quiz(enrolment: Enrolment, quiz, *, at: datetime, passes: bool = True, fail_first: bool = False) -> None:
    """A knowledge check through the services: optionally a failed try a day (past any cooldown) before."""
    if fail_first:
        earlier = at - timedelta(days=1)
        attempt = quizzes.start_attempt(enrolment, quiz, now=earlier)
        quizzes.submit_attempt(attempt, _answers(attempt, correct=False), now=earlier)
    attempt = quizzes.start_attempt(enrolment, quiz, now=at)
    quizzes.submit_attempt(attempt, _answers(attempt, correct=passes), now=at)


def study(enrolment: Enrolment, module, *, at: datetime, lessons: int | None = None) -> None:
    """Read the module's lessons (the first `lessons` of them) and answer its practice exercises."""
    shown = module.lessons if lessons is None else module.lessons[:lessons]
    for lesson in shown:
        completion.mark_lesson_read(enrolment, lesson, now=at)
    if lessons is not None:
        return
    for exercise in module.exercises:
        response = exercises.submit_response(enrolment, exercise, f"What I would do: {exercise.title}.", now=at)
        if exercise.review == "required":
            response.reviewed_at = at + timedelta(hours=20)
            response.review_comment = "Thoughtful answer; see the model answer for the wording on consent."


def settle(enrolment: Enrolment, module, *, at: datetime) -> None:
    """Record the module as passed (the role-play grade may have done it already) at the demo's moment."""
    completion.refresh_module_progress(enrolment, module, now=at)
    passed = db.session.scalar(sa.select(ModuleCompletion).where(
        ModuleCompletion.enrolment_id == enrolment.id, ModuleCompletion.module_id == module.id))
    if passed is not None:
        passed.passed_at = at
    if enrolment.completed_at is not None and enrolment.completed_at > at:
        enrolment.completed_at = at


def left_off(enrolment: Enrolment, module, lesson, *, at: datetime) -> None:
    """Where "Continue where you left off" takes the trainee, and when they were last active."""
    path = current_app.url_map.bind("localhost").build("learning.lesson", {
        "course_slug": enrolment.course.slug, "module_slug": module.slug, "lesson_slug": lesson.slug})
    enrolments.record_activity(enrolment, path, now=at)
