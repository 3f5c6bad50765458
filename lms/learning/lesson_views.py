"""A module's page, its lessons, and marking a lesson as read."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request

from lms.auth.permissions import role_required, signed_in
from lms.extensions import db
from lms.learning import completion, links, quizzes, standing
from lms.learning import enrolment as enrolments
from lms.learning.blueprint import bp
from lms.learning.forms import MarkReadForm
from lms.learning.place import lesson_index_or_404, open_module
from lms.models import Role


@bp.get("/<course_slug>/modules/<module_slug>")
@signed_in
def module(course_slug: str, module_slug: str):
    place = open_module(course_slug, module_slug)
    quiz = place.module.quiz
    attempts = quizzes.submitted_attempts(place.enrolment, quiz) if place.enrolment and quiz else []
    states = standing.scenario_states(place.enrolment, place.module) if place.enrolment else {}
    return render_template("learning/module.html", place=place, quiz=quiz, attempts=attempts, states=states)


@bp.get("/<course_slug>/modules/<module_slug>/lessons/<lesson_slug>")
@signed_in
def lesson(course_slug: str, module_slug: str, lesson_slug: str):
    place = open_module(course_slug, module_slug, lean=True)
    lessons = place.module.lessons
    index = lesson_index_or_404(place, lesson_slug)
    return render_template(
        "learning/lesson.html",
        place=place,
        lesson=lessons[index],
        number=index + 1,
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        read=place.module_progress.is_read(lessons[index]) if place.module_progress else False,
        form=MarkReadForm(),
    )


@bp.post("/<course_slug>/modules/<module_slug>/lessons/<lesson_slug>/read")
@role_required(Role.TRAINEE)
def mark_read(course_slug: str, module_slug: str, lesson_slug: str):
    place = open_module(course_slug, module_slug)
    lessons = place.module.lessons
    index = lesson_index_or_404(place, lesson_slug)
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    completion.mark_lesson_read(place.enrolment, lessons[index])
    if index + 1 < len(lessons):
        next_url = links.lesson_url(place.course.slug, place.module, lessons[index + 1])
    elif place.module.quiz is not None and not place.module_progress.quiz_passed:
        next_url = links.quiz_url(place.course.slug, place.module)
    else:
        next_url = links.module_url(place.course.slug, place.module)
    # The POST records where the trainee goes next, so "Continue" is right although views are throttled.
    enrolments.record_activity(place.enrolment, next_url)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(read=True, next=next_url)
    return redirect(next_url)
