"""The public registry: certificates their holders chose to list (or whose organization's rules require
it), searched by boards and employers by name or number.

A peer specialist's credential discloses lived experience of mental illness or substance use, so:
- a certificate is listed only with its holder's consent (off by default), or where the holder's
  organization requires listing (`Organization.registry_listing_required`, with a reason shown to the
  trainee before they join); then it is listed on issuance and cannot be withdrawn while required;
- withdrawing deletes the entry at once (nothing is cached: the search answers are `no-store`);
- an entry shows the holder's name, the credential's title and issuer, its number, status and dates,
  never an e-mail address;
- the search finds people, it does not list them: a name needs at least `MIN_QUERY_LETTERS` letters
  and matches the start of the name or of one of its words, a number matches exactly, at most
  `MAX_RESULTS` entries come back with no next page, and there is no empty or wildcard query.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.certificates.records import canonical_number, status_of
from lms.certificates.settings import today
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db
from lms.models import Certificate, CertificateStatus, Organization, RegistryListing, User

MIN_QUERY_LETTERS = 3
MAX_RESULTS = 20
REASON_MIN_LENGTH = 10


@dataclass(frozen=True)
class RegistryEntry:
    """What the registry shows of one listed certificate."""

    holder_name: str
    credential_title: str
    issuer_name: str
    number: str
    status: CertificateStatus
    issued_on: date
    expires_on: date


@dataclass(frozen=True)
class SearchResult:
    entries: list[RegistryEntry]
    more: bool  # more than MAX_RESULTS matched: the searcher should type more of the name


def search_key(text: str) -> str:
    """A name folded for matching: no accents, lower case, letters and digits only, single spaces.
    Apostrophes and hyphens separate words ("O'Brien-Nakamura" is "o brien nakamura")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.casefold().split())


# -- the holder's consent and the organization's rule ------------------------------------------------


def listing_of(certificate: Certificate) -> RegistryListing | None:
    return db.session.scalar(sa.select(RegistryListing).where(RegistryListing.certificate_id == certificate.id))


def requiring_organization(certificate: Certificate) -> Organization | None:
    """The holder's organization when its rules require listing its trainees' certificates."""
    user = db.session.get(User, certificate.user_id) if certificate.user_id else None
    organization = db.session.get(Organization, user.organization_id) if user and user.organization_id else None
    return organization if organization is not None and organization.registry_listing_required else None


def _add_listing(certificate: Certificate, *, required: bool) -> RegistryListing:
    listing = RegistryListing(certificate_id=certificate.id, search_name=search_key(certificate.holder_name)[:160],
                              required=required)
    db.session.add(listing)
    db.session.flush()
    return listing


def list_certificate(certificate: Certificate, *, actor: User) -> RegistryListing:
    """The holder consents: their certificate appears in the registry (at once). Idempotent."""
    existing = listing_of(certificate)
    if existing is not None:
        return existing
    listing = _add_listing(certificate, required=False)
    audit.record("registry.listed", actor=actor, subject=certificate, target_user=certificate.user)
    return listing


def withdraw_listing(certificate: Certificate, *, actor: User) -> None:
    """The holder withdraws consent: the entry is deleted at once. Refused while the organization's
    rules require the listing of a certificate they listed on issuance."""
    listing = listing_of(certificate)
    if listing is None:
        return
    organization = requiring_organization(certificate)
    if listing.required and organization is not None:
        raise NotAllowed(_("%(org)s requires its certificates to be listed in the registry, so this listing "
                           "cannot be withdrawn while that rule applies. Ask %(org)s about it.",
                           org=organization.name))
    db.session.delete(listing)
    db.session.flush()
    audit.record("registry.withdrawn", actor=actor, subject=certificate, target_user=certificate.user)


def on_certificate_issued(certificate: Certificate) -> None:
    """Issuance's hook: list the new certificate if the organization requires it, or if its holder had
    listed the certificate it replaces (a renewal or re-issue keeps their choice; the old entry goes)."""
    previous = db.session.get(Certificate, certificate.previous_id) if certificate.previous_id else None
    earlier = listing_of(previous) if previous is not None else None
    required = requiring_organization(certificate) is not None
    if not required and earlier is None:
        return
    if earlier is not None:
        db.session.delete(earlier)
        db.session.flush()
    _add_listing(certificate, required=required)
    audit.record("registry.listed", subject=certificate, target_user=certificate.user,
                 required=required or None, carried_from=previous.number if earlier is not None else None)


def set_listing_rule(organization: Organization, *, required: bool, reason: str, actor: User) -> None:
    """An organization requires (or stops requiring) listing; requiring needs the rule's reason, which
    trainees read before they join. Certificates already issued are not listed retroactively."""
    reason = " ".join((reason or "").split())
    if required and len(reason) < REASON_MIN_LENGTH:
        raise InvalidInput(_("Say which of your rules requires listing (at least %(count)d characters): "
                             "trainees read it before they join.", count=REASON_MIN_LENGTH), field="reason")
    changed = organization.registry_listing_required != required or organization.registry_listing_reason != reason
    organization.registry_listing_required = required
    organization.registry_listing_reason = reason if required else ""
    if changed:
        audit.record("registry.rule_changed", actor=actor, subject=organization, required=required,
                     reason=reason if required else None)
    db.session.flush()


# -- the search ------------------------------------------------------------------------------------------


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _entry(certificate: Certificate, on: date) -> RegistryEntry:
    return RegistryEntry(
        holder_name=certificate.holder_name, credential_title=certificate.course_title,
        issuer_name=certificate.issuer_name, number=certificate.number, status=status_of(certificate, on),
        issued_on=certificate.issued_on, expires_on=certificate.expires_on,
    )


def search(query: str) -> SearchResult:
    """Listed certificates matching a name (start of the name or of a word) or exactly a number.

    Raises `InvalidInput` for a query that would list rather than find (too short, empty, wildcards).
    """
    text = (query or "").strip()[:160]
    listed = (
        sa.select(Certificate)
        .join(RegistryListing, RegistryListing.certificate_id == Certificate.id)
        .options(so.lazyload("*"))
    )
    number = canonical_number(text) if text else None
    if number is not None:
        rows = list(db.session.scalars(listed.where(Certificate.number == number)))
    else:
        key = search_key(text)
        if sum(ch.isalnum() for ch in key) < MIN_QUERY_LETTERS:
            raise InvalidInput(_("Type at least %(count)d letters of the person's name, or a certificate number.",
                                 count=MIN_QUERY_LETTERS), field="q")
        pattern = _like_escape(key)
        rows = list(db.session.scalars(
            listed.where(sa.or_(RegistryListing.search_name.like(f"{pattern}%", escape="\\"),
                                RegistryListing.search_name.like(f"% {pattern}%", escape="\\")))
            .order_by(RegistryListing.search_name, Certificate.issued_on.desc(), Certificate.id)
            .limit(MAX_RESULTS + 1)
        ))
    on = today()
    return SearchResult(entries=[_entry(c, on) for c in rows[:MAX_RESULTS]], more=len(rows) > MAX_RESULTS)

