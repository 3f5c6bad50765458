"""What supervisors and organization administrators do with the exam: results per cohort, voiding an
attempt, granting extra time. Each action is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.auth.permissions import cohort_trainee_ids
from lms.errors import InvalidInput, NotAllowed
from lms.exams import rules
from lms.extensions import db
from lms.models import Cohort, Enrolment, ExamAccommodation, ExamAttempt, Role, User, cohort_supervisors, utcnow
from lms.signals import exam_voided

MAX_REASON = 2000


def _reason(text: str, field: str = "reason") -> str:
    reason = (text or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason; it is kept on the record."), field=field)
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("Keep the reason under %(n)s characters.", n=MAX_REASON), field=field)
    return reason


def grant_extra_time(enrolment: Enrolment, multiplier, reason: str, *, by: User) -> ExamAccommodation:
    """Extra time for the trainee's next attempts (an attempt already started keeps its deadline)."""
    try:
        value = Decimal(str(multiplier)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter a number, for example 1.5."), field="time_multiplier") from None
    if not rules.valid_multiplier(value):
        raise InvalidInput(_("The time multiplier is between 1 (no extra time) and 4."), field="time_multiplier")
    accommodation = ExamAccommodation(enrolment_id=enrolment.id, time_multiplier=value, reason=_reason(reason),
                                      granted_by_id=by.id, granted_at=utcnow())
    db.session.add(accommodation)
    db.session.flush()
    audit.record("exam.extra_time_granted", actor=by, subject=accommodation, target_user=enrolment.user,
                 time_multiplier=str(value), reason=accommodation.reason, course=enrolment.course_version.title)
    return accommodation


def accommodations_of(enrolment: Enrolment) -> list[ExamAccommodation]:
    return list(db.session.scalars(
        sa.select(ExamAccommodation).where(ExamAccommodation.enrolment_id == enrolment.id)
        .options(so.joinedload(ExamAccommodation.granted_by))
        .order_by(ExamAccommodation.granted_at.desc(), ExamAccommodation.id.desc())
    ))


def void_attempt(attempt: ExamAttempt, reason: str, *, by: User, now: datetime | None = None) -> None:
    """Void a submitted attempt: it no longer counts toward passing, nor toward the attempt limit or the
    wait, so the trainee may sit the exam again."""
    if attempt.voided_at is not None:
        raise NotAllowed(_("This attempt is already void."))
    if attempt.submitted_at is None:
        raise NotAllowed(_("This attempt is still in progress; it can be voided once it is submitted."))
    attempt.void_reason = _reason(reason)
    attempt.voided_at = now or utcnow()
    attempt.voided_by_id = by.id
    db.session.flush()
    audit.record("exam.attempt_voided", actor=by, subject=attempt, target_user=attempt.enrolment.user,
                 reason=attempt.void_reason, score=attempt.score, passed=attempt.passed, number=attempt.number)
    exam_voided.send(attempt)


@dataclass(frozen=True)
class ResultRow:
    trainee: User
    enrolment: Enrolment
    attempt: ExamAttempt | None  # None: enrolled, no attempt yet
    multiplier: Decimal


def cohort_results(cohort: Cohort, version_ids: list[int] | None = None) -> list[ResultRow]:
    """Every attempt of the cohort's trainees (their own organization only), newest first per trainee,
    plus a row for each enrolled trainee without an attempt; a constant number of queries."""
    enrolments = list(db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id.in_(cohort_trainee_ids(cohort.id)))
        .options(so.joinedload(Enrolment.user), so.joinedload(Enrolment.course_version))
        .order_by(Enrolment.id)
    ))
    enrolments = [e for e in enrolments if e.course_version.exam]
    ids = [e.id for e in enrolments]
    attempts = db.session.scalars(
        sa.select(ExamAttempt).where(ExamAttempt.enrolment_id.in_(ids)).order_by(ExamAttempt.number.desc())
    ) if ids else []
    by_enrolment: dict[int, list[ExamAttempt]] = {}
    for attempt in attempts:
        by_enrolment.setdefault(attempt.enrolment_id, []).append(attempt)
    multipliers = _latest_multipliers(ids)
    rows = []
    for enrolment in sorted(enrolments, key=lambda e: (e.user.name.lower(), e.id)):
        found = by_enrolment.get(enrolment.id) or [None]
        rows.extend(ResultRow(enrolment.user, enrolment, attempt, multipliers.get(enrolment.id, Decimal("1")))
                    for attempt in found)
    return rows


def _latest_multipliers(enrolment_ids: list[int]) -> dict[int, Decimal]:
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        sa.select(ExamAccommodation.enrolment_id, ExamAccommodation.time_multiplier)
        .where(ExamAccommodation.enrolment_id.in_(enrolment_ids))
        .order_by(ExamAccommodation.granted_at, ExamAccommodation.id)
    )
    return {enrolment_id: Decimal(value) for enrolment_id, value in rows}  # the latest wins


def staff_cohorts(user: User) -> list[Cohort]:
    """The cohorts whose exams `user` runs: a supervisor's own (in their organization), an organization's
    for its administrators, every cohort for administrators."""
    query = sa.select(Cohort).options(so.joinedload(Cohort.organization)).order_by(Cohort.name, Cohort.id)
    if user.role == Role.ADMIN:
        return list(db.session.scalars(query))
    query = query.where(Cohort.organization_id == user.organization_id)
    if user.role == Role.SUPERVISOR:
        mine = sa.select(cohort_supervisors.c.cohort_id).where(cohort_supervisors.c.user_id == user.id)
        query = query.where(Cohort.id.in_(mine))
    return list(db.session.scalars(query))
