"""Active time: the seconds a trainee spent on a self-paced activity with the page in view and in use."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow


class ActivityKind(enum.StrEnum):
    LESSON = "lesson"
    EXERCISE = "exercise"
    QUIZ = "quiz"
    SCENARIO = "scenario"


class ActiveTime(Base):
    """One row per enrolment and activity; `seconds` only grows, and never past twice the declared minutes."""

    __tablename__ = "active_time"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "activity_kind", "activity_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    activity_kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    activity_id: so.Mapped[int]
    # The activity's module, kept here so a record sums time per module in one grouped query.
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    seconds: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)  # the last beacon counted
