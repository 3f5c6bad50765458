"""After issuance: the holder confirms or corrects the printed name, an administrator revokes, the
holder renews with approved continuing education.

Services add and flush; the caller commits. Every refusal is a `DomainError` with a translated message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.certificates.credential import format_hours
from lms.certificates.documents import schedule_pdf
from lms.certificates.issuance import (
    DEFAULT_VALIDITY_MONTHS,
    NAME_MAX_LENGTH,
    REASON_REISSUE,
    REASON_RENEWAL,
    issue_certificate,
)
from lms.certificates.records import latest_certificate
from lms.certificates.settings import add_months, clean_text, today
from lms.continuing.services import approved_ce_hours
from lms.errors import CertificateRevoked, InvalidInput, NotEligible
from lms.ethics.services import require_signature_for_renewal
from lms.extensions import db
from lms.models import Certificate, CourseVersion, User, utcnow
from lms.signals import certificate_revoked

# Kept in the audit log and on the revoked row, which administrators read (not translated: it is data).
REISSUE_REVOCATION_REASON = "Re-issued with corrected name"


# -- the holder's name --------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = " ".join(clean_text(name).split())
    if len(cleaned) < 2:
        raise InvalidInput(_("Enter the full name as it should appear on the certificate."), field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(_("The name can have at most %(count)s characters.", count=NAME_MAX_LENGTH),
                           field="name")
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


def _require_correctable(certificate: Certificate, new_name: str) -> None:
    if certificate.revoked_at is not None:
        raise CertificateRevoked(_("A revoked certificate cannot be corrected."))
    if certificate.user is None:
        raise NotEligible(_("The holder's account no longer exists, so the certificate cannot be re-issued."))
    if new_name == certificate.holder_name:
        raise InvalidInput(_("That is already the name on the certificate."), field="name")
    latest = latest_certificate(certificate.user_id, certificate.course_id)
    if latest is not None and latest.id != certificate.id:
        raise NotEligible(_("Only the current certificate can be corrected."))


def correct_holder_name(certificate: Certificate, new_name: str, *, actor: User) -> Certificate:
    """Re-issue with a corrected name: generation + 1, reason "reissue"; the old one is revoked but kept."""
    new_name = _clean_name(new_name)
    _require_correctable(certificate, new_name)
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
    audit.record("certificate.reissued", actor=actor, subject=replacement, target_user=certificate.user,
                 previous=certificate.number)
    db.session.flush()
    return replacement


# -- revocation ---------------------------------------------------------------------------------


def revoke_certificate(certificate: Certificate, reason: str, *, actor: User | None = None) -> Certificate:
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise InvalidInput(_("Give the reason for revoking: it is kept in the audit log."), field="reason")
    if certificate.revoked_at is not None:
        raise CertificateRevoked(_("Certificate %(number)s is already revoked.", number=certificate.number))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    db.session.flush()
    audit.record("certificate.revoked", actor=actor, subject=certificate, target_user=certificate.user, reason=reason)
    schedule_pdf(certificate)  # the stored PDF is replaced by one watermarked REVOKED
    certificate_revoked.send(certificate)
    return certificate


# -- renewal ------------------------------------------------------------------------------------


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


def _renewal_verdict(certificate: Certificate, latest: Certificate | None, required: Decimal,
                     approved: Decimal) -> tuple[bool, str]:
    """Whether the certificate can be renewed now, and the sentence that says why (or why not)."""
    if certificate.user_id is None:
        return False, _("The holder's account no longer exists.")
    if certificate.revoked_at is not None:
        return False, _("A revoked certificate cannot be renewed.")
    if latest is not None and latest.id != certificate.id:
        return False, _("This certificate has already been renewed or re-issued.")
    if approved < required:
        return False, _("%(hours)s more approved hours of continuing education are needed to renew.",
                        hours=format_hours(required - approved))
    return True, _("You have enough approved continuing education to renew.")


def renewal_progress(certificate: Certificate, *, latest: Certificate | None = None) -> RenewalProgress:
    rules = certificate.course_version.certificate_rules or {}
    required_value = rules.get("renewal_ce_hours")
    start, end = certificate.issued_on, certificate.expires_on
    if not required_value:  # absent or 0: the course is not renewed through continuing education
        return RenewalProgress(False, Decimal(0), Decimal(0), start, end, False,
                               _("This certificate is not renewed through continuing education."))
    required = Decimal(str(required_value))
    approved = approved_ce_hours(certificate.user_id, start, end) if certificate.user_id else Decimal(0)
    can, reason = _renewal_verdict(certificate, latest, required, approved)
    return RenewalProgress(True, required, approved, start, end, can, reason)


def _live_version(certificate: Certificate) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == certificate.course_id, CourseVersion.is_live.is_(True),
               CourseVersion.certificate_rules.is_not(None))
        .order_by(CourseVersion.id.desc())
        .limit(1)
    )


def renew_certificate(certificate: Certificate, *, actor: User) -> Certificate:
    """A new certificate (generation + 1, reason "renewal") linked to the previous one, with new dates."""
    latest = latest_certificate(certificate.user_id, certificate.course_id) if certificate.user_id else None
    progress = renewal_progress(certificate, latest=latest)
    if not progress.can_renew:
        raise NotEligible(progress.reason)
    require_signature_for_renewal(certificate)  # a new version of the code of ethics is signed first
    version = _live_version(certificate) or certificate.course_version
    rules = version.certificate_rules or certificate.course_version.certificate_rules or {}
    issued_on = today()
    # Renewing early loses nothing: the new period runs from the later of today and the old expiry.
    expires_on = add_months(max(issued_on, certificate.expires_on),
                            int(rules.get("validity_months") or DEFAULT_VALIDITY_MONTHS))
    renewed = issue_certificate(certificate.user, version, generation=certificate.generation + 1,
                                reason=REASON_RENEWAL, previous=certificate, holder_name=certificate.holder_name,
                                issued_on=issued_on, expires_on=expires_on, actor=actor, hours=certificate.hours)
    if renewed.name_confirmed_at is None:
        renewed.name_confirmed_at = certificate.name_confirmed_at
    audit.record("certificate.renewed", actor=actor, subject=renewed, target_user=certificate.user,
                 previous=certificate.number, ce_hours=str(progress.approved))
    db.session.flush()
    return renewed
