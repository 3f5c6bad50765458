"""Issuing certificates: who is eligible, the one row per holder, course and generation, and the
receiver that issues when a course is completed.

Services add and flush; the view, API, CLI or job that called them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit, requirements
from lms.certificates import registry
from lms.certificates.credential import STATUS_LIST_SIZE, format_hours
from lms.certificates.documents import schedule_pdf
from lms.certificates.numbers import generate_number
from lms.certificates.records import latest_certificate
from lms.certificates.settings import add_months, number_prefix, today
from lms.continuing.services import credit_course_ce
from lms.extensions import db
from lms.i18n import language_of
from lms.i18n.content import source_text
from lms.models import Certificate, CourseVersion, Enrolment, User
from lms.practice.services import approved_hours
from lms.signals import certificate_issued

DEFAULT_VALIDITY_MONTHS = 24
NAME_MAX_LENGTH = 160
ISSUE_ATTEMPTS = 5

REASON_COMPLETION = "completion"
REASON_RENEWAL = "renewal"
REASON_REISSUE = "reissue"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    supervised_hours_required: Decimal = Decimal(0)
    supervised_hours_approved: Decimal = Decimal(0)


def supervised_hours_required(version: CourseVersion) -> Decimal:
    return Decimal(str((version.certificate_rules or {}).get("supervised_hours_required") or 0))


def eligibility(enrolment: Enrolment) -> Eligibility:
    """Whether a completed enrolment earns its certificate now, and if not, why.

    Each requirement is one check below; a new requirement is one more `if` returning its reason.
    """
    version = enrolment.course_version
    if version.certificate_rules is None:
        return Eligibility(False, _("This course does not lead to a certificate."))
    if enrolment.completed_at is None:
        return Eligibility(False, _("Not every module of the course has been passed yet."))
    required = supervised_hours_required(version)
    approved = approved_hours(enrolment.user_id) if required > 0 else Decimal(0)
    if approved < required:
        reason = _("The certificate needs %(required)s approved supervised hours; %(approved)s are approved so far.",
                   required=format_hours(required), approved=format_hours(approved))
        return Eligibility(False, reason, required, approved)
    unmet = requirements.unmet_requirements(enrolment)  # the exam, live hours, the signed code, ...
    if unmet:
        return Eligibility(False, " ".join(f"{r.title}: {r.detail}." for r in unmet), required, approved)
    return Eligibility(True, _("Every requirement is met."), required, approved)


def issuer_name_for(user: User | None) -> str:
    if user is not None and user.organization is not None:
        return user.organization.name
    return current_app.config["LMS_PROGRAM_NAME"]


def issuing_organization_id(user: User | None, issuer_name: str | None, previous: Certificate | None) -> int | None:
    """The organization that issues a new certificate: the previous one's when it keeps that issuer's name,
    else the holder's organization (unless another issuer was named); None: the program itself."""
    if previous is not None and issuer_name == previous.issuer_name:
        return previous.issuer_organization_id
    organization = user.organization if user is not None else None
    if organization is not None and issuer_name in (None, organization.name):
        return organization.id
    return None


def _next_status_index() -> int:
    highest = db.session.scalar(sa.select(sa.func.max(Certificate.status_list_index)))
    index = 0 if highest is None else highest + 1
    if index >= STATUS_LIST_SIZE:
        raise RuntimeError("The certificate status list is full: add a second list before issuing more.")
    return index


def issue_if_eligible(enrolment: Enrolment, *, actor: User | None = None) -> Certificate | None:
    """Called when a course is completed (and again after supervised hours are approved).

    A certifying course issues its certificate once; a continuing-education course credits its
    CE hours. Returns the certificate (new or existing), or None while there is none to issue
    (not a refusal: nobody asked; the holder's page says what is missing, from `eligibility`).
    """
    version = enrolment.course_version
    if enrolment.completed_at is None:
        return None
    if version.certificate_rules is None:
        if version.ce_hours and version.ce_hours > 0:
            credit_course_ce(enrolment)
        return None
    existing = latest_certificate(enrolment.user_id, enrolment.course_id)
    if existing is not None:
        return existing
    if not eligibility(enrolment).eligible:
        return None
    return issue_certificate(enrolment.user, version, actor=actor, hours=requirements.earned_hours(enrolment))


