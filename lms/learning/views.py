"""Catalog, course pages, enrolment, modules, lessons and knowledge checks (/courses)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required, signed_in
from lms.errors import DomainError
from lms.extensions import db
from lms.inputs import read_json
from lms.learning import exercises, links, services
from lms.learning.forms import (
    EnrolForm,
    ExerciseForm,
    ExerciseReviewForm,
    MarkReadForm,
    QuizForm,
    StartQuizForm,
    submitted_answers,
)
from lms.models import Course, CourseVersion, Enrolment, Module, QuizAttempt, Role

EXERCISE_AUTOSAVE_MAX_BYTES = 256 * 1024  # far above any answer the form allows

bp = Blueprint("learning", __name__)


@bp.app_template_global()
def learning_scenario_url(scenario):
    return links.scenario_url(scenario)


@bp.app_template_filter("learning_hours")
def hours_filter(value) -> str:
    """Hours as people write them: 40, 6, 1.5."""
    return format_decimal(value or 0, format="#,##0.##")


def _is_trainee() -> bool:
    return current_user.role == Role.TRAINEE


def _course_or_404(slug: str) -> Course:
    course = services.find_course(slug)
    if course is None:
        abort(404)
    return course


@dataclass
class Place:
    """A module as the current user may see it: a trainee's enrolled version, or a staff preview."""

    course: Course
    version: CourseVersion
    module: Module
    enrolment: Enrolment | None = None
    progress: services.CourseProgress | None = None
    module_progress: services.ModuleProgress | None = None

    @property
    def preview(self) -> bool:
        return self.enrolment is None


def _open_module(course_slug: str, module_slug: str) -> Place:
    """Load, then authorize: not enrolled or locked sends the trainee to the course page, saying why.

    The redirect is raised (`abort` with a response) so that every view can start with one line.
    """
    course = _course_or_404(course_slug)
    if _is_trainee():
        enrolment = services.find_enrolment(current_user, course)
        if enrolment is None:
            flash(_("Enrol in this course to open its modules."), "info")
            abort(redirect(url_for("learning.course", course_slug=course.slug)))
        progress = services.course_progress(enrolment)
        module = next((m for m in progress.version.modules if m.slug == module_slug), None)
        if module is None:
            abort(404)
        module_progress = progress.for_module(module)
        if module_progress.locked:
            previous = progress.previous_module(module)
            flash(
                _("“%(module)s” opens when you have passed “%(previous)s”.", module=module.title,
                  previous=previous.title if previous else ""),
                "warning",
            )
            abort(redirect(url_for("learning.course", course_slug=course.slug)))
        return Place(course, progress.version, module, enrolment, progress, module_progress)
    live = services.live_version(course)
    if live is None:
        abort(404)
    version = services.load_version(live.id)
    module = next((m for m in version.modules if m.slug == module_slug), None)
    if module is None:
        abort(404)
    return Place(course, version, module)


def _track(place: Place) -> None:
    if place.enrolment is not None:
        services.record_activity(place.enrolment, request.path)
        db.session.commit()


def _quiz_or_404(place: Place):
    if place.module.quiz is None:
        abort(404)
    return place.module.quiz


def _lesson_index_or_404(place: Place, lesson_slug: str) -> int:
    """Where the lesson stands in its module: its number and its neighbours follow from it."""
    index = next((i for i, item in enumerate(place.module.lessons) if item.slug == lesson_slug), None)
    if index is None:
        abort(404)
    return index


def _own_attempt_or_404(place: Place, quiz, attempt_id: int) -> QuizAttempt:
    """One of the trainee's own attempts at this quiz; anyone else's is not found."""
    attempt = services.get_attempt(attempt_id, place.enrolment, quiz)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("")
@signed_in
def catalog():
    versions = services.live_versions()
    enrolments = {}
    if _is_trainee():
        for enrolment in services.enrolments_of(current_user):
            enrolments[enrolment.course_id] = services.course_progress(enrolment)
    return render_template("learning/catalog.html", versions=versions, enrolments=enrolments)


