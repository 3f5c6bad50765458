"""Enrolment in a course version, and where the trainee was last ("Continue where you left off")."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.errors import NotAllowed, NotEligible
from lms.extensions import db
from lms.learning import catalog
from lms.models import Course, CourseVersion, Enrolment, Role, User, utcnow

# A page view writes the trainee's place at most this often: reading a lesson stays a pure read.


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrolments_of(user: User) -> list[Enrolment]:
    """A trainee's enrolments, the most recently active first."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .options(so.selectinload(Enrolment.course), so.selectinload(Enrolment.course_version))
            .order_by(sa.func.coalesce(Enrolment.last_activity_at, Enrolment.created_at).desc(), Enrolment.id.desc())
        )
    )


def enrol(user: User, course_version: CourseVersion, enrolled_by: User | None = None) -> Enrolment:
    """Enrol a trainee in a course version; enrolling twice returns the first enrolment.

    Org administrators' pages call this with `enrolled_by`. A trainee already enrolled in the
    course (on any version) keeps that enrolment and its progress.
    """
    if user.role != Role.TRAINEE:
        raise NotEligible(_("%(name)s is not a trainee: only trainees enrol in courses.", name=user.name))
    if not user.is_active:
        raise NotEligible(_("The account of %(name)s is deactivated.", name=user.name))
    existing = find_enrolment(user, course_version.course)
    if existing is not None:
        return existing
    if not course_version.is_live:
        raise NotEligible(_("This version of the course is no longer offered; enrol in the current one."))
    enrolment = Enrolment(
        user_id=user.id,
        course_id=course_version.course_id,
        course_version_id=course_version.id,
        enrolled_by_id=enrolled_by.id if enrolled_by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        # Two requests at once (a double click, or an admin and the trainee): one row wins.
        existing = find_enrolment(user, course_version.course)
        if existing is None:
            raise
        return existing
    audit.record(
        "course.enrolled",
        actor=enrolled_by or user,
        subject=enrolment,
        target_user=user,
        course=course_version.course.slug,
        version=course_version.version,
    )
    return enrolment


def self_enrol(user: User, course: Course) -> Enrolment:
    """A trainee enrols themself in a course open to self-enrolment (its live version)."""
    existing = find_enrolment(user, course)
    if existing is not None:
        return existing
    version = catalog.live_version(course)
    if version is None:
        raise NotEligible(_("This course is not on offer at the moment."))
    if version.enrolment != "open":
        raise NotAllowed(
            _("Your organization enrols trainees in this course. Ask your program coordinator to add you.")
        )
    return enrol(user, version)


def record_activity(enrolment: Enrolment, path: str, *, now: datetime | None = None) -> None:
    """Remember where the trainee is, for "Continue where you left off"."""
    now = now or utcnow()
    if len(path) <= 300:
        enrolment.last_url = path
    enrolment.last_activity_at = now
    enrolment.user.last_activity_at = now