def _new_row(user: User, version: CourseVersion, *, generation: int, reason: str, previous: Certificate | None,
             holder_name: str | None, issuer_name: str | None, issued_on: date, expires_on: date,
             hours: float | None) -> Certificate:
    return Certificate(
        number=generate_number(number_prefix()),
        user_id=user.id,
        course_id=version.course_id,
        course_version_id=version.id,
        generation=generation,
        holder_name=(holder_name or user.name).strip()[:NAME_MAX_LENGTH],
        course_title=source_text(version, "title"),  # the course's own words, whoever's page issued it
        language=language_of(user),
        course_version_label=version.version,
        hours=float(version.hours) if hours is None else hours,  # the hours earned, when known
        competencies=[
            {"id": str(c.get("id", "")), "title": str(c.get("title", "")), "framework": str(c.get("framework", ""))}
            for c in (source_text(version, "competencies") or [])
        ],
        issuer_name=issuer_name or issuer_name_for(user),
        issuer_organization_id=issuing_organization_id(user, issuer_name, previous),
        issued_on=issued_on,
        expires_on=expires_on,
        previous_id=previous.id if previous is not None else None,
        reason=reason,
        status_list_index=_next_status_index(),
    )


def _generation_row(user: User, version: CourseVersion, generation: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.course_id == version.course_id,
            Certificate.generation == generation,
        )
    )


def issue_certificate(
    user: User,
    version: CourseVersion,
    *,
    generation: int = 1,
    reason: str = REASON_COMPLETION,
    previous: Certificate | None = None,
    holder_name: str | None = None,
    issuer_name: str | None = None,
    issued_on: date | None = None,
    expires_on: date | None = None,
    actor: User | None = None,
    hours: float | None = None,
) -> Certificate:
    """Create the certificate row (exactly once per holder, course and generation) and schedule its PDF.

    Two requests racing for the same generation both reach the INSERT; the database refuses the
    second, which then returns the first's certificate.
    """
    issued_on = issued_on or today()
    if expires_on is None:
        months = int((version.certificate_rules or {}).get("validity_months") or DEFAULT_VALIDITY_MONTHS)
        expires_on = add_months(issued_on, months)
    for _attempt in range(ISSUE_ATTEMPTS):
        certificate = _new_row(user, version, generation=generation, reason=reason, previous=previous,
                               holder_name=holder_name, issuer_name=issuer_name, issued_on=issued_on,
                               expires_on=expires_on, hours=hours)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
        except IntegrityError:
            existing = _generation_row(user, version, generation)
            if existing is not None:
                return existing
            continue  # a concurrent issuance took the status index (or, rarely, the number): try again
        audit.record("certificate.issued", actor=actor, subject=certificate, target_user=user, reason=reason,
                     generation=generation, previous=previous.number if previous is not None else None)
        registry.on_certificate_issued(certificate)  # listed where the organization requires it, or kept listed
        schedule_pdf(certificate)
        certificate_issued.send(certificate)
        return certificate
    raise RuntimeError("Could not issue the certificate: the database kept refusing a new row.")


@dataclass(frozen=True)
class PendingCertificate:
    """A completed certifying course whose certificate waits for something (supervised hours)."""

    enrolment: Enrolment
    eligibility: Eligibility


def pending_certificates(user: User) -> list[PendingCertificate]:
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(so.selectinload(Enrolment.course_version), so.selectinload(Enrolment.course))
        .where(Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None))
    )
    issued = set(db.session.scalars(sa.select(Certificate.course_id).where(Certificate.user_id == user.id)))
    return [
        PendingCertificate(enrolment, eligibility(enrolment))
        for enrolment in enrolments
        if enrolment.course_id not in issued and enrolment.course_version.certificate_rules is not None
    ]


def on_course_completed(sender: Enrolment, **extra) -> None:
    """Receiver of `lms.signals.course_completed`: issue the certificate or credit CE hours."""
    issue_if_eligible(sender, actor=extra.get("actor"))


def on_requirement_met(sender: User, *, course_id: int, actor: User | None = None, **extra) -> None:
    """Receiver of `lms.signals.requirement_met`: a completed course may have waited only for this."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == sender.id, Enrolment.course_id == course_id,
                                   Enrolment.completed_at.is_not(None))
    )
    for enrolment in enrolments:
        issue_if_eligible(enrolment, actor=actor)