@bp.get("/<course_slug>")
@signed_in
def course(course_slug: str):
    course = _course_or_404(course_slug)
    live = services.live_version(course)
    enrolment = services.find_enrolment(current_user, course) if _is_trainee() else None
    progress = services.course_progress(enrolment) if enrolment is not None else None
    if progress is not None:
        version = progress.version
    elif live is not None:
        version = services.load_version(live.id)
    else:
        abort(404)
    return render_template(
        "learning/course.html",
        course=course,
        version=version,
        live=live,
        enrolment=enrolment,
        progress=progress,
        requirements=services.certificate_requirements(version),
        hours=services.hour_breakdown(version),
        form=EnrolForm(),
        continue_url=links.continue_url(progress) if progress else None,
        next_url=links.step_url(course.slug, progress.next_step) if progress else None,
        next_label=links.next_step_label(progress.next_step) if progress else None,
    )


@bp.post("/<course_slug>/enrol")
@role_required(Role.TRAINEE)
def enrol(course_slug: str):
    course = _course_or_404(course_slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    already = services.find_enrolment(current_user, course) is not None
    try:
        services.self_enrol(current_user._get_current_object(), course)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("learning.course", course_slug=course.slug))
    db.session.commit()
    if already:
        flash(_("You are already enrolled in this course."), "info")
    else:
        flash(_("You are enrolled in %(title)s. Start with the first module below.", title=course.title), "success")
    return redirect(url_for("learning.course", course_slug=course.slug))


@bp.get("/<course_slug>/modules/<module_slug>")
@signed_in
def module(course_slug: str, module_slug: str):
    place = _open_module(course_slug, module_slug)
    _track(place)
    quiz = place.module.quiz
    attempts = services.submitted_attempts(place.enrolment, quiz) if place.enrolment and quiz else []
    states = services.scenario_states(place.enrolment, place.module) if place.enrolment else {}
    return render_template("learning/module.html", place=place, quiz=quiz, attempts=attempts, states=states)


@bp.get("/<course_slug>/modules/<module_slug>/lessons/<lesson_slug>")
@signed_in
def lesson(course_slug: str, module_slug: str, lesson_slug: str):
    place = _open_module(course_slug, module_slug)
    lessons = place.module.lessons
    index = _lesson_index_or_404(place, lesson_slug)
    _track(place)
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
    place = _open_module(course_slug, module_slug)
    lessons = place.module.lessons
    index = _lesson_index_or_404(place, lesson_slug)
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_lesson_read(place.enrolment, lessons[index])
    db.session.commit()
    if index + 1 < len(lessons):
        next_url = links.lesson_url(place.course.slug, place.module, lessons[index + 1])
    elif place.module.quiz is not None and not place.module_progress.quiz_passed:
        next_url = links.quiz_url(place.course.slug, place.module)
    else:
        next_url = links.module_url(place.course.slug, place.module)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(read=True, next=next_url)
    return redirect(next_url)


@bp.get("/<course_slug>/modules/<module_slug>/quiz")
@role_required(Role.TRAINEE)
def quiz(course_slug: str, module_slug: str):
    place = _open_module(course_slug, module_slug)
    quiz = _quiz_or_404(place)
    _track(place)
    return render_template(
        "learning/quiz.html",
        place=place,
        quiz=quiz,
        attempts=services.submitted_attempts(place.enrolment, quiz),
        current=services.open_attempt(place.enrolment, quiz),
        wait=services.retake_wait(place.enrolment, quiz),
        unread=[lesson for lesson in place.module.lessons if not place.module_progress.is_read(lesson)],
        form=StartQuizForm(),
    )


@bp.post("/<course_slug>/modules/<module_slug>/quiz")
@role_required(Role.TRAINEE)
def start_quiz(course_slug: str, module_slug: str):
    place = _open_module(course_slug, module_slug)
    quiz = _quiz_or_404(place)
    if not StartQuizForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(place.enrolment, quiz)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("learning.quiz", course_slug=course_slug, module_slug=module_slug))
    db.session.commit()
    return redirect(url_for("learning.attempt", course_slug=course_slug, module_slug=module_slug,
                            attempt_id=attempt.id))


