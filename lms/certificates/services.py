"""Certificates: issuance, PDFs, name corrections, renewal, revocation, verification, continuing education.

Services add and flush; the view, API, CLI or job that called them commits. The pure rules
(numbers, signing, the Open Badges credential, the PDF) live in the sibling modules.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lms import audit, jobs, requirements
from lms.certificates import verification_log
from lms.certificates.credential import (
    OB3_CONTEXT,
    STATUS_LIST_SIZE,
    VC2_CONTEXT,
    CertificateFacts,
    build_credential,
    build_status_list_credential,
    credential_jwt,
    status_list_jwt,
)
from lms.certificates.numbers import DEFAULT_PREFIX, generate_number, suggest_corrections
from lms.certificates.numbers import canonical_number as canonical_spelling
from lms.certificates.pdf_verify import PdfCheck, StatedFacts, inspect_pdf, stated_facts
from lms.certificates.signing import KeyStore
from lms.csv_export import to_csv
from lms.errors import CertificateRevoked, DomainError, InvalidUpload, NotAllowed, NotEligible
from lms.extensions import db
from lms.files import delete_after_commit
from lms.models import (
    Certificate,
    CertificateStatus,
    ContinuingEducation,
    CourseVersion,
    Enrolment,
    IssuedPdf,
    ReviewState,
    Role,
    SupervisedHours,
    User,
    certificate_status,
    utcnow,
)
from lms.prepared import PreparedSelect

log = logging.getLogger(__name__)

DEFAULT_VALIDITY_MONTHS = 24
CERTIFICATES_DIR = "certificates"
EVIDENCE_DIR = "evidence"
MAX_BULK_NUMBERS = 1000
REISSUE_REVOCATION_REASON = "Re-issued with corrected name"
NAME_MAX_LENGTH = 160

REASON_COMPLETION = "completion"
REASON_RENEWAL = "renewal"
REASON_REISSUE = "reissue"


# -- configuration and small helpers ---------------------------------------------------------


def today() -> date:
    return utcnow().date()


def add_months(start: date, months: int) -> date:
    """`start` moved by whole months, clamped to the end of shorter months (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def number_prefix() -> str:
    return current_app.config.get("CERTIFICATE_NUMBER_PREFIX", DEFAULT_PREFIX)


def base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def verification_url(number: str) -> str:
    """The public page that a QR code, a PDF and the API point to (stable: people bookmark it)."""
    return f"{base_url()}/verify/{number}"


def get_keystore() -> KeyStore:
    """The application's signing keys (created in KEYS_DIR on first use), one object per app."""
    app = current_app._get_current_object()
    directory = Path(app.config["KEYS_DIR"])
    store = app.extensions.get("lms_keystore")
    if store is None or store.directory != directory:
        store = KeyStore(directory)
        app.extensions["lms_keystore"] = store
    return store


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def pdf_file(number: str) -> Path:
    return data_dir() / CERTIFICATES_DIR / f"{number}.pdf"


def clean_text(value) -> str:
    """Text safe to store: no NUL characters (PostgreSQL refuses them), no lone surrogates (not UTF-8)."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def canonical_number(text: str) -> str | None:
    """The canonical spelling of a typed number, or None when it cannot be one of ours."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    return canonical_spelling(text, number_prefix())


def status_of(certificate: Certificate | sa.Row, on: date | None = None) -> CertificateStatus:
    """The status of a certificate, or of a row with its `revoked_at` and `expires_on`, on a day."""
    return certificate_status(certificate.revoked_at, certificate.expires_on, on or today())


# -- lookups ---------------------------------------------------------------------------------


def _with_relations(query):
    return query.options(so.selectinload(Certificate.course), so.selectinload(Certificate.course_version))


def get_certificate(number: str) -> Certificate | None:
    """The certificate for a number as a person typed it (normalized), or None."""
    canonical = canonical_number(number)
    if canonical is None:
        return None
    return db.session.scalar(_with_relations(sa.select(Certificate)).where(Certificate.number == canonical))


# What a verification answer shows (API, bulk, CSV, the bulk page): these columns only, read with
# Core, so that no ORM object is built and tracked, by statements built once (compiled once).
_CERTIFICATES = Certificate.__table__
VERIFICATION_COLUMNS = ("number", "holder_name", "course_title", "course_version_label", "hours", "issued_on",
                        "expires_on", "revoked_at", "issuer_name")
_VERIFY_ONE = PreparedSelect(sa.select(*(_CERTIFICATES.c[name] for name in VERIFICATION_COLUMNS)).where(
    _CERTIFICATES.c.number == sa.bindparam("number")), "VerificationRow")
_VERIFY_MANY = sa.select(*(_CERTIFICATES.c[name] for name in VERIFICATION_COLUMNS)).where(
    _CERTIFICATES.c.number.in_(sa.bindparam("numbers", expanding=True)))


def certificates_by_number(numbers: Iterable[str]) -> dict[str, sa.Row]:
    """The verification columns (`VERIFICATION_COLUMNS`) of the certificates with these canonical
    numbers, in one query: rows with attributes, not ORM objects.

    It reads on a connection of its own, not through the session: a public lookup changes nothing,
    and the session's machinery cost more than the query itself.
    """
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    if len(wanted) == 1:  # the API's single lookup: straight on the driver's cursor
        rows = _VERIFY_ONE.all(db.engine, number=wanted[0])
    else:
        with db.engine.connect() as connection:
            rows = connection.execute(_VERIFY_MANY, {"numbers": wanted}).all()
    return {row.number: row for row in rows}


def latest_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.generation.desc())
        .limit(1)
    )


