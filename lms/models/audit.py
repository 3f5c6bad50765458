"""Who did what to whom, and who looked up which certificate."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    subject_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    subject_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    target_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    details: so.Mapped[dict] = so.mapped_column(default=dict)
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    actor = so.relationship("User", foreign_keys=[actor_id])
    target_user = so.relationship("User", foreign_keys=[target_user_id])


class VerificationLog(Base):
    __tablename__ = "verification_logs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    found: so.Mapped[bool]
    method: so.Mapped[str] = so.mapped_column(sa.String(16))  # page | api | bulk | pdf | csv
    api_key_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("api_keys.id", ondelete="SET NULL"))
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(64))
