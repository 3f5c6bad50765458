"""Live sessions a program runs for a cohort, who attended them, and approved make-ups."""

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.learning import Course, Module
    from lms.models.orgs import Cohort
    from lms.models.users import User


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"
    EXCUSED = "excused"


class LiveSession(Base):
    """One session held in a room or on video for a cohort, counting toward one course's live hours."""

    __tablename__ = "live_sessions"
    __table_args__ = (sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="SET NULL"))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    topic: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(index=True)
    duration_minutes: so.Mapped[int]
    place: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    video_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    cohort: so.Mapped["Cohort"] = so.relationship()
    course: so.Mapped["Course"] = so.relationship()
    module: so.Mapped["Module | None"] = so.relationship()
    attendance: so.Mapped[list["Attendance"]] = so.relationship(back_populates="session")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Attendance(Base):
    """A trainee's attendance at one session; `minutes` is what counts toward live hours."""

    __tablename__ = "live_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "user_id"),
                      sa.CheckConstraint("minutes >= 0", name="minutes_not_negative"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16))
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    session: so.Mapped[LiveSession] = so.relationship(back_populates="attendance")
    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])


class LiveMakeUp(Base):
    """Live minutes a supervisor approved as made up (a recording watched and discussed, a one-to-one)."""

    __tablename__ = "live_make_ups"
    __table_args__ = (sa.CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    minutes: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])
    approved_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[approved_by_id])
