"""Practice exercises: answering (with autosave), and supervisors' reviews of submitted answers."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required, signed_in
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import read_json
from lms.learning import enrolment as enrolments
from lms.learning import exercises
from lms.learning.blueprint import bp
from lms.learning.forms import ExerciseForm, ExerciseReviewForm
from lms.learning.place import Place, open_module
from lms.models import Role

EXERCISE_AUTOSAVE_MAX_BYTES = 256 * 1024  # far above any answer the form allows


def _exercise_or_404(place: Place, exercise_slug: str):
    exercise = next((e for e in place.module.exercises if e.slug == exercise_slug), None)
    if exercise is None:
        abort(404)
    return exercise


def _exercise_page(place: Place, exercise, form: ExerciseForm, status: int = 200):
    response = exercises.response_for(place.enrolment, exercise) if place.enrolment else None
    if response is not None and not form.answer.data and request.method == "GET":
        form.answer.data = response.text
    submitted = response is not None and response.submitted_at is not None
    return render_template("learning/exercise.html", place=place, exercise=exercise, form=form, response=response,
                           submitted=submitted, done=exercises.is_done(exercise, response)), status


@bp.get("/<course_slug>/modules/<module_slug>/exercises/<exercise_slug>")
@signed_in
def exercise(course_slug: str, module_slug: str, exercise_slug: str):
    place = open_module(course_slug, module_slug)
    exercise = _exercise_or_404(place, exercise_slug)
    return _exercise_page(place, exercise, ExerciseForm())


@bp.post("/<course_slug>/modules/<module_slug>/exercises/<exercise_slug>")
@role_required(Role.TRAINEE)
def answer_exercise(course_slug: str, module_slug: str, exercise_slug: str):
    place = open_module(course_slug, module_slug)
    exercise = _exercise_or_404(place, exercise_slug)
    form = ExerciseForm()
    if not form.validate_on_submit():
        return _exercise_page(place, exercise, form, status=400)
    try:
        if form.submit.data:
            exercises.submit_response(place.enrolment, exercise, form.answer.data)
        else:
            exercises.save_draft(place.enrolment, exercise, form.answer.data)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return _exercise_page(place, exercise, form, status=error.status_code)
    exercise_url = url_for("learning.exercise", course_slug=course_slug, module_slug=module_slug,
                           exercise_slug=exercise.slug)
    enrolments.record_activity(place.enrolment, exercise_url)  # POSTs record the place; views are throttled
    db.session.commit()
    flash(_("Your answer is submitted and on your record.") if form.submit.data else _("Draft saved."), "success")
    return redirect(exercise_url)


@bp.post("/<course_slug>/modules/<module_slug>/exercises/<exercise_slug>/autosave")
@role_required(Role.TRAINEE)
def autosave_exercise(course_slug: str, module_slug: str, exercise_slug: str):
    """Save the draft as typed (JSON, for learning.js); the form's "Save draft" does the same without JS."""
    place = open_module(course_slug, module_slug)
    exercise = _exercise_or_404(place, exercise_slug)
    try:
        payload = read_json(max_bytes=EXERCISE_AUTOSAVE_MAX_BYTES)
        if not isinstance(payload, dict) or not isinstance(payload.get("answer"), str):
            return jsonify(error="bad_request", message=_("Send the answer as text.")), 400
        response = exercises.save_draft(place.enrolment, exercise, payload["answer"])
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=type(error).__name__, message=error.message), error.status_code
    db.session.commit()
    return jsonify(saved=True, updated_at=response.updated_at.isoformat())


@bp.get("/reviews/exercises")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def exercise_reviews():
    """Submitted answers waiting for the supervisor's review (their cohorts' trainees, same organization)."""
    return render_template("learning/exercise_reviews.html",
                           responses=exercises.waiting_for_review(current_user._get_current_object()))


@bp.route("/reviews/exercises/<int:response_id>", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR, Role.ADMIN)
def review_exercise(response_id: int):
    response = exercises.get_response(response_id)
    if response is None or response.submitted_at is None:
        abort(404)
    user = current_user._get_current_object()
    if not exercises.may_review(user, response):
        abort(403)
    form = ExerciseReviewForm()
    status = 200
    if form.validate_on_submit():
        try:
            exercises.review_response(response, user, form.comment.data)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Review saved; the trainee sees your comment with their answer."), "success")
            return redirect(url_for("learning.exercise_reviews"))
    elif request.method == "POST":
        status = 400
    if request.method == "GET" and response.review_comment:
        form.comment.data = response.review_comment
    return render_template("learning/exercise_review.html", response=response, exercise=response.exercise,
                           form=form), status
