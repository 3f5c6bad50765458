"""Organizations, cohorts, invitations and API keys."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.users import User

cohort_trainees = sa.Table(
    "cohort_trainees",
    Base.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

cohort_supervisors = sa.Table(
    "cohort_supervisors",
    Base.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organization(Base):
    __tablename__ = "organizations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    invite_code: so.Mapped[str | None] = so.mapped_column(sa.String(40), unique=True)
    # Listing in the public registry is opt-in; an organization may require it only where its rules say
    # so, with the reason shown to trainees before they join (see README, "Public registry").
    registry_listing_required: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    registry_listing_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    # The language of its people who chose none and whose browser asks for none we have.
    default_language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en", server_default="en")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    members: so.Mapped[list["User"]] = so.relationship(back_populates="organization")
    cohorts: so.Mapped[list["Cohort"]] = so.relationship(
        back_populates="organization", order_by="Cohort.starts_on"
    )


class Cohort(Base):
    __tablename__ = "cohorts"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    starts_on: so.Mapped[date | None]
    ends_on: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    organization: so.Mapped[Organization] = so.relationship(back_populates="cohorts")
    trainees: so.Mapped[list["User"]] = so.relationship(secondary=cohort_trainees)
    supervisors: so.Mapped[list["User"]] = so.relationship(secondary=cohort_supervisors)


class Invitation(Base):
    __tablename__ = "invitations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    cohort_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="SET NULL"))
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # the invitee's, set by the organization
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    accepted_at: so.Mapped[datetime | None]

    organization: so.Mapped[Organization] = so.relationship()
    cohort: so.Mapped["Cohort | None"] = so.relationship()


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]

    organization: so.Mapped[Organization] = so.relationship()
