"""xAPI: an organization's learning record store, and the outbox of statements waiting to be sent to it."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.orgs import Organization


class StatementState(enum.StrEnum):
    PENDING = "pending"  # waiting for its first send, or for the next retry (`next_attempt_at`)
    SENT = "sent"  # the LRS accepted it
    FAILED = "failed"  # retried `MAX_ATTEMPTS` times; waits for someone to press "Retry"


class XapiSettings(Base):
    """One organization's LRS. The secret is stored encrypted (`lms.secret_box`), never in clear."""

    __tablename__ = "xapi_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    enabled: so.Mapped[bool] = so.mapped_column(default=False)
    endpoint: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    key: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    secret_sealed: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Opt-in: actors as `mbox` (their e-mail). Otherwise an account on our site with an opaque name.
    identify_by_email: so.Mapped[bool] = so.mapped_column(default=False)
    # Random, made once: the opaque actor names are derived from it (stable, unlinkable across organizations).
    actor_salt: so.Mapped[str] = so.mapped_column(sa.String(64))
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    organization: so.Mapped["Organization"] = so.relationship()


class XapiStatement(Base):
    """One statement in the outbox: written in the transaction of the event it reports, sent by a job.

    `statement_id` is made once, with the row, and is in `payload`: a retry sends the same statement, so an
    LRS that already has it keeps one copy. `event_key` names the event (`quiz-attempt:12:passed`): the same
    event is never queued twice for an organization.
    """

    __tablename__ = "xapi_statements"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "event_key"),
        sa.Index("ix_xapi_statements_due", "state", "next_attempt_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    statement_id: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True)
    event_key: so.Mapped[str] = so.mapped_column(sa.String(120))
    verb: so.Mapped[str] = so.mapped_column(sa.String(40))  # short name, for the log page
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    payload: so.Mapped[dict] = so.mapped_column(default=dict)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=StatementState.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    last_attempt_at: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