@bp.get("/<course_slug>/modules/<module_slug>/quiz/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def attempt(course_slug: str, module_slug: str, attempt_id: int):
    place = _open_module(course_slug, module_slug)
    quiz = _quiz_or_404(place)
    attempt = _own_attempt_or_404(place, quiz, attempt_id)
    _track(place)
    if attempt.submitted_at is None:
        return _attempt_form(place, quiz, attempt)
    progress = services.course_progress(place.enrolment)
    return render_template(
        "learning/result.html",
        place=place,
        quiz=quiz,
        attempt=attempt,
        reviews=services.review(attempt),
        module_progress=progress.for_module(place.module),
        progress=progress,
        wait=services.retake_wait(place.enrolment, quiz),
        passed_before=any(a.passed for a in services.submitted_attempts(place.enrolment, quiz)),
        next_url=links.step_url(place.course.slug, progress.next_step),
        next_label=links.next_step_label(progress.next_step),
        form=StartQuizForm(),
    )


def _attempt_form(place: Place, quiz, attempt, chosen=None, missing=(), status: int = 200):
    questions = services.questions_for_form(attempt)
    return render_template(
        "learning/attempt.html",
        place=place,
        quiz=quiz,
        attempt=attempt,
        questions=questions,
        chosen=chosen or {},
        missing=set(missing),
        form=QuizForm(),
    ), status


@bp.post("/<course_slug>/modules/<module_slug>/quiz/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def submit_quiz(course_slug: str, module_slug: str, attempt_id: int):
    place = _open_module(course_slug, module_slug)
    quiz = _quiz_or_404(place)
    attempt = _own_attempt_or_404(place, quiz, attempt_id)
    result_url = url_for("learning.attempt", course_slug=course_slug, module_slug=module_slug, attempt_id=attempt.id)
    if not QuizForm().validate_on_submit():
        abort(400)
    try:
        services.submit_attempt(attempt, submitted_answers(request.form))
    except services.AlreadySubmitted as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(result_url)
    except services.IncompleteAnswers as error:
        db.session.rollback()
        flash(error.message, "error")
        return _attempt_form(place, quiz, attempt, chosen=error.answers, missing=error.question_ids, status=422)
    db.session.commit()
    if attempt.passed:
        flash(_("You passed the knowledge check with %(score)s%%.", score=attempt.score), "success")
    else:
        flash(_("You scored %(score)s%%; the pass mark is %(mark)s%%. Read the feedback below, then try again.",
                score=attempt.score, mark=quiz.pass_mark), "warning")
    return redirect(result_url)


# --- practice exercises ------------------------------------------------------------------------

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
    place = _open_module(course_slug, module_slug)
    exercise = _exercise_or_404(place, exercise_slug)
    _track(place)
    return _exercise_page(place, exercise, ExerciseForm())


@bp.post("/<course_slug>/modules/<module_slug>/exercises/<exercise_slug>")
@role_required(Role.TRAINEE)
def answer_exercise(course_slug: str, module_slug: str, exercise_slug: str):
    place = _open_module(course_slug, module_slug)
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
        flash(error.message, "error")
        return _exercise_page(place, exercise, form, status=error.status_code)
    db.session.commit()
    flash(_("Your answer is submitted and on your record.") if form.submit.data else _("Draft saved."), "success")
    return redirect(url_for("learning.exercise", course_slug=course_slug, module_slug=module_slug,
                            exercise_slug=exercise.slug))


@bp.post("/<course_slug>/modules/<module_slug>/exercises/<exercise_slug>/autosave")
@role_required(Role.TRAINEE)
def autosave_exercise(course_slug: str, module_slug: str, exercise_slug: str):
    """Save the draft as typed (JSON, for learning.js); the form's "Save draft" does the same without JS."""
    place = _open_module(course_slug, module_slug)
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
            flash(error.message, "error")
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


@bp.get("/<course_slug>/assets/<version>/<path:path>")
@signed_in
def asset(course_slug: str, version: str, path: str):
    """An image of a lesson, stored at sync: never read from `courses/` during a request."""
    course = _course_or_404(course_slug)
    found = services.find_asset(course, version, path)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
