"""Where a learning page stands: the course, the version and module the current user may see,
loaded first and then authorized, so that every view starts with one line."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.learning import catalog, outline, quizzes, standing
from lms.models import Course, CourseVersion, Enrolment, Module, QuizAttempt, Role


def is_trainee() -> bool:
    return current_user.role == Role.TRAINEE


def course_or_404(slug: str) -> Course:
    course = catalog.find_course(slug)
    if course is None:
        abort(404)
    return course


def entry_or_404(slug: str) -> outline.CourseEntry:
    """The course with its live version and, for a trainee, their enrolment (one statement)."""
    entry = outline.course_entry(slug, current_user.id if is_trainee() else None)
    if entry is None:
        abort(404)
    return entry


@dataclass
class Place:
    """A module as the current user may see it: a trainee's enrolled version, or a staff preview."""

    course: Course
    version: CourseVersion
    module: Module
    enrolment: Enrolment | None = None
    progress: standing.CourseProgress | None = None
    module_progress: standing.ModuleProgress | None = None

    @property
    def preview(self) -> bool:
        return self.enrolment is None


def _version(entry: outline.CourseEntry, *, lean: bool) -> CourseVersion:
    version = entry.version
    if version is None:
        abort(404)
    return outline.outline(version) if lean else catalog.load_version(version.id)


def _module_or_404(version: CourseVersion, module_slug: str) -> Module:
    module = next((m for m in version.modules if m.slug == module_slug), None)
    if module is None:
        abort(404)
    return module


def open_module(course_slug: str, module_slug: str, *, lean: bool = False) -> Place:
    """Load, then authorize: not enrolled or locked sends the trainee to the course page, saying why.

    The redirect is raised (`abort` with a response). `lean` reads the version from memory
    (lesson pages: nothing of the page's content is written or lazily loaded there).
    """
    entry = entry_or_404(course_slug)
    course = entry.course
    if not is_trainee():
        version = _version(entry, lean=lean)
        return Place(course, version, _module_or_404(version, module_slug))
    if entry.enrolment is None:
        flash(_("Enrol in this course to open its modules."), "info")
        abort(redirect(url_for("learning.course", course_slug=course.slug)))
    version = _version(entry, lean=lean)
    module = _module_or_404(version, module_slug)
    progress = standing.course_progress(entry.enrolment, version)
    module_progress = progress.for_module(module)
    if module_progress.locked:
        previous = progress.previous_module(module)
        flash(
            _("“%(module)s” opens when you have passed “%(previous)s”.", module=module.title,
              previous=previous.title if previous else ""),
            "warning",
        )
        abort(redirect(url_for("learning.course", course_slug=course.slug)))
    return Place(course, version, module, entry.enrolment, progress, module_progress)


def quiz_or_404(place: Place):
    if place.module.quiz is None:
        abort(404)
    return place.module.quiz


def lesson_index_or_404(place: Place, lesson_slug: str) -> int:
    """Where the lesson stands in its module: its number and its neighbours follow from it."""
    index = next((i for i, item in enumerate(place.module.lessons) if item.slug == lesson_slug), None)
    if index is None:
        abort(404)
    return index


def own_attempt_or_404(place: Place, quiz, attempt_id: int) -> QuizAttempt:
    """One of the trainee's own attempts at this quiz; anyone else's is not found."""
    attempt = quizzes.get_attempt(attempt_id, place.enrolment, quiz)
    if attempt is None:
        abort(404)
    return attempt