def certificates_for_user(user: User) -> list[Certificate]:
    """Every certificate of `user`, newest generation first within each course."""
    return list(
        db.session.scalars(
            _with_relations(sa.select(Certificate))
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.course_id, Certificate.generation.desc())
        )
    )


def successor_of(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.previous_id == certificate.id).limit(1))


def history_of(certificate: Certificate) -> list[Certificate]:
    """Every generation of this holder's certificate for the course, newest first."""
    if certificate.user_id is None:
        chain, current = [], certificate
        while current is not None:
            chain.append(current)
            current = current.previous
        return chain
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == certificate.user_id, Certificate.course_id == certificate.course_id)
            .order_by(Certificate.generation.desc())
        )
    )


def search_certificates(query: str = "", status: str = ""):
    """A select for the administrators' list: by number or holder name, optionally by status."""
    statement = _with_relations(sa.select(Certificate)).order_by(Certificate.created_at.desc(), Certificate.id.desc())
    query = clean_text(query).strip()
    if query:
        canonical = canonical_number(query)
        if canonical is not None:
            statement = statement.where(Certificate.number == canonical)
        else:
            pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(
                sa.or_(Certificate.holder_name.ilike(pattern, escape="\\"),
                       Certificate.number.ilike(pattern, escape="\\"))
            )
    now = today()
    if status == CertificateStatus.REVOKED:
        statement = statement.where(Certificate.revoked_at.is_not(None))
    elif status == CertificateStatus.EXPIRED:
        statement = statement.where(Certificate.revoked_at.is_(None), Certificate.expires_on < now)
    elif status == CertificateStatus.VALID:
        statement = statement.where(Certificate.revoked_at.is_(None), Certificate.expires_on >= now)
    return statement


# -- eligibility and issuance ----------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    supervised_hours_required: Decimal = Decimal(0)
    supervised_hours_approved: Decimal = Decimal(0)


def approved_supervised_hours(user_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SupervisedHours.hours), 0)).where(
            SupervisedHours.user_id == user_id, SupervisedHours.state == ReviewState.APPROVED
        )
    )
    return Decimal(str(total or 0))


def eligibility(enrolment: Enrolment) -> Eligibility:
    """Whether a completed enrolment earns its certificate now, and if not, why."""
    version = enrolment.course_version
    rules = version.certificate_rules
    if rules is None:
        return Eligibility(False, "This course does not lead to a certificate.")
    if enrolment.completed_at is None:
        return Eligibility(False, "Not every module of the course has been passed yet.")
    required = Decimal(str(rules.get("supervised_hours_required") or 0))
    approved = approved_supervised_hours(enrolment.user_id) if required > 0 else Decimal(0)
    if approved < required:
        return Eligibility(
            False,
            f"The certificate needs {_hours(required)} approved supervised hours; "
            f"{_hours(approved)} are approved so far.",
            required,
            approved,
        )
    unmet = requirements.unmet_requirements(enrolment)  # issue 15: modules, exam, live hours, ethics code
    if unmet:
        return Eligibility(False, " ".join(f"{r.title}: {r.detail}." for r in unmet), required, approved)
    return Eligibility(True, "Every requirement is met.", required, approved)


def _hours(value) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def issuer_name_for(user: User | None) -> str:
    if user is not None and user.organization is not None:
        return user.organization.name
    return current_app.config["LMS_PROGRAM_NAME"]


def _next_status_index() -> int:
    highest = db.session.scalar(sa.select(sa.func.max(Certificate.status_list_index)))
    index = 0 if highest is None else highest + 1
    if index >= STATUS_LIST_SIZE:
        raise RuntimeError("The certificate status list is full: add a second list before issuing more.")
    return index


