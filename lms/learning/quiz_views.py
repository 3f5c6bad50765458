"""Knowledge checks: the quiz page, starting an attempt, answering it, and its result."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.auth.permissions import role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.learning import enrolment as enrolments
from lms.learning import links, quizzes, standing
from lms.learning.blueprint import bp
from lms.learning.forms import QuizForm, StartQuizForm, submitted_answers
from lms.learning.place import Place, open_module, own_attempt_or_404, quiz_or_404
from lms.models import Role


@bp.get("/<course_slug>/modules/<module_slug>/quiz")
@role_required(Role.TRAINEE)
def quiz(course_slug: str, module_slug: str):
    place = open_module(course_slug, module_slug)
    quiz = quiz_or_404(place)
    return render_template(
        "learning/quiz.html",
        place=place,
        quiz=quiz,
        attempts=quizzes.submitted_attempts(place.enrolment, quiz),
        current=quizzes.open_attempt(place.enrolment, quiz),
        wait=quizzes.retake_wait(place.enrolment, quiz),
        unread=[lesson for lesson in place.module.lessons if not place.module_progress.is_read(lesson)],
        form=StartQuizForm(),
    )


@bp.post("/<course_slug>/modules/<module_slug>/quiz")
@role_required(Role.TRAINEE)
def start_quiz(course_slug: str, module_slug: str):
    place = open_module(course_slug, module_slug)
    quiz = quiz_or_404(place)
    form = StartQuizForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        attempt = quizzes.start_attempt(place.enrolment, quiz)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return redirect(url_for("learning.quiz", course_slug=course_slug, module_slug=module_slug))
    attempt_url = url_for("learning.attempt", course_slug=course_slug, module_slug=module_slug,
                          attempt_id=attempt.id)
    enrolments.record_activity(place.enrolment, attempt_url)  # POSTs record the place; views are throttled
    db.session.commit()
    return redirect(attempt_url)


@bp.get("/<course_slug>/modules/<module_slug>/quiz/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def attempt(course_slug: str, module_slug: str, attempt_id: int):
    place = open_module(course_slug, module_slug)
    quiz = quiz_or_404(place)
    attempt = own_attempt_or_404(place, quiz, attempt_id)
    if attempt.submitted_at is None:
        return _attempt_form(place, quiz, attempt)
    progress = standing.course_progress(place.enrolment, place.version)
    return render_template(
        "learning/result.html",
        place=place,
        quiz=quiz,
        attempt=attempt,
        reviews=quizzes.review(attempt),
        module_progress=progress.for_module(place.module),
        progress=progress,
        wait=quizzes.retake_wait(place.enrolment, quiz),
        passed_before=any(a.passed for a in quizzes.submitted_attempts(place.enrolment, quiz)),
        next_url=links.step_url(place.course.slug, progress.next_step),
        next_label=links.next_step_label(progress.next_step),
        form=StartQuizForm(),
    )


def _attempt_form(place: Place, quiz, attempt, chosen=None, missing=(), status: int = 200):
    return render_template(
        "learning/attempt.html",
        place=place,
        quiz=quiz,
        attempt=attempt,
        questions=quizzes.questions_for_form(attempt),
        chosen=chosen or {},
        missing=set(missing),
        form=QuizForm(),
    ), status


@bp.post("/<course_slug>/modules/<module_slug>/quiz/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def submit_quiz(course_slug: str, module_slug: str, attempt_id: int):
    place = open_module(course_slug, module_slug)
    quiz = quiz_or_404(place)
    attempt = own_attempt_or_404(place, quiz, attempt_id)
    result_url = url_for("learning.attempt", course_slug=course_slug, module_slug=module_slug, attempt_id=attempt.id)
    form = QuizForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        quizzes.submit_attempt(attempt, submitted_answers(request.form))
    except quizzes.AlreadySubmitted as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(result_url)
    except quizzes.IncompleteAnswers as error:
        db.session.rollback()
        show_refusal(form, error)
        return _attempt_form(place, quiz, attempt, chosen=error.answers, missing=error.question_ids, status=422)
    enrolments.record_activity(place.enrolment, result_url)
    db.session.commit()
    if attempt.passed:
        flash(_("You passed the knowledge check with %(score)s%%.", score=attempt.score), "success")
    else:
        flash(_("You scored %(score)s%%; the pass mark is %(mark)s%%. Read the feedback below, then try again.",
                score=attempt.score, mark=quiz.pass_mark), "warning")
    return redirect(result_url)
