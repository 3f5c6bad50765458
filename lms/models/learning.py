"""Courses as loaded from `courses/`, enrolments and the trainee's progress."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.roleplay import Rubric, Scenario
    from lms.models.users import User


class Course(Base):
    """A course's stable identity; its content lives in versions."""

    __tablename__ = "courses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # certification | continuing-education
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    versions: so.Mapped[list["CourseVersion"]] = so.relationship(
        back_populates="course", order_by="CourseVersion.id"
    )


class CourseVersion(Base):
    __tablename__ = "course_versions"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "version"),
        sa.UniqueConstraint("course_id", "content_hash"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version: so.Mapped[str] = so.mapped_column(sa.String(32))
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    is_live: so.Mapped[bool] = so.mapped_column(default=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    hours: so.Mapped[float]
    ce_hours: so.Mapped[float] = so.mapped_column(default=0)
    enrolment: so.Mapped[str] = so.mapped_column(sa.String(20), default="open")
    competencies: so.Mapped[list] = so.mapped_column(default=list)  # [{id, title, framework}]
    certificate_rules: so.Mapped[dict | None]  # {validity_months, renewal_ce_hours, supervised_hours_required}
    feedback_targets: so.Mapped[dict] = so.mapped_column(default=dict)
    # Minutes by kind of activity, as the loader summed them: {reading, practice, live, exam}.
    hour_breakdown: so.Mapped[dict] = so.mapped_column(default=dict)
    exam: so.Mapped[dict | None]  # exam.yaml (issue 15): {title, pass_mark, time_limit_minutes, ...}
    ethics_code: so.Mapped[dict | None]  # ethics-code.md (issue 15): {title, version, source, html}
    # course.yaml `minimum_active_share` (issue 15): a module counts only with this share of its declared
    # minutes in active time; None (the default) leaves active time out of completion.
    minimum_active_share: so.Mapped[float | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    course: so.Mapped[Course] = so.relationship(back_populates="versions")
    modules: so.Mapped[list["Module"]] = so.relationship(
        back_populates="course_version", order_by="Module.position"
    )
    rubrics: so.Mapped[list["Rubric"]] = so.relationship(back_populates="course_version")

    @property
    def grants_certificate(self) -> bool:
        return self.certificate_rules is not None


class Module(Base):
    __tablename__ = "modules"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    competencies: so.Mapped[list] = so.mapped_column(default=list)
    live_minutes: so.Mapped[int] = so.mapped_column(default=0)
    live_topics: so.Mapped[list] = so.mapped_column(default=list)

    course_version: so.Mapped[CourseVersion] = so.relationship(back_populates="modules")
    lessons: so.Mapped[list["Lesson"]] = so.relationship(back_populates="module", order_by="Lesson.position")
    exercises: so.Mapped[list["Exercise"]] = so.relationship(
        back_populates="module", order_by="Exercise.position"
    )
    quiz: so.Mapped["Quiz | None"] = so.relationship(back_populates="module")
    scenarios: so.Mapped[list["Scenario"]] = so.relationship(
        back_populates="module", order_by="Scenario.position"
    )


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (sa.UniqueConstraint("module_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    minutes: so.Mapped[int] = so.mapped_column(default=10)
    html: so.Mapped[str] = so.mapped_column(sa.Text)  # rendered and sanitised at sync
    word_count: so.Mapped[int] = so.mapped_column(default=0)

    module: so.Mapped[Module] = so.relationship(back_populates="lessons")


class Quiz(Base):
    __tablename__ = "quizzes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), unique=True
    )
    pass_mark: so.Mapped[int] = so.mapped_column(default=80)
    cooldown_minutes: so.Mapped[int] = so.mapped_column(default=0)
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    # Full questions with correct flags and feedback: server side only, never sent before submission.
    questions: so.Mapped[list] = so.mapped_column(default=list)

    module: so.Mapped[Module] = so.relationship(back_populates="quiz")


class Exercise(Base):
    """A practice exercise: a short written task whose model answer is shown only after the trainee submits."""

    __tablename__ = "exercises"
    __table_args__ = (sa.UniqueConstraint("module_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    competencies: so.Mapped[list] = so.mapped_column(default=list)
    review: so.Mapped[str] = so.mapped_column(sa.String(16), default="none")  # none | optional | required
    prompt_html: so.Mapped[str] = so.mapped_column(sa.Text)
    material_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Shown only after the trainee has submitted: views never render these before.
    model_answer_html: so.Mapped[str] = so.mapped_column(sa.Text)
    reasons: so.Mapped[list] = so.mapped_column(default=list)  # short paragraphs (plain text)

    module: so.Mapped[Module] = so.relationship(back_populates="exercises")


class ExerciseResponse(Base):
    """A trainee's answer to an exercise: a draft until submitted, then on their record."""

    __tablename__ = "exercise_responses"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "exercise_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    exercise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    reviewed_at: so.Mapped[datetime | None]
    reviewer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    review_comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    enrolment: so.Mapped["Enrolment"] = so.relationship()
    exercise: so.Mapped[Exercise] = so.relationship()
    reviewer: so.Mapped["User | None"] = so.relationship(foreign_keys=[reviewer_id])


class ExamItem(Base):
    """One item of the summative exam pool (a module's exam-items.yaml); never shown in the module's quiz."""

    __tablename__ = "exam_items"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "item_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Translated prose by language, {"es": {field: value}}: see lms/learning/sync_translations.py.
    translations: so.Mapped[dict] = so.mapped_column(default=dict, server_default="{}")
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    item_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    competency: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    question: so.Mapped[dict] = so.mapped_column(default=dict)  # same shape as Quiz.questions items

    course_version: so.Mapped[CourseVersion] = so.relationship()
    module: so.Mapped[Module] = so.relationship()


class CourseAsset(Base):
    """An image from a course folder, stored at sync so requests never read `courses/`."""

    __tablename__ = "course_assets"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "path"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    path: so.Mapped[str] = so.mapped_column(sa.String(300))
    mimetype: so.Mapped[str] = so.mapped_column(sa.String(80))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    course_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    enrolled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_activity_at: so.Mapped[datetime | None]
    last_url: so.Mapped[str | None] = so.mapped_column(sa.String(300))  # "continue where you left off"
    completed_at: so.Mapped[datetime | None]

    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])
    course: so.Mapped[Course] = so.relationship()
    course_version: so.Mapped[CourseVersion] = so.relationship()


class LessonProgress(Base):
    __tablename__ = "lesson_progress"

    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    read_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        # At most one unsubmitted attempt per trainee and quiz: a double-click cannot open two.
        sa.Index(
            "uq_quiz_attempts_open",
            "enrolment_id",
            "quiz_id",
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    quiz_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    layout: so.Mapped[list] = so.mapped_column(default=list)  # [{question, options: [ids in shown order]}]
    answers: so.Mapped[dict] = so.mapped_column(default=dict)  # {question_id: [option ids]}
    score: so.Mapped[int | None]  # percent
    passed: so.Mapped[bool | None]

    enrolment: so.Mapped[Enrolment] = so.relationship()
    quiz: so.Mapped[Quiz] = so.relationship()


class ModuleCompletion(Base):
    __tablename__ = "module_completions"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "module_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    module_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    passed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