def issue_if_eligible(enrolment: Enrolment, *, actor: User | None = None) -> Certificate | None:
    """Called when a course is completed (and again after supervised hours are approved).

    A certifying course issues its certificate once; a continuing-education course credits its
    CE hours. Returns the certificate (new or existing), or None.
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
    rules = version.certificate_rules or {}
    issued_on = issued_on or today()
    if expires_on is None:
        expires_on = add_months(issued_on, int(rules.get("validity_months") or DEFAULT_VALIDITY_MONTHS))
    for _attempt in range(5):
        certificate = Certificate(
            number=_generate_number(),
            user_id=user.id,
            course_id=version.course_id,
            course_version_id=version.id,
            generation=generation,
            holder_name=(holder_name or user.name).strip()[:NAME_MAX_LENGTH],
            course_title=version.title,
            course_version_label=version.version,
            hours=float(version.hours) if hours is None else hours,  # issue 15: the hours earned
            competencies=[
                {"id": str(c.get("id", "")), "title": str(c.get("title", "")), "framework": str(c.get("framework", ""))}
                for c in (version.competencies or [])
            ],
            issuer_name=issuer_name or issuer_name_for(user),
            issued_on=issued_on,
            expires_on=expires_on,
            previous_id=previous.id if previous is not None else None,
            reason=reason,
            status_list_index=_next_status_index(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
        except IntegrityError:
            existing = db.session.scalar(
                sa.select(Certificate).where(
                    Certificate.user_id == user.id,
                    Certificate.course_id == version.course_id,
                    Certificate.generation == generation,
                )
            )
            if existing is not None:
                return existing
            continue  # a concurrent issuance took the status index (or, rarely, the number): try again
        audit.record(
            "certificate.issued",
            actor=actor,
            subject=certificate,
            target_user=user,
            reason=reason,
            generation=generation,
            previous=previous.number if previous is not None else None,
        )
        schedule_pdf(certificate)
        return certificate
    raise RuntimeError("Could not issue the certificate: the database kept refusing a new row.")


def _generate_number() -> str:
    return generate_number(number_prefix())


# -- PDFs and credentials --------------------------------------------------------------------


def criteria_narrative(certificate: Certificate) -> str:
    rules = certificate.course_version.certificate_rules or {}
    text = (
        f"Passed every module of {certificate.course_title}: each module's knowledge check and its "
        "assessed role-play, scored by a supervisor on a behavioural rubric."
    )
    required = rules.get("supervised_hours_required") or 0
    if required:
        text += f" Completed {_hours(required)} hours of supervised practice, approved by a supervisor."
    return text


def certificate_facts(certificate: Certificate) -> CertificateFacts:
    return CertificateFacts(
        number=certificate.number,
        holder_name=certificate.holder_name,
        course_slug=certificate.course.slug,
        course_title=certificate.course_title,
        course_version=certificate.course_version_label,
        course_description=" ".join((certificate.course_version.description or certificate.course_title).split()),
        hours=certificate.hours,
        competencies=tuple((c.get("id", ""), c.get("title", "")) for c in certificate.competencies or []),
        issuer_name=certificate.issuer_name,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        status_list_index=certificate.status_list_index,
        base_url=base_url(),
        criteria_narrative=criteria_narrative(certificate),
    )


def credential_for(certificate: Certificate) -> dict:
    """The certificate's Open Badges 3.0 credential (unsigned JSON-LD)."""
    return build_credential(certificate_facts(certificate))


def signed_credential(certificate: Certificate) -> str:
    """The credential as a VC-JWT signed with the current RS256 key."""
    return credential_jwt(credential_for(certificate), get_keystore())


def render_certificate_pdf(*args, **kwargs) -> bytes:
    """`lms.certificates.pdf.render_certificate_pdf`, imported on first use: WeasyPrint takes about a
    second to load, and most processes (web workers answering verifications) never render one."""
    from lms.certificates.pdf import render_certificate_pdf as render

    return render(*args, **kwargs)


def build_pdf(certificate: Certificate) -> bytes:
    app = current_app
    facts = certificate_facts(certificate)
    credential = build_credential(facts)
    return render_certificate_pdf(
        facts,
        # Compact: json's C encoder is used only without indent (the pretty copy is one download away).
        credential_json=json.dumps(credential, ensure_ascii=False),
        credential_jwt=credential_jwt(credential, get_keystore()),
        verification_url=verification_url(certificate.number),
        revoked=certificate.revoked_at is not None,
        program_name=app.config["LMS_PROGRAM_NAME"],
        templates_dir=Path(app.root_path) / (app.template_folder or "templates"),
        static_dir=Path(app.static_folder or Path(app.root_path) / "static"),
        director_name=app.config.get("CERTIFICATE_DIRECTOR_NAME", ""),
        director_title=app.config.get("CERTIFICATE_DIRECTOR_TITLE", "Program Director"),
    )


def render_pdf(certificate_id: int) -> str | None:
    """Render and store a certificate's PDF; returns its number (None if the row is gone).

    A job (see lms.jobs): it may run in a worker, which commits, or inline, where the caller
    commits. Idempotent. The file is written under DATA_DIR/certificates/ and replaced atomically,
    so a download in progress never sees half a file.
    """
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    data = build_pdf(certificate)
    target = pdf_file(certificate.number)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    record_issued_pdf(certificate, data)
    certificate.pdf_path = f"{CERTIFICATES_DIR}/{certificate.number}.pdf"
    certificate.pdf_rendered_at = utcnow()
    db.session.flush()
    return certificate.number


