"""The modules requirement: every module passed; it earns the declared minutes of completed activities."""

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.extensions import db
from lms.learning import active_time, standing
from lms.learning.outline import outline
from lms.models import (
    Enrolment,
    ModuleCompletion,
)
from lms.requirements import Requirement, register


def link(endpoint: str, **values) -> str | None:
    """A page's address when there is a request to build it for (issuance may run from a job)."""
    return url_for(endpoint, **values) if has_request_context() else None


def completed_minutes(version, done: standing.Done) -> int:
    """The declared minutes of the self-paced activities the trainee completed (nothing else is earned)."""
    total = 0
    for module in version.modules:
        total += sum(lesson.minutes for lesson in module.lessons if lesson.id in done.read)
        total += sum(exercise.minutes for exercise in module.exercises if done.exercise_done(exercise))
        total += sum(s.minutes for s in module.scenarios if s.id in done.scenarios_passed)
        if module.quiz is not None and module.quiz.id in done.quizzes_passed:
            total += module.quiz.minutes
    return total


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
    # The course's content from memory and what the trainee did (read once per page): no statement of its own.
    version = outline(enrolment.course_version)
    done = standing.done_by(enrolment)
    modules = len(version.modules)
    passed = sum(1 for module in version.modules if module.id in done.modules_passed)
    # completed_at is set once, when the last module passed: the course stays complete after that.
    met = enrolment.completed_at is not None or 0 < modules <= passed
    detail = ngettext("%(passed)s of %(num)s module passed", "%(passed)s of %(num)s modules passed",
                      modules, passed=modules if met else passed)
    missing = 0 if met else active_minutes_missing(enrolment)
    if missing:
        detail += "; " + ngettext("%(num)s more minute of active time needed",
                                  "%(num)s more minutes of active time needed", missing)
    return Requirement(
        key="modules",
        title=_("Modules"),
        met=met,
        detail=detail,
        earned_minutes=completed_minutes(version, done),
        url=link("learning.course", course_slug=enrolment.course.slug),
    )


register(modules_requirement)
