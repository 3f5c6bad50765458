"""Certificates, continuing education and supervised practice hours."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.learning import Course, CourseVersion
    from lms.models.orgs import Organization
    from lms.models.users import User


class CertificateStatus(enum.StrEnum):
    """A certificate's status on a day: decided by `lms.certificates.records.status_of`, the rule's one home."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ReviewState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class Reviewed:
    """The columns of a record a supervisor or administrator approves or returns (CE and supervised hours)."""

    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=ReviewState.PENDING)
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: so.Mapped[datetime | None]
    review_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        # Exactly one certificate per trainee, course and generation, however requests race.
        sa.UniqueConstraint("user_id", "course_id", "generation"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id"), index=True)
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    # 1 for the first issuance; a renewal or re-issue takes the next number.
    generation: so.Mapped[int] = so.mapped_column(default=1)
    holder_name: so.Mapped[str] = so.mapped_column(sa.String(160))
    course_title: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The holder's language at issuance: the PDF and the credential are written in it, always the same.
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en", server_default="en")
    course_version_label: so.Mapped[str] = so.mapped_column(sa.String(32))
    hours: so.Mapped[float]
    competencies: so.Mapped[list] = so.mapped_column(default=list)
    issuer_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The organization that issued it (its own issuer DID and profile); None: the program itself.
    issuer_organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    issued_on: so.Mapped[date]
    expires_on: so.Mapped[date]
    revoked_at: so.Mapped[datetime | None]
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    previous_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(20), default="completion")  # completion|renewal|reissue
    status_list_index: so.Mapped[int] = so.mapped_column(unique=True)
    pdf_path: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    pdf_rendered_at: so.Mapped[datetime | None]
    # When the holder confirmed (or corrected) the name printed on the certificate.
    name_confirmed_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped["User | None"] = so.relationship()
    course: so.Mapped["Course"] = so.relationship()
    course_version: so.Mapped["CourseVersion"] = so.relationship()
    previous: so.Mapped["Certificate | None"] = so.relationship(remote_side=[id])
    issuer_organization: so.Mapped["Organization | None"] = so.relationship()


class IssuedPdf(Base):
    """The SHA-256 of a certificate PDF we rendered. Only a file whose hash is here is one we issued:
    a page can be redrawn around a genuine attached credential, so nothing else proves the page.

    Every rendering is kept (a revocation re-renders the file with a watermark), so a copy
    downloaded before it is still recognised, with the certificate's status today.
    """

    __tablename__ = "issued_pdfs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    rendered_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    certificate: so.Mapped["Certificate"] = so.relationship()


class ContinuingEducation(Reviewed, Base):
    __tablename__ = "continuing_education"
    __table_args__ = (
        # A completed CE course is credited once; outside activities (no course version) are not limited.
        sa.UniqueConstraint("user_id", "course_version_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    provider: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    hours: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(6, 2))
    completed_on: so.Mapped[date]
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="outside")  # course | outside
    course_version_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="SET NULL")
    )
    evidence_path: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])


class SupervisedHours(Reviewed, Base):
    __tablename__ = "supervised_hours"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    worked_on: so.Mapped[date]
    setting: so.Mapped[str] = so.mapped_column(sa.String(120))
    activity: so.Mapped[str] = so.mapped_column(sa.Text)
    hours: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(6, 2))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])