def schedule_pdf(certificate: Certificate) -> None:
    """Render the PDF through the job queue. A failure leaves the certificate issued and verifiable;
    `flask certificates render-missing` (and the jobs recovery) renders it later."""
    # No savepoint here: releasing one would push queued jobs to Redis before the caller commits.
    # An inline render that fails changes nothing (render_pdf touches the row only once the file is written).
    try:
        jobs.enqueue(render_pdf, certificate.id)
    except Exception:
        log.exception("Rendering the PDF of certificate %s failed; it will be rendered later", certificate.number)


def pdf_is_current(certificate: Certificate) -> bool:
    """Whether the stored PDF exists and shows the current state (a revoked one is watermarked)."""
    if certificate.pdf_path is None or certificate.pdf_rendered_at is None:
        return False
    if certificate.revoked_at is not None and certificate.pdf_rendered_at < certificate.revoked_at:
        return False
    return (data_dir() / certificate.pdf_path).is_file()


def _stale_pdf_condition():
    return sa.or_(
        Certificate.pdf_path.is_(None),
        Certificate.pdf_rendered_at.is_(None),
        sa.and_(Certificate.revoked_at.is_not(None), Certificate.pdf_rendered_at < Certificate.revoked_at),
    )


def certificates_needing_pdf(*, check_files: bool = True) -> list[Certificate]:
    """Certificates whose PDF was never rendered or is stale (revoked since); with `check_files`,
    also those whose file has disappeared."""
    if not check_files:
        return list(db.session.scalars(sa.select(Certificate).where(_stale_pdf_condition()).order_by(Certificate.id)))
    return [c for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.id)) if not pdf_is_current(c)]


def render_missing_pdfs() -> list[Certificate]:
    """Render every PDF that is missing, stale or whose file disappeared; returns those rendered.

    A certificate that fails again is logged and skipped, so one bad row does not block the rest.
    """
    rendered = []
    for certificate in certificates_needing_pdf():
        try:
            with db.session.begin_nested():
                render_pdf(certificate.id)
        except Exception:
            log.exception("Rendering the PDF of certificate %s failed again", certificate.number)
            continue
        rendered.append(certificate)
    return rendered


def enqueue_missing_pdfs() -> int:
    """The jobs recovery: enqueue a render for every certificate the database says lacks a current PDF.

    Cheap when there is nothing to do (one indexed query, no file system walk).
    """
    pending = certificates_needing_pdf(check_files=False)
    for certificate in pending:
        schedule_pdf(certificate)
    return len(pending)


def status_list_credential() -> dict:
    revoked = db.session.scalars(sa.select(Certificate.status_list_index).where(Certificate.revoked_at.is_not(None)))
    return build_status_list_credential(list(revoked), base_url())


def signed_status_list() -> str:
    return status_list_jwt(status_list_credential(), get_keystore())


def issuer_profile() -> dict:
    """The Open Badges 3.0 issuer Profile that credentials point to (`issuer.id`)."""
    base = base_url()
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": f"{base}/issuer",
        "type": ["Profile"],
        "name": current_app.config["LMS_PROGRAM_NAME"],
        "url": f"{base}/",
        "description": (
            "Issues certificates to mental-health peer support specialists who complete its training, "
            "on its own behalf and on behalf of partner organizations named on each certificate."
        ),
    }


