"""Exam sittings: the windows in which a cohort may start the exam, opened by its supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit
from lms.errors import InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.models import Cohort, Course, CourseVersion, Enrolment, ExamSitting, User, cohort_trainees, utcnow

MAX_SITTING = timedelta(days=31)


def exam_versions() -> list[CourseVersion]:
    """The live course versions that declare an exam: what a sitting can be opened for."""
    versions = db.session.scalars(
        sa.select(CourseVersion).join(Course, Course.id == CourseVersion.course_id)
        .where(CourseVersion.is_live.is_(True)).order_by(Course.title, CourseVersion.id)
    )
    return [version for version in versions if version.exam]


def open_sitting(cohort: Cohort, version: CourseVersion, *, opens_at: datetime, closes_at: datetime,
                 access_code: str = "", proctored: bool = False, proctor_name: str = "", by: User) -> ExamSitting:
    if not version.exam:
        raise InvalidInput(_("This course has no exam."), field="course_version")
    if closes_at <= opens_at:
        raise InvalidInput(_("The sitting must close after it opens."), field="closes_at")
    if closes_at - opens_at > MAX_SITTING:
        raise InvalidInput(_("A sitting lasts at most 31 days; open another one later."), field="closes_at")
    if closes_at <= utcnow():
        raise InvalidInput(_("That time has already passed; choose a closing time in the future."),
                           field="closes_at")
    proctor_name = proctor_name.strip()
    if proctored and not proctor_name:
        raise InvalidInput(_("Name the proctor of a proctored sitting."), field="proctor_name")
    code = access_code.strip()
    sitting = ExamSitting(
        cohort_id=cohort.id, course_version_id=version.id, opens_at=opens_at, closes_at=closes_at,
        access_code_hash=generate_password_hash(code) if code else None, proctored=proctored,
        proctor_name=proctor_name if proctored else None, created_by_id=by.id,
    )
    db.session.add(sitting)
    db.session.flush()
    audit.record("exam.sitting_opened", actor=by, subject=sitting, cohort=cohort.name, course=version.title,
                 opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat(), proctored=proctored,
                 proctor=sitting.proctor_name, access_code=bool(code))
    return sitting


def close_sitting(sitting: ExamSitting, *, by: User, now: datetime | None = None) -> None:
    """End the window now; attempts already started keep their own deadline."""
    now = now or utcnow()
    if sitting.closes_at <= now:
        raise NotAllowed(_("This sitting is already closed."))
    sitting.closes_at = max(now, sitting.opens_at)
    audit.record("exam.sitting_closed", actor=by, subject=sitting)
    db.session.flush()


def sittings_of(cohort: Cohort) -> list[ExamSitting]:
    return list(db.session.scalars(
        sa.select(ExamSitting).where(ExamSitting.cohort_id == cohort.id).order_by(ExamSitting.opens_at.desc())
    ))


def _sittings_for(enrolment: Enrolment) -> sa.Select:
    """Sittings of the course for the cohorts of the trainee's own organization that they belong to."""
    trainee = enrolment.user
    return (
        sa.select(ExamSitting)
        .join(CourseVersion, CourseVersion.id == ExamSitting.course_version_id)
        .join(Cohort, Cohort.id == ExamSitting.cohort_id)
        .join(cohort_trainees, cohort_trainees.c.cohort_id == Cohort.id)
        .where(cohort_trainees.c.user_id == trainee.id, Cohort.organization_id == trainee.organization_id,
               CourseVersion.course_id == enrolment.course_id)
    )


def current_sitting(enrolment: Enrolment, now: datetime) -> ExamSitting | None:
    """The sitting open now for one of the trainee's cohorts (the one closing last), if any."""
    if enrolment.user.organization_id is None:
        return None
    return db.session.scalar(
        _sittings_for(enrolment).where(ExamSitting.opens_at <= now, ExamSitting.closes_at > now)
        .order_by(ExamSitting.closes_at.desc()).limit(1)
    )


def next_sitting(enrolment: Enrolment, now: datetime) -> ExamSitting | None:
    if enrolment.user.organization_id is None:
        return None
    return db.session.scalar(
        _sittings_for(enrolment).where(ExamSitting.opens_at > now).order_by(ExamSitting.opens_at).limit(1)
    )


def open_sitting_for(enrolment: Enrolment, now: datetime) -> ExamSitting:
    sitting = current_sitting(enrolment, now)
    if sitting is None:
        upcoming = next_sitting(enrolment, now)
        if upcoming is not None:
            raise NotEligible(_("The exam can be started only during a sitting. The next sitting for your cohort "
                                "opens on %(when)s.", when=format_datetime(upcoming.opens_at, "full")))
        raise NotEligible(_("The exam can be started only during a sitting, and none is open for your cohort now. "
                            "Your supervisor opens sittings; ask them when the next one is."))
    return sitting


def check_access_code(sitting: ExamSitting, code: str) -> None:
    if sitting.access_code_hash is None:
        return
    if not code.strip() or not check_password_hash(sitting.access_code_hash, code.strip()):
        raise InvalidInput(_("That access code is not right. The proctor or your supervisor gives it at the "
                             "sitting."), field="access_code")
