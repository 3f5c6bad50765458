"""The modules requirement: every module passed; it earns the declared minutes of completed activities."""

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.extensions import db
from lms.learning import active_time
from lms.models import (
    Enrolment,
    Exercise,
    ExerciseResponse,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Scenario,
    Submission,
    SubmissionState,
)
from lms.requirements import Requirement, register


def link(endpoint: str, **values) -> str | None:
    """A page's address when there is a request to build it for (issuance may run from a job)."""
    return url_for(endpoint, **values) if has_request_context() else None


def _minutes(column, *conditions):
    return sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(*conditions).scalar_subquery()


def completion_totals(enrolment: Enrolment) -> sa.Row:
    """Modules passed of all, and the declared minutes of each kind of completed activity: one statement."""
    version_id, enrolment_id = enrolment.course_version_id, enrolment.id
    version_modules = sa.select(Module.id).where(Module.course_version_id == version_id)
    read = sa.select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment_id)
    exercises_done = sa.select(ExerciseResponse.exercise_id).where(
        ExerciseResponse.enrolment_id == enrolment_id, ExerciseResponse.submitted_at.is_not(None),
        ExerciseResponse.reviewed_at.is_not(None) | (Exercise.review != "required"))
    quizzes_passed = sa.select(QuizAttempt.quiz_id).where(
        QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.passed.is_(True))
    scenarios_passed = sa.select(Submission.scenario_id).where(
        Submission.trainee_id == enrolment.user_id, Submission.state == SubmissionState.PASSED)
    return db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Module).where(Module.course_version_id == version_id)
        .scalar_subquery().label("modules"),
        sa.select(sa.func.count()).select_from(ModuleCompletion).where(
            ModuleCompletion.enrolment_id == enrolment_id, ModuleCompletion.module_id.in_(version_modules))
        .scalar_subquery().label("passed"),
        _minutes(Lesson.minutes, Lesson.module_id.in_(version_modules), Lesson.id.in_(read)).label("lessons"),
        _minutes(Exercise.minutes, Exercise.module_id.in_(version_modules),
                 Exercise.id.in_(exercises_done.correlate(Exercise))).label("exercises"),
        _minutes(Quiz.minutes, Quiz.module_id.in_(version_modules), Quiz.id.in_(quizzes_passed)).label("quizzes"),
        _minutes(Scenario.minutes, Scenario.module_id.in_(version_modules),
                 Scenario.id.in_(scenarios_passed)).label("scenarios"),
    )).one()


def active_minutes_missing(enrolment: Enrolment) -> int:
    """Under the course's minimum_active_share: active minutes still needed over the modules not passed."""
    share = enrolment.course_version.minimum_active_share
    if not share:
        return 0
    passed = set(db.session.scalars(
        sa.select(ModuleCompletion.module_id).where(ModuleCompletion.enrolment_id == enrolment.id)))
    return sum(active_time.minutes_missing(minutes.active_seconds, minutes.declared, share)
               for module_id, minutes in active_time.minutes_by_module([enrolment]).items()
               if module_id not in passed)


def modules_requirement(enrolment: Enrolment) -> Requirement:
    totals = completion_totals(enrolment)
    # completed_at is set once, when the last module passed: the course stays complete after that.
    met = enrolment.completed_at is not None or 0 < totals.modules <= totals.passed
    detail = ngettext("%(passed)s of %(num)s module passed", "%(passed)s of %(num)s modules passed",
                      totals.modules, passed=totals.modules if met else totals.passed)
    missing = 0 if met else active_minutes_missing(enrolment)
    if missing:
        detail += "; " + ngettext("%(num)s more minute of active time needed",
                                  "%(num)s more minutes of active time needed", missing)
    return Requirement(
        key="modules",
        title=_("Modules"),
        met=met,
        detail=detail,
        earned_minutes=int(totals.lessons + totals.exercises + totals.quizzes + totals.scenarios),
        url=link("learning.course", course_slug=enrolment.course.slug),
    )


register(modules_requirement)