# -- holder name, revocation, renewal -----------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = " ".join(clean_text(name).split())
    if len(cleaned) < 2:
        raise DomainError("Enter the full name as it should appear on the certificate.", field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise DomainError(f"The name can have at most {NAME_MAX_LENGTH} characters.", field="name")
    return cleaned


def confirm_holder_name(certificate: Certificate, *, actor: User) -> Certificate:
    if certificate.name_confirmed_at is None:
        certificate.name_confirmed_at = utcnow()
        audit.record("certificate.name_confirmed", actor=actor, subject=certificate, target_user=certificate.user)
        db.session.flush()
    return certificate


def can_correct_own_name(certificate: Certificate) -> bool:
    """Holders correct the name themselves while confirming it; later corrections go through an administrator."""
    return certificate.name_confirmed_at is None and certificate.revoked_at is None


def correct_holder_name(certificate: Certificate, new_name: str, *, actor: User) -> Certificate:
    """Re-issue with a corrected name: generation + 1, reason "reissue"; the old one is revoked but kept."""
    new_name = _clean_name(new_name)
    if certificate.revoked_at is not None:
        raise CertificateRevoked("A revoked certificate cannot be corrected.")
    if certificate.user is None:
        raise NotEligible("The holder's account no longer exists, so the certificate cannot be re-issued.")
    if new_name == certificate.holder_name:
        raise DomainError("That is already the name on the certificate.", field="name")
    latest = latest_certificate(certificate.user_id, certificate.course_id)
    if latest is not None and latest.id != certificate.id:
        raise NotEligible("Only the current certificate can be corrected.")
    replacement = issue_certificate(
        certificate.user,
        certificate.course_version,
        generation=certificate.generation + 1,
        reason=REASON_REISSUE,
        previous=certificate,
        holder_name=new_name,
        issuer_name=certificate.issuer_name,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        actor=actor,
        hours=certificate.hours,
    )
    replacement.name_confirmed_at = utcnow()
    revoke_certificate(certificate, REISSUE_REVOCATION_REASON, actor=actor)
    audit.record(
        "certificate.reissued",
        actor=actor,
        subject=replacement,
        target_user=certificate.user,
        previous=certificate.number,
    )
    db.session.flush()
    return replacement


def revoke_certificate(certificate: Certificate, reason: str, *, actor: User | None = None) -> Certificate:
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise DomainError("Give the reason for revoking: it is kept in the audit log.", field="reason")
    if certificate.revoked_at is not None:
        raise CertificateRevoked(f"Certificate {certificate.number} is already revoked.")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    db.session.flush()
    audit.record("certificate.revoked", actor=actor, subject=certificate, target_user=certificate.user, reason=reason)
    schedule_pdf(certificate)  # the stored PDF is replaced by one watermarked REVOKED
    return certificate


@dataclass(frozen=True)
class RenewalProgress:
    offered: bool  # the course renews with continuing education
    required: Decimal
    approved: Decimal
    period_start: date
    period_end: date
    can_renew: bool
    reason: str

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.approved / self.required * 100))


def approved_ce_hours(user_id: int, start: date, end: date) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ContinuingEducation.hours), 0)).where(
            ContinuingEducation.user_id == user_id,
            ContinuingEducation.state == ReviewState.APPROVED,
            ContinuingEducation.completed_on >= start,
            ContinuingEducation.completed_on <= end,
        )
    )
    return Decimal(str(total or 0))


def renewal_progress(certificate: Certificate, *, latest: Certificate | None = None) -> RenewalProgress:
    rules = certificate.course_version.certificate_rules or {}
    required_value = rules.get("renewal_ce_hours")
    start, end = certificate.issued_on, certificate.expires_on
    if not required_value:  # absent or 0: the course is not renewed through continuing education
        return RenewalProgress(False, Decimal(0), Decimal(0), start, end, False,
                               "This certificate is not renewed through continuing education.")
    required = Decimal(str(required_value))
    approved = approved_ce_hours(certificate.user_id, start, end) if certificate.user_id else Decimal(0)
    if certificate.user_id is None:
        reason, can = "The holder's account no longer exists.", False
    elif certificate.revoked_at is not None:
        reason, can = "A revoked certificate cannot be renewed.", False
    elif latest is not None and latest.id != certificate.id:
        reason, can = "This certificate has already been renewed or re-issued.", False
    elif approved < required:
        reason, can = (f"{_hours(required - approved)} more approved hours of continuing education are needed "
                       "to renew."), False
    else:
        reason, can = "You have enough approved continuing education to renew.", True
    return RenewalProgress(True, required, approved, start, end, can, reason)


def renew_certificate(certificate: Certificate, *, actor: User) -> Certificate:
    """A new certificate (generation + 1, reason "renewal") linked to the previous one, with new dates."""
    latest = latest_certificate(certificate.user_id, certificate.course_id) if certificate.user_id else None
    progress = renewal_progress(certificate, latest=latest)
    if not progress.can_renew:
        raise NotEligible(progress.reason)
    version = _live_version(certificate) or certificate.course_version
    rules = version.certificate_rules or certificate.course_version.certificate_rules or {}
    issued_on = today()
    # Renewing early loses nothing: the new period runs from the later of today and the old expiry.
    expires_on = add_months(max(issued_on, certificate.expires_on),
                            int(rules.get("validity_months") or DEFAULT_VALIDITY_MONTHS))
    renewed = issue_certificate(
        certificate.user,
        version,
        generation=certificate.generation + 1,
        reason=REASON_RENEWAL,
        previous=certificate,
        holder_name=certificate.holder_name,
        issued_on=issued_on,
        expires_on=expires_on,
        actor=actor,
        hours=certificate.hours,
    )
    if renewed.name_confirmed_at is None:
        renewed.name_confirmed_at = certificate.name_confirmed_at
    audit.record("certificate.renewed", actor=actor, subject=renewed, target_user=certificate.user,
                 previous=certificate.number, ce_hours=str(progress.approved))
    db.session.flush()
    return renewed


