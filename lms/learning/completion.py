"""Passing modules and completing the course: lessons read, and what follows when the last step is done.

Services add and flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.extensions import db
from lms.guarded_update import guarded_update
from lms.learning import active_time, standing
from lms.models import Enrolment, Lesson, LessonProgress, Module, ModuleCompletion, utcnow
from lms.signals import course_completed, lesson_completed


def refresh_module_progress(enrolment: Enrolment, module: Module, *, now: datetime | None = None) -> bool:
    """Record the module as passed if its lessons are read, its quiz and each scenario passed.

    Idempotent. Returns whether the module is passed. When this completes the last module, sets
    `Enrolment.completed_at` once and sends `course_completed` (sender=enrolment). The role-play
    feature calls this after a submission passes.
    """
    now = now or utcnow()
    done = standing.done_by(enrolment)
    if module.id not in done.modules_passed:
        if not module_requirements_met(module, done) or not active_time.module_share_met(enrolment, module):
            return False  # a step is missing, or the course's minimum share of active time is not reached
        try:
            with db.session.begin_nested():
                db.session.add(ModuleCompletion(enrolment_id=enrolment.id, module_id=module.id, passed_at=now))
                db.session.flush()
        except IntegrityError:
            pass  # passed at the same moment by another request
        else:
            audit.record("module.passed", actor=None, subject=enrolment, target_user=enrolment.user,
                         module=module.slug)
    _complete_course_if_done(enrolment, now)
    return True


def module_requirements_met(module: Module, done: standing.Done) -> bool:
    """Every step of the module is done (the same count the progress bars show)."""
    facts, _sets = standing.module_facts(module, done)
    return facts.steps_done == facts.steps_total


def _complete_course_if_done(enrolment: Enrolment, now: datetime) -> None:
    if enrolment.completed_at is not None:
        return
    modules = db.session.scalar(
        sa.select(sa.func.count()).select_from(Module).where(Module.course_version_id == enrolment.course_version_id)
    )
    passed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ModuleCompletion)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.enrolment_id == enrolment.id,
               Module.course_version_id == enrolment.course_version_id)
    )
    if not modules or passed < modules:
        return
    # Only the request that sets completed_at announces it, however many race here.
    updated = guarded_update(enrolment, Enrolment.completed_at.is_(None), completed_at=now)
    db.session.refresh(enrolment, ["completed_at"])
    if updated:
        audit.record("course.completed", subject=enrolment, target_user=enrolment.user,
                     course=enrolment.course.slug)
        course_completed.send(enrolment)


def mark_lesson_read(enrolment: Enrolment, lesson: Lesson, *, now: datetime | None = None) -> bool:
    """Record that the trainee reached the end of a lesson; True the first time."""
    exists = db.session.get(LessonProgress, (enrolment.id, lesson.id))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, read_at=now or utcnow()))
            db.session.flush()
    except IntegrityError:
        return False
    lesson_completed.send(enrolment, lesson=lesson, actor=enrolment.user)
    refresh_module_progress(enrolment, lesson.module, now=now)
    return True
