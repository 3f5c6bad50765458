"""Supervised practice hours: logging, review, and how many hours each course requires.

Services add and flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.auth.permissions import supervised_trainee_ids
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.models import (
    CourseVersion,
    Enrolment,
    ReviewState,
    Role,
    SupervisedHours,
    User,
    utcnow,
)


def _check(worked_on: date, hours: Decimal, today: date) -> None:
    if worked_on > today:
        raise InvalidInput(_("The date cannot be in the future."), field="worked_on")
    if hours <= 0 or hours > 24:
        raise InvalidInput(_("Enter between 0.25 and 24 hours."), field="hours")


def log_hours(trainee: User, *, worked_on: date, setting: str, activity: str, hours: Decimal,
              today: date | None = None) -> SupervisedHours:
    _check(worked_on, hours, today or date.today())
    entry = SupervisedHours(user_id=trainee.id, worked_on=worked_on, setting=setting.strip(),
                            activity=activity.strip(), hours=hours, state=ReviewState.PENDING)
    db.session.add(entry)
    db.session.flush()
    return entry


def update_hours(entry: SupervisedHours, trainee: User, *, worked_on: date, setting: str, activity: str,
                 hours: Decimal, today: date | None = None) -> SupervisedHours:
    """A trainee corrects a pending or returned entry; it goes back to the supervisor."""
    _require_owner_editable(entry, trainee)
    _check(worked_on, hours, today or date.today())
    entry.worked_on, entry.setting, entry.activity, entry.hours = worked_on, setting.strip(), activity.strip(), hours
    entry.state = ReviewState.PENDING
    db.session.flush()
    return entry


def withdraw_hours(entry: SupervisedHours, trainee: User) -> None:
    _require_owner_editable(entry, trainee)
    db.session.delete(entry)
    db.session.flush()


def _require_owner_editable(entry: SupervisedHours, trainee: User) -> None:
    if entry.user_id != trainee.id:
        raise NotAllowed(_("These hours belong to someone else."))
    if entry.state == ReviewState.APPROVED:
        raise NotEligible(_("Approved hours cannot be changed. Ask your supervisor if something is wrong."))


def _require_pending(entry: SupervisedHours) -> None:
    if entry.state != ReviewState.PENDING:
        raise Conflict(_("These hours were already reviewed."))


def approve_hours(entry: SupervisedHours, reviewer: User) -> SupervisedHours:
    _require_pending(entry)
    entry.state = ReviewState.APPROVED
    entry.reviewed_by_id = reviewer.id
    entry.reviewed_at = utcnow()
    entry.review_note = ""
    db.session.flush()
    audit.record("hours.approved", actor=reviewer, subject=entry, target_user=entry.user, hours=str(entry.hours))
    recheck_certificates(entry.user, actor=reviewer)
    return entry


def return_hours(entry: SupervisedHours, reviewer: User, note: str) -> SupervisedHours:
    _require_pending(entry)
    if not note.strip():
        raise InvalidInput(_("Say what the trainee should change."), field="note")
    entry.state = ReviewState.RETURNED
    entry.reviewed_by_id = reviewer.id
    entry.reviewed_at = utcnow()
    entry.review_note = note.strip()
    db.session.flush()
    audit.record("hours.returned", actor=reviewer, subject=entry, target_user=entry.user)
    return entry


def recheck_certificates(trainee: User, *, actor: User | None = None) -> None:
    """A completed course may have waited only for these hours: let the certificates feature decide."""
    try:
        from lms.certificates.issuance import issue_if_eligible
    except ImportError:  # certificates not installed
        return
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == trainee.id, Enrolment.completed_at.is_not(None))
        .options(so.selectinload(Enrolment.course_version))
    )
    for enrolment in enrolments:
        issue_if_eligible(enrolment, actor=actor)


def entries_for(trainee_id: int) -> list[SupervisedHours]:
    query = (
        sa.select(SupervisedHours).where(SupervisedHours.user_id == trainee_id)
        .order_by(SupervisedHours.worked_on.desc(), SupervisedHours.id.desc())
    )
    return list(db.session.scalars(query))


def approved_hours(trainee_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SupervisedHours.hours), 0))
        .where(SupervisedHours.user_id == trainee_id, SupervisedHours.state == ReviewState.APPROVED)
    )
    return Decimal(str(total or 0))


@dataclass
class Requirement:
    course_title: str
    required: Decimal
    approved: Decimal

    @property
    def met(self) -> bool:
        return self.approved >= self.required


def requirements_for(trainee: User) -> list[Requirement]:
    """Each course the trainee is enrolled in that leads to a certificate, with its required hours."""
    approved = approved_hours(trainee.id)
    versions = db.session.scalars(
        sa.select(CourseVersion).join(Enrolment, Enrolment.course_version_id == CourseVersion.id)
        .where(Enrolment.user_id == trainee.id, CourseVersion.certificate_rules.is_not(None))
        .order_by(CourseVersion.title)
    )
    return [
        Requirement(version.title,
                    Decimal(str((version.certificate_rules or {}).get("supervised_hours_required") or 0)), approved)
        for version in versions
    ]


def _in_scope(query: sa.Select, reviewer: User) -> sa.Select:
    """A supervisor sees the trainees of their cohorts; an administrator sees everyone."""
    if reviewer.role == Role.ADMIN:
        return query
    return query.where(SupervisedHours.user_id.in_(supervised_trainee_ids(reviewer)))


def review_query(reviewer: User, state: str = ReviewState.PENDING) -> sa.Select:
    query = _in_scope(sa.select(SupervisedHours).options(so.joinedload(SupervisedHours.user)), reviewer)
    if state in {s.value for s in ReviewState}:
        query = query.where(SupervisedHours.state == state)
    return query.order_by(SupervisedHours.created_at, SupervisedHours.id)


def pending_count(reviewer: User) -> int:
    query = _in_scope(sa.select(sa.func.count(SupervisedHours.id)), reviewer)
    return db.session.scalar(query.where(SupervisedHours.state == ReviewState.PENDING)) or 0
