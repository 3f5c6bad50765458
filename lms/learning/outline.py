"""Lean loading for the pages people open most (the course page, a lesson): the course, its live
version and the trainee's enrolment in one statement, the version's outline in one more.

Content is rendered at sync, so a page only reads it. The outline leaves out what these pages never
show (lessons' HTML but the one being read, quiz questions unless asked for, exercise and scenario
texts); the other learning pages load the full version with `catalog.load_version`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.attributes import set_committed_value

from lms.extensions import db
from lms.models import Course, CourseVersion, Enrolment, Exercise, Lesson, Module, Quiz, Scenario


@dataclass(frozen=True)
class CourseEntry:
    """A course as one person reaches it: its live version, and their enrolment if they have one."""

    course: Course
    live: CourseVersion | None
    enrolment: Enrolment | None
    enrolled_version: CourseVersion | None

    @property
    def version(self) -> CourseVersion | None:
        """The version the person works in: the one they enrolled in, else the live one."""
        return self.enrolled_version or self.live


def course_entry(slug: str, user_id: int | None) -> CourseEntry | None:
    """The course by slug with its live version and the user's enrolment, in one statement.

    `user_id` None (staff) looks for no enrolment.
    """
    live = so.aliased(CourseVersion, name="live")
    mine = so.aliased(CourseVersion, name="mine")
    row = db.session.execute(
        sa.select(Course, live, Enrolment, mine)
        .outerjoin(live, sa.and_(live.course_id == Course.id, live.is_live.is_(True)))
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .outerjoin(mine, mine.id == Enrolment.course_version_id)
        .where(Course.slug == slug)
        .order_by(live.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    course, live_version, enrolment, enrolled = row
    return CourseEntry(course, live_version, enrolment, enrolled)


def load_outline(version: CourseVersion, *, questions: bool = False) -> CourseVersion:
    """Fill `version.modules` with lessons, quiz, exercises and scenarios in one statement.

    The joined rows multiply per module (lessons x exercises x scenarios), so every joined entity
    carries only the columns the lean pages read. `questions=True` adds the quizzes' questions
    (the course page counts them) in a second statement.
    """
    quiz = so.selectinload(Module.quiz) if questions else so.joinedload(Module.quiz).defer(Quiz.questions)
    modules = db.session.scalars(
        sa.select(Module)
        .where(Module.course_version_id == version.id)
        .order_by(Module.position)
        .options(
            so.joinedload(Module.lessons).defer(Lesson.html),
            quiz,
            so.joinedload(Module.exercises).load_only(
                Exercise.slug, Exercise.position, Exercise.title, Exercise.minutes, Exercise.review
            ),
            so.joinedload(Module.scenarios).load_only(
                Scenario.slug, Scenario.position, Scenario.title, Scenario.minutes
            ),
        )
    ).unique().all()
    set_committed_value(version, "modules", list(modules))
    return version


def load_lesson_html(lesson: Lesson) -> Lesson:
    """The one lesson's rendered HTML (the outline leaves it out)."""
    html = db.session.scalar(sa.select(Lesson.html).where(Lesson.id == lesson.id))
    set_committed_value(lesson, "html", html)
    return lesson
