"""Demo learning data: enrolments and some progress for the demo trainees.

Called from `lms.demo._extend`; idempotent; does nothing until the courses have been synced.
"""

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.learning import catalog, completion, quizzes, standing
from lms.learning.enrolment import enrol, record_activity
from lms.models import Course, QuizAttempt, User

CORE_COURSE = "peer-specialist-core"
CE_COURSE = "peer-support-telehealth"


def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _live(slug: str):
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    return catalog.live_version(course) if course is not None else None


def _pass_quiz(enrolment, quiz) -> None:
    already = db.session.scalar(
        sa.select(QuizAttempt.id).where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
                                        QuizAttempt.passed.is_(True))
    )
    if already is not None:
        return
    attempt = quizzes.start_attempt(enrolment, quiz)
    answers = {
        question["id"]: [option["id"] for option in question["options"] if option["correct"]]
        for question in quiz.questions
    }
    quizzes.submit_attempt(attempt, answers)


def seed_learning(people: dict[str, User]) -> None:
    """Taylor has started the core course, Jordan is further along, Casey also takes the CE course."""
    core = _live(CORE_COURSE)
    if core is None:
        return
    coordinator = people.get("coordinator@example.org")
    enrolments = {}
    for email in ("trainee@example.org", "jordan@example.org", "casey@example.org"):
        if email in people:
            enrolments[email] = enrol(people[email], core, enrolled_by=coordinator)
    modules = catalog.load_version(core.id).modules
    first, second = modules[0], modules[1]

    taylor = enrolments.get("trainee@example.org")
    if taylor is not None and taylor.course_version_id == core.id:
        completion.mark_lesson_read(taylor, first.lessons[0])
        record_activity(taylor, _path("learning.lesson", course_slug=CORE_COURSE, module_slug=first.slug,
                                               lesson_slug=first.lessons[1].slug))

    jordan = enrolments.get("jordan@example.org")
    if jordan is not None and jordan.course_version_id == core.id:
        for lesson in first.lessons:
            completion.mark_lesson_read(jordan, lesson)
        if first.quiz is not None:
            _pass_quiz(jordan, first.quiz)
        record_activity(jordan, _path("learning.module", course_slug=CORE_COURSE, module_slug=first.slug))
        if second.lessons and standing.course_progress(jordan).for_module(second).status != "locked":
            completion.mark_lesson_read(jordan, second.lessons[0])

    ce = _live(CE_COURSE)
    if ce is not None and "casey@example.org" in people:
        enrol(people["casey@example.org"], ce)
    db.session.flush()