def _live_version(certificate: Certificate) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == certificate.course_id, CourseVersion.is_live.is_(True),
               CourseVersion.certificate_rules.is_not(None))
        .order_by(CourseVersion.id.desc())
        .limit(1)
    )


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
    pending = []
    for enrolment in enrolments:
        if enrolment.course_id in issued or enrolment.course_version.certificate_rules is None:
            continue
        pending.append(PendingCertificate(enrolment, eligibility(enrolment)))
    return pending


# -- continuing education ----------------------------------------------------------------------


def credit_course_ce(enrolment: Enrolment) -> ContinuingEducation:
    """A completed continuing-education course counts automatically (approved, once)."""
    version = enrolment.course_version

    def existing() -> ContinuingEducation | None:
        return db.session.scalar(
            sa.select(ContinuingEducation).where(
                ContinuingEducation.user_id == enrolment.user_id,
                ContinuingEducation.course_version_id == version.id,
            )
        )

    found = existing()
    if found is not None:
        return found
    entry = ContinuingEducation(
        user_id=enrolment.user_id,
        title=version.title,
        provider=current_app.config["LMS_PROGRAM_NAME"],
        hours=Decimal(str(version.ce_hours)),
        completed_on=enrolment.completed_at.date(),
        source="course",
        course_version_id=version.id,
        state=ReviewState.APPROVED,
        reviewed_at=utcnow(),
        review_note="Course completed on this platform.",
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        return existing()
    audit.record("continuing_education.credited", subject=entry, target_user=enrolment.user,
                 course=version.course.slug if version.course else None, hours=str(entry.hours))
    return entry


EVIDENCE_TYPES = {  # extension -> (accepted content types, leading bytes)
    "pdf": ({"application/pdf"}, (b"%PDF-",)),
    "png": ({"image/png"}, (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ({"image/jpeg", "image/jpg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
}


def store_evidence(stream, filename: str) -> str:
    """Keep an uploaded evidence file (PDF, PNG or JPEG) under DATA_DIR/evidence; returns its relative path."""
    extension = Path(filename or "").suffix.lower().lstrip(".")
    extension = {"jpeg": "jpg"}.get(extension, extension)
    if extension not in EVIDENCE_TYPES:
        raise InvalidUpload("Upload the evidence as a PDF, PNG or JPEG file.", field="evidence")
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    data = stream.read(limit + 1)
    if not data:
        raise InvalidUpload("The evidence file is empty.", field="evidence")
    if len(data) > limit:
        raise InvalidUpload(f"The evidence file is larger than {limit // (1024 * 1024)} MB.", field="evidence")
    if not data.startswith(EVIDENCE_TYPES[extension][1]):
        raise InvalidUpload("The file's contents do not match its type (PDF, PNG or JPEG).", field="evidence")
    relative = f"{EVIDENCE_DIR}/{secrets.token_hex(16)}.{extension}"
    target = data_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative


def evidence_file(entry: ContinuingEducation) -> Path | None:
    if not entry.evidence_path:
        return None
    root = (data_dir() / EVIDENCE_DIR).resolve()
    path = (data_dir() / entry.evidence_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError("Enter the hours as a number, for example 1.5.", field="hours") from None
    if hours <= 0 or hours > 200:
        raise DomainError("Enter between 0.25 and 200 hours.", field="hours")
    return hours


def log_continuing_education(
    user: User,
    *,
    title: str,
    provider: str,
    hours,
    completed_on: date,
    evidence_path: str,
) -> ContinuingEducation:
    """An outside activity, waiting for a supervisor's approval."""
    title = " ".join(clean_text(title).split())
    if not title:
        raise DomainError("Name the activity.", field="title")
    if completed_on > today():
        raise DomainError("The date cannot be in the future.", field="completed_on")
    entry = ContinuingEducation(
        user_id=user.id,
        title=title[:200],
        provider=" ".join(clean_text(provider).split())[:200],
        hours=parse_hours(hours),
        completed_on=completed_on,
        source="outside",
        evidence_path=evidence_path,
        state=ReviewState.PENDING,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("continuing_education.logged", actor=user, subject=entry, target_user=user, hours=str(entry.hours))
    return entry


def continuing_education_for(user: User) -> list[ContinuingEducation]:
    return list(
        db.session.scalars(
            sa.select(ContinuingEducation)
            .where(ContinuingEducation.user_id == user.id)
            .order_by(ContinuingEducation.completed_on.desc(), ContinuingEducation.id.desc())
        )
    )


def delete_continuing_education(entry: ContinuingEducation, *, actor: User) -> None:
    if entry.user_id != actor.id:
        raise NotAllowed("You can only remove your own activities.")
    if entry.source != "outside" or entry.state == ReviewState.APPROVED:
        raise DomainError("Approved activities stay on your record.")
    path = evidence_file(entry)
    audit.record("continuing_education.deleted", actor=actor, subject=entry, target_user=actor, title=entry.title)
    db.session.delete(entry)
    db.session.flush()
    delete_after_commit(db.session(), path)


def can_review_continuing_education(user: User, trainee_id: int) -> bool:
    from lms.auth.permissions import supervises

    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and supervises(user, trainee_id)


def continuing_education_to_review(reviewer: User) -> list[ContinuingEducation]:
    """Pending outside activities of the trainees in the reviewer's cohorts (every one, for administrators)."""
    from lms.auth.permissions import supervised_trainee_ids

    statement = (
        sa.select(ContinuingEducation)
        .options(so.selectinload(ContinuingEducation.user))
        .where(ContinuingEducation.state == ReviewState.PENDING)
        .order_by(ContinuingEducation.created_at, ContinuingEducation.id)
    )
    if reviewer.role != Role.ADMIN:
        statement = statement.where(ContinuingEducation.user_id.in_(supervised_trainee_ids(reviewer)))
    return list(db.session.scalars(statement))


def review_continuing_education(entry: ContinuingEducation, reviewer: User, *, approve: bool,
                                note: str = "") -> ContinuingEducation:
    if not can_review_continuing_education(reviewer, entry.user_id):
        raise NotAllowed("Only a supervisor of this person's cohort can review their activities.")
    if entry.state != ReviewState.PENDING:
        raise DomainError("This activity has already been reviewed.")
    note = clean_text(note).strip()
    if not approve and not note:
        raise DomainError("Say what is missing so that the trainee can fix it.", field="note")
    entry.state = ReviewState.APPROVED if approve else ReviewState.RETURNED
    entry.reviewed_by_id = reviewer.id
    entry.reviewed_at = utcnow()
    entry.review_note = note[:2000]
    db.session.flush()
    audit.record("continuing_education.approved" if approve else "continuing_education.returned",
                 actor=reviewer, subject=entry, target_user=entry.user, hours=str(entry.hours))
    return entry


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """One number, as given, and what it turned out to be."""

    text: str
    number: str | None  # canonical, when well formed
    certificate: sa.Row | None  # the certificate's VERIFICATION_COLUMNS, when found
    status: CertificateStatus | None

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def malformed(self) -> bool:
        return self.number is None


def lookup_numbers(texts: Sequence[str], *, on: date | None = None) -> list[Lookup]:
    """One lookup per input, in order, with a single query for all of them."""
    canonical = [canonical_number(text) if isinstance(text, str) else None for text in texts]
    found = certificates_by_number(number for number in canonical if number)
    on = on or today()
    results = []
    for text, number in zip(texts, canonical, strict=True):
        certificate = found.get(number) if number else None
        results.append(Lookup(
            text if isinstance(text, str) else str(text),
            number,
            certificate,
            status_of(certificate, on) if certificate is not None else None,
        ))
    return results


def record_lookups(lookups: Iterable[tuple[str, bool]], *, method: str, ip: str | None = None,
                   api_key_id: int | None = None) -> None:
    """Log each lookup (for abuse detection): written in batches by `verification_log`, or, with
    VERIFICATION_LOG_BUFFER = 0, in one statement in the caller's transaction."""
    now = utcnow()
    ip = (ip or None) and ip[:64]
    rows = [
        {"number": clean_text(number)[:40], "found": found, "method": method, "api_key_id": api_key_id,
         "ip": ip, "created_at": now}
        for number, found in lookups
    ]
    verification_log.record(rows)


def issued_suggestions(text: str) -> list[str]:
    """Issued numbers one typing mistake away from `text` (the check character caught a typo)."""
    if not isinstance(text, str) or len(text) > 80:
        return []
    candidates = suggest_corrections(text, number_prefix())
    if not candidates:
        return []
    issued = set(db.session.scalars(sa.select(Certificate.number).where(Certificate.number.in_(candidates))))
    return [number for number in candidates if number in issued]


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_issued_pdf(certificate: Certificate, data: bytes) -> None:
    """Remember the hash of a PDF file we rendered for `certificate` (once per distinct file)."""
    digest = pdf_sha256(data)
    if db.session.scalar(sa.select(IssuedPdf.id).where(IssuedPdf.sha256 == digest)) is None:
        db.session.add(IssuedPdf(certificate_id=certificate.id, sha256=digest))
        db.session.flush()


def _backfill_issued_pdf(certificate: Certificate) -> str | None:
    """For a PDF rendered before its hash was kept: hash the stored file now. Returns the hash."""
    has_hashes = db.session.scalar(sa.select(IssuedPdf.id).where(IssuedPdf.certificate_id == certificate.id)
                                   .limit(1))
    if has_hashes is not None or certificate.pdf_path is None:
        return None
    path = data_dir() / certificate.pdf_path
    if not path.is_file():
        return None
    data = path.read_bytes()
    record_issued_pdf(certificate, data)
    return pdf_sha256(data)


@dataclass(frozen=True)
class PdfVerification:
    """The answer to "is this PDF one of our certificates?".

    `identical`: the file is, byte for byte, a PDF we rendered for `certificate`; its page is ours.
    Otherwise `check` says whether it carries a credential we signed; if so, `facts` is what that
    credential says, and the page (which anyone can redraw around a genuine attachment) is unconfirmed.
    """

    identical: bool
    check: PdfCheck | None
    certificate: Certificate | None
    status: CertificateStatus | None
    facts: StatedFacts | None = None

    @property
    def number(self) -> str | None:
        if self.certificate is not None:
            return self.certificate.number
        return self.check.number if self.check is not None else None

    @property
    def signed(self) -> bool:
        """The file carries a credential we signed for a certificate that exists (identical or not)."""
        return self.certificate is not None and (self.identical or (self.check is not None and self.check.signed))

    @property
    def outcome(self) -> str:
        """"valid", "expired" or "revoked" for a file we issued; "unconfirmed" for another file that
        carries a credential of ours (the page is not ours to vouch for); otherwise "not-genuine"."""
        if self.identical and self.certificate is not None:
            return str(self.status)
        if self.signed:
            return "unconfirmed"
        return "not-genuine"

    @property
    def reason(self) -> str:
        if self.check is not None and self.check.signed and self.certificate is None:
            return "The signature is ours, but no certificate with this number exists."
        return self.check.reason if self.check is not None else ""


def verify_pdf(data: bytes) -> PdfVerification:
    """Whether an uploaded PDF is a file we issued, or else what the credential attached to it says.

    The hash comes first: an exact match is the only way a page is confirmed, and it costs one
    indexed lookup. Otherwise the attached credential's signature is checked (a bounded read, see
    `pdf_verify`) and the certificate it names is looked up for its status today.
    """
    digest = pdf_sha256(bytes(data))
    issued = db.session.scalar(sa.select(IssuedPdf).where(IssuedPdf.sha256 == digest))
    if issued is not None:
        certificate = db.session.scalar(
            _with_relations(sa.select(Certificate)).where(Certificate.id == issued.certificate_id)
        )
        return PdfVerification(True, None, certificate, status_of(certificate))
    check = inspect_pdf(data, get_keystore())
    certificate = None
    if check.signed and check.number:
        certificate = db.session.scalar(
            _with_relations(sa.select(Certificate)).where(Certificate.number == check.number)
        )
    if certificate is None:
        return PdfVerification(False, check, None, None, stated_facts(check.credential) if check.signed else None)
    if _backfill_issued_pdf(certificate) == digest:
        return PdfVerification(True, check, certificate, status_of(certificate))
    return PdfVerification(False, check, certificate, status_of(certificate), stated_facts(check.credential))


def read_numbers_csv(data: bytes) -> list[str]:
    """The numbers in the first column of an uploaded CSV (a header row is skipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InvalidUpload("The file is not a text CSV file.", field="csv") from None
    if "\x00" in text:
        raise InvalidUpload("The file is not a text CSV file.", field="csv")
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    numbers = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells = [cell.strip() for cell in row if cell.strip()]
            if cells:
                numbers.append(cells[0])
    except csv.Error as error:
        raise InvalidUpload(f"The CSV file cannot be read: {error}.", field="csv") from None
    if numbers and canonical_number(numbers[0]) is None and not any(ch.isdigit() for ch in numbers[0]):
        numbers = numbers[1:]  # a header such as "Certificate number"
    if not numbers:
        raise InvalidUpload("The file holds no certificate numbers.", field="csv")
    if len(numbers) > MAX_BULK_NUMBERS:
        raise InvalidUpload(f"Check at most {MAX_BULK_NUMBERS:,} numbers at a time; this file has {len(numbers):,}.",
                            field="csv")
    return numbers


CSV_COLUMNS = ["input", "number", "found", "status", "holder_name", "course", "hours", "issued_on", "expires_on",
               "revoked_on", "issuer", "verification_url"]


def lookups_csv(lookups: Sequence[Lookup]) -> str:
    rows = []
    for item in lookups:
        c = item.certificate
        if c is None:
            status = "malformed" if item.malformed else "not_found"
            rows.append([item.text, item.number or "", "no", status] + [""] * 8)
            continue
        rows.append([
            item.text, c.number, "yes", str(item.status), c.holder_name, c.course_title, _hours(c.hours),
            c.issued_on, c.expires_on, c.revoked_at, c.issuer_name, verification_url(c.number),
        ])
    return to_csv(CSV_COLUMNS, rows)


# -- listing for the CLI ---------------------------------------------------------------------


def all_certificates() -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))


def revoked_on(certificate: Certificate) -> date | None:
    return certificate.revoked_at.date() if certificate.revoked_at else None


def on_course_completed(sender: Enrolment, **extra) -> None:
    """Receiver of `lms.signals.course_completed`: issue the certificate or credit CE hours."""
    issue_if_eligible(sender, actor=extra.get("actor"))
