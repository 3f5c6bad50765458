"""Certificate records: the one rule for a certificate's status, lookups, a holder's history, search.

Everything here reads; nothing writes. The status rule lives here only: `certificate_status` decides it
from the two columns that matter, `status_of` applies it to a row or a certificate, and
`status_condition` is the same rule as a SQL condition (for lists filtered by status).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.certificates.numbers import canonical_number as canonical_spelling
from lms.certificates.settings import clean_text, number_prefix, today
from lms.extensions import db
from lms.models import Certificate, CertificateStatus, User
from lms.prepared import PreparedSelect

# -- the status rule ---------------------------------------------------------------------------


def certificate_status(revoked_at: datetime | None, expires_on: date, on: date) -> CertificateStatus:
    """Revoked wins; otherwise valid through its last day (`expires_on`), expired after it."""
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if on > expires_on:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def status_of(certificate: Certificate | sa.Row, on: date | None = None) -> CertificateStatus:
    """The status of a certificate, or of a row with its `revoked_at` and `expires_on`, on a day (today)."""
    return certificate_status(certificate.revoked_at, certificate.expires_on, on or today())


def status_condition(status: str, on: date | None = None):
    """`certificate_status(...) == status` as a SQL condition on certificates; None for a status that is not one."""
    on = on or today()
    not_revoked = Certificate.revoked_at.is_(None)
    if status == CertificateStatus.REVOKED:
        return Certificate.revoked_at.is_not(None)
    if status == CertificateStatus.EXPIRED:
        return sa.and_(not_revoked, Certificate.expires_on < on)
    if status == CertificateStatus.VALID:
        return sa.and_(not_revoked, Certificate.expires_on >= on)
    return None


def revoked_on(certificate: Certificate | sa.Row) -> date | None:
    return certificate.revoked_at.date() if certificate.revoked_at else None


# -- numbers and lookups ----------------------------------------------------------------------


def canonical_number(text: str) -> str | None:
    """The canonical spelling of a typed number, or None when it cannot be one of ours."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    return canonical_spelling(text, number_prefix())


def with_relations(query):
    """`query` loading what every certificate page shows (course, course version, issuing organization) up front."""
    return query.options(so.selectinload(Certificate.course), so.selectinload(Certificate.course_version),
                         so.selectinload(Certificate.issuer_organization))


def get_certificate(number: str) -> Certificate | None:
    """The certificate for a number as a person typed it (normalized), or None."""
    canonical = canonical_number(number)
    if canonical is None:
        return None
    return db.session.scalar(with_relations(sa.select(Certificate)).where(Certificate.number == canonical))


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
            with_relations(sa.select(Certificate))
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.course_id, Certificate.generation.desc())
        )
    )


def current_certificates(user: User) -> list[Certificate]:
    """The newest generation of each of `user`'s certificates, one per course."""
    current: dict[int, Certificate] = {}
    for certificate in certificates_for_user(user):
        current.setdefault(certificate.course_id, certificate)
    return list(current.values())


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
    statement = with_relations(sa.select(Certificate)).order_by(Certificate.created_at.desc(), Certificate.id.desc())
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
    condition = status_condition(status)
    return statement if condition is None else statement.where(condition)


def all_certificates() -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))
