"""URLs of the learning path, for learning's views and the dashboard (needs a request context)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from lms.learning.standing import CourseProgress, NextStep


def module_url(course_slug: str, module) -> str:
    return url_for("learning.module", course_slug=course_slug, module_slug=module.slug)


def lesson_url(course_slug: str, module, lesson) -> str:
    return url_for("learning.lesson", course_slug=course_slug, module_slug=module.slug, lesson_slug=lesson.slug)


def quiz_url(course_slug: str, module) -> str:
    return url_for("learning.quiz", course_slug=course_slug, module_slug=module.slug)


def scenario_url(scenario) -> str | None:
    """The role-play page of a scenario, when the role-play feature provides one."""
    if "roleplay.scenario" not in current_app.view_functions:
        return None
    try:
        return url_for("roleplay.scenario", scenario_id=scenario.id)
    except BuildError:
        return None


def step_url(course_slug: str, step: NextStep | None) -> str:
    if step is None:
        return url_for("learning.course", course_slug=course_slug)
    if step.kind == "lesson" and step.lesson is not None:
        return lesson_url(course_slug, step.module, step.lesson)
    if step.kind == "quiz":
        return quiz_url(course_slug, step.module)
    if step.kind == "exercise" and step.exercise is not None:
        return url_for("learning.exercise", course_slug=course_slug, module_slug=step.module.slug,
                       exercise_slug=step.exercise.slug)
    if step.kind == "scenario" and step.scenario is not None:
        return scenario_url(step.scenario) or module_url(course_slug, step.module)
    return module_url(course_slug, step.module)


def continue_url(progress: CourseProgress) -> str:
    """Where the trainee left off, or else the next thing to do."""
    last = progress.enrolment.last_url
    if last and last.startswith("/") and not last.startswith("//"):
        return last
    return step_url(progress.version.course.slug, progress.next_step)


def describe(progress: CourseProgress, path: str | None) -> str | None:
    """A short description of a page of the course ("Lesson: OARS"), from its path."""
    if not path:
        return None
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    module = next((m.module for m in progress.modules if m.module.slug == args.get("module_slug")), None)
    if endpoint == "learning.course":
        return _("Course overview")
    if module is None:
        return None
    if endpoint == "learning.lesson":
        lesson = next((lesson for lesson in module.lessons if lesson.slug == args.get("lesson_slug")), None)
        if lesson is not None:
            return _("Lesson: %(lesson)s (%(module)s)", lesson=lesson.title, module=module.title)
    if endpoint in {"learning.quiz", "learning.attempt"}:
        return _("Knowledge check: %(module)s", module=module.title)
    if endpoint == "learning.exercise":
        exercise = next((e for e in module.exercises if e.slug == args.get("exercise_slug")), None)
        if exercise is not None:
            return _("Exercise: %(title)s (%(module)s)", title=exercise.title, module=module.title)
    return _("Module: %(module)s", module=module.title)


def next_step_label(step: NextStep | None) -> str | None:
    if step is None:
        return None
    if step.kind == "lesson" and step.lesson is not None:
        return _("Lesson: %(lesson)s (%(module)s)", lesson=step.lesson.title, module=step.module.title)
    if step.kind == "quiz":
        return _("Knowledge check: %(module)s", module=step.module.title)
    if step.kind == "exercise" and step.exercise is not None:
        return _("Exercise: %(title)s (%(module)s)", title=step.exercise.title, module=step.module.title)
    if step.kind == "scenario" and step.scenario is not None:
        return _("Role-play: %(title)s (%(module)s)", title=step.scenario.title, module=step.module.title)
    return _("Module: %(module)s", module=step.module.title)
