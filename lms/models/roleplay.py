"""Role-play scenarios, rubrics, trainee submissions and supervisors' grades."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.learning import CourseVersion, Enrolment, Module
    from lms.models.users import User


class SubmissionKind(enum.StrEnum):
    WRITTEN = "written"
    RECORDED = "recorded"
    LIVE = "live"


class SubmissionState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PASSED = "passed"
    RESUBMIT = "resubmit"


class GradeKind(enum.StrEnum):
    PRIMARY = "primary"  # the grade that counts
    SECOND = "second"  # blind second marking, for agreement
    CALIBRATION = "calibration"  # a supervisor's blind grade of a calibration sample
    CORRECTION = "correction"  # an audited correction of a released primary grade


class Rubric(Base):
    __tablename__ = "rubrics"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    criteria: so.Mapped[list] = so.mapped_column(default=list)  # [{id,title,minimum,safety_critical,gate,levels}]
    scoring_rule: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    course_version: so.Mapped["CourseVersion"] = so.relationship(back_populates="rubrics")


class Scenario(Base):
    __tablename__ = "scenarios"
    __table_args__ = (sa.UniqueConstraint("module_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    rubric_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rubrics.id", ondelete="CASCADE"))
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    setting: so.Mapped[str] = so.mapped_column(sa.String(20))
    persona: so.Mapped[dict] = so.mapped_column(default=dict)
    skills: so.Mapped[list] = so.mapped_column(default=list)
    criteria: so.Mapped[list] = so.mapped_column(default=list)  # scored criterion ids
    minimums: so.Mapped[dict] = so.mapped_column(default=dict)  # overrides of the rubric's minimums
    pass_mark: so.Mapped[int]
    turns: so.Mapped[list] = so.mapped_column(default=list)  # [{persona, hint}]
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    competencies: so.Mapped[list] = so.mapped_column(default=list)
    focal: so.Mapped[list] = so.mapped_column(default=list)
    brief: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # the trainee's only view of the situation
    # Supervisors and live raters only: never rendered on a trainee's page.
    actor_notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    rater_notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    branches: so.Mapped[list] = so.mapped_column(default=list)  # [{when, then}]

    module: so.Mapped["Module"] = so.relationship(back_populates="scenarios")
    rubric: so.Mapped[Rubric] = so.relationship()
    references: so.Mapped[list["ScenarioReference"]] = so.relationship(
        back_populates="scenario", order_by="ScenarioReference.position"
    )


class ScenarioReference(Base):
    """A reference transcript scored by the course authors: what supervisors calibrate against."""

    __tablename__ = "scenario_references"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)
    label: so.Mapped[str] = so.mapped_column(sa.String(200))
    replies: so.Mapped[list] = so.mapped_column(default=list)  # one per turn
    scores: so.Mapped[dict] = so.mapped_column(default=dict)  # {criterion: level}
    gates: so.Mapped[dict] = so.mapped_column(default=dict)  # {gate criterion: no_breach | breach}
    rationale: so.Mapped[dict] = so.mapped_column(default=dict)  # {criterion: text}
    decision: so.Mapped[str] = so.mapped_column(sa.String(16))  # pass | resubmit

    scenario: so.Mapped[Scenario] = so.relationship(back_populates="references")


class ReferenceRating(Base):
    """A supervisor's blind rating of a reference transcript, compared with the authors' scores afterwards."""

    __tablename__ = "reference_ratings"
    __table_args__ = (sa.UniqueConstraint("reference_id", "grader_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("scenario_references.id", ondelete="CASCADE"), index=True
    )
    grader_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    levels: so.Mapped[dict] = so.mapped_column(default=dict)
    gates: so.Mapped[dict] = so.mapped_column(default=dict)
    decision: so.Mapped[str] = so.mapped_column(sa.String(16))  # computed by the pass rule, never typed
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    reference: so.Mapped[ScenarioReference] = so.relationship()
    grader: so.Mapped["User"] = so.relationship()


class Submission(Base):
    """One attempt at a scenario. Every attempt is kept; a resubmission is a new attempt."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("trainee_id", "scenario_id", "attempt_no"),
        # One draft at a time per trainee and scenario, whatever a double-click does.
        sa.Index(
            "uq_submissions_one_draft",
            "trainee_id",
            "scenario_id",
            unique=True,
            sqlite_where=sa.text("state = 'draft'"),
            postgresql_where=sa.text("state = 'draft'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scenario_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    trainee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    attempt_no: so.Mapped[int] = so.mapped_column(default=1)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default=SubmissionKind.WRITTEN)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=SubmissionState.DRAFT, index=True)
    replies: so.Mapped[list] = so.mapped_column(default=list)  # the trainee's reply per turn
    recording_path: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    recording_mimetype: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    recording_size: so.Mapped[int | None]
    recording_deleted_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    graded_at: so.Mapped[datetime | None]
    second_marker_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_calibration: so.Mapped[bool] = so.mapped_column(default=False)

    scenario: so.Mapped[Scenario] = so.relationship()
    trainee: so.Mapped["User"] = so.relationship(foreign_keys=[trainee_id])
    enrolment: so.Mapped["Enrolment | None"] = so.relationship()
    grades: so.Mapped[list["Grade"]] = so.relationship(back_populates="submission", order_by="Grade.id")


class Grade(Base):
    __tablename__ = "grades"
    __table_args__ = (
        # One primary grade per submission: two supervisors saving at once cannot both win.
        sa.Index(
            "uq_grades_one_primary",
            "submission_id",
            unique=True,
            sqlite_where=sa.text("kind = 'primary'"),
            postgresql_where=sa.text("kind = 'primary'"),
        ),
        sa.Index(
            "uq_grades_one_blind_per_grader",
            "submission_id",
            "grader_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("kind IN ('second', 'calibration')"),
            postgresql_where=sa.text("kind IN ('second', 'calibration')"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    submission_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    grader_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default=GradeKind.PRIMARY)
    levels: so.Mapped[dict] = so.mapped_column(default=dict)  # {criterion_id: level 1..4}
    gates: so.Mapped[dict] = so.mapped_column(default=dict)  # {unscored gate criterion: no_breach | breach}
    comments: so.Mapped[dict] = so.mapped_column(default=dict)  # {criterion_id: text}
    feedback: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    total: so.Mapped[int]
    passed: so.Mapped[bool]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    released_at: so.Mapped[datetime | None]
    corrects_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("grades.id", ondelete="SET NULL"))

    submission: so.Mapped[Submission] = so.relationship(back_populates="grades")
    grader: so.Mapped["User | None"] = so.relationship(foreign_keys=[grader_id])
