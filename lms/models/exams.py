"""The summative certification exam (issue 15): sittings, attempts with their drawn form, and accommodations.

The item pool is `ExamItem` (in `learning`, stored at sync); the exam's rules are `CourseVersion.exam`.
"""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.learning import CourseVersion, Enrolment, ExamItem
    from lms.models.orgs import Cohort
    from lms.models.users import User


class ExamSitting(Base):
    """A window in which a cohort's trainees may start the exam, opened by a supervisor."""

    __tablename__ = "exam_sittings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    opens_at: so.Mapped[datetime]
    closes_at: so.Mapped[datetime]
    access_code_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))  # never the code itself
    proctored: so.Mapped[bool] = so.mapped_column(default=False)
    proctor_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    cohort: so.Mapped["Cohort"] = so.relationship()
    course_version: so.Mapped["CourseVersion"] = so.relationship()
    created_by: so.Mapped["User | None"] = so.relationship()

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class ExamAttempt(Base):
    __tablename__ = "exam_attempts"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "number"),
        # At most one unsubmitted attempt per enrolment: a double click or a second tab gets the same one.
        sa.Index(
            "uq_exam_attempts_open",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    sitting_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exam_sittings.id", ondelete="SET NULL"), index=True
    )
    number: so.Mapped[int]  # 1, 2, ... over every attempt of the enrolment (voided ones included)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    deadline_at: so.Mapped[datetime]  # the server's clock, accommodation included
    submitted_at: so.Mapped[datetime | None]
    auto_submitted: so.Mapped[bool] = so.mapped_column(default=False)
    score: so.Mapped[int | None]  # percent, rounded down
    passed: so.Mapped[bool | None]
    voided_at: so.Mapped[datetime | None]
    voided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    time_multiplier: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(4, 2), default=Decimal("1"))

    enrolment: so.Mapped["Enrolment"] = so.relationship()
    course_version: so.Mapped["CourseVersion"] = so.relationship()
    sitting: so.Mapped["ExamSitting | None"] = so.relationship()
    voided_by: so.Mapped["User | None"] = so.relationship()
    answers: so.Mapped[list["ExamAnswer"]] = so.relationship(
        back_populates="attempt", order_by="ExamAnswer.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    def time_ran_out(self, now: datetime) -> bool:
        """Open past its deadline: the next POST (or the worker's recovery) submits it as of the deadline."""
        return self.submitted_at is None and now >= self.deadline_at

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class ExamAnswer(Base):
    """One drawn item of an attempt: where it stands, its options as shown, and the trainee's choice."""

    __tablename__ = "exam_answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "exam_item_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exam_attempts.id", ondelete="CASCADE"), index=True)
    exam_item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exam_items.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    option_order: so.Mapped[list] = so.mapped_column(default=list)  # option ids in the order shown
    selected: so.Mapped[list] = so.mapped_column(default=list)  # option ids chosen
    is_correct: so.Mapped[bool | None]  # set at submission
    saved_at: so.Mapped[datetime | None]

    attempt: so.Mapped[ExamAttempt] = so.relationship(back_populates="answers")
    exam_item: so.Mapped["ExamItem"] = so.relationship()


class ExamAccommodation(Base):
    """Extra time granted to a trainee (1.5 = half as long again), applied from their next attempt."""

    __tablename__ = "exam_accommodations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    time_multiplier: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(4, 2))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    granted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    enrolment: so.Mapped["Enrolment"] = so.relationship()
    granted_by: so.Mapped["User | None"] = so.relationship()
