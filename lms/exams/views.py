"""The exam for trainees (/exams): their exams, the overview of one, taking it, the result.

An attempt past its deadline is submitted by whichever request touches it next, a GET included: that is
the deadline closing it, not the request (the guarded update makes it happen once), so the page a trainee
reloads after time is up shows the result it already had.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.errors import DomainError, InvalidInput
from lms.exams import attempts, rules, sittings
from lms.exams.forms import ActionForm, ExamForm, StartExamForm, posted_answers
from lms.exams.requirements import exam_requirement
from lms.extensions import db, limiter
from lms.forms import show_refusal
from lms.inputs import MAX_INT, read_json
from lms.learning import services as learning
from lms.models import Enrolment, Role, utcnow
from lms.requirements import Requirement

bp = Blueprint("exams", __name__)

AUTOSAVE_MAX_BYTES = 4 * 1024  # one item's choices


def _enrolment(course_slug: str) -> Enrolment:
    """Load, then authorize: the signed-in trainee's own enrolment in a course that has an exam."""
    course = learning.find_course(course_slug)
    if course is None:
        abort(404)
    enrolment = learning.find_enrolment(current_user, course)
    if enrolment is None:
        flash(_("Enrol in this course to take its exam."), "info")
        abort(redirect(url_for("learning.course", course_slug=course.slug)))
    if not enrolment.course_version.exam:
        abort(404)
    return enrolment


def _attempt(enrolment: Enrolment, attempt_id: int):
    try:
        return attempts.get_attempt(enrolment, attempt_id)
    except DomainError:
        abort(404)


def _attempt_url(enrolment: Enrolment, attempt) -> str:
    return url_for("exams.attempt", course_slug=enrolment.course.slug, attempt_id=attempt.id)


@bp.get("")
@role_required(Role.TRAINEE)
def index():
    rows: list[tuple[Enrolment, Requirement]] = []
    for enrolment in learning.enrolments_of(current_user):
        requirement = exam_requirement(enrolment)
        if requirement is not None:
            rows.append((enrolment, requirement))
    return render_template("exams/index.html", rows=rows)


@bp.get("/courses/<course_slug>")
@role_required(Role.TRAINEE)
def overview(course_slug: str):
    enrolment = _enrolment(course_slug)
    now = utcnow()
    current = attempts.open_attempt(enrolment)
    history = attempts.attempts_of(enrolment)
    exam = enrolment.course_version.exam
    refusal = attempts.refusal(attempts.start_rule(enrolment, history, now), exam)
    sitting = sittings.current_sitting(enrolment, now)
    multiplier = attempts.time_multiplier(enrolment)
    return render_template(
        "exams/overview.html", enrolment=enrolment, exam=exam, attempts=history, current=current,
        refusal=refusal, sitting=sitting, upcoming=None if sitting else sittings.next_sitting(enrolment, now),
        multiplier=multiplier,
        minutes=round((rules.deadline(now, exam["time_limit_minutes"], multiplier) - now).total_seconds() / 60),
        items=sum(exam["blueprint"].values()), form=StartExamForm(), close_form=ActionForm(),
        time_ran_out=current is not None and current.time_ran_out(now), now=now,
    )


def _access_code_key() -> str:
    return f"exam-access-code:{current_user.get_id()}"


def _access_code_refused(response) -> bool:
    return bool(g.get("access_code_refused"))


@bp.post("/courses/<course_slug>/start")
@role_required(Role.TRAINEE)
# Per person, counting wrong codes only: a sitting's code is short, so guessing it must be slow.
@limiter.limit("5 per 15 minutes", key_func=_access_code_key, deduct_when=_access_code_refused)
def start(course_slug: str):
    enrolment = _enrolment(course_slug)
    form = StartExamForm()
    if form.validate_on_submit():
        try:
            attempt = attempts.start_attempt(enrolment, access_code=form.access_code.data or "")
        except DomainError as error:
            db.session.rollback()
            g.access_code_refused = getattr(error, "field", None) == "access_code"
            show_refusal(None, error)
        else:
            db.session.commit()
            return redirect(_attempt_url(enrolment, attempt))
    else:
        flash(_("The form expired; start the exam again."), "error")
    return redirect(url_for("exams.overview", course_slug=course_slug))


@bp.get("/courses/<course_slug>/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def attempt(course_slug: str, attempt_id: int):
    enrolment = _enrolment(course_slug)
    current = _attempt(enrolment, attempt_id)
    now = utcnow()
    if current.time_ran_out(now):
        return render_template("exams/time_up.html", enrolment=enrolment, attempt=current, form=ActionForm(),
                               exam=enrolment.course_version.exam)
    if not current.is_open:
        return _result_page(enrolment, current, now)
    return render_template(
        "exams/attempt.html", enrolment=enrolment, attempt=current, items=attempts.shown_items(current),
        remaining=rules.remaining_seconds(current.deadline_at, now), form=ExamForm(), close_form=ActionForm(),
        exam=enrolment.course_version.exam,
    )


@bp.post("/courses/<course_slug>/attempts/<int:attempt_id>/time-up")
@role_required(Role.TRAINEE)
def time_up(course_slug: str, attempt_id: int):
    """The deadline passed (the page's clock, or a trainee back after closing the tab): submit the attempt with
    the answers saved before the deadline, then show its result. Early, it changes nothing."""
    enrolment = _enrolment(course_slug)
    current = _attempt(enrolment, attempt_id)
    if ActionForm().validate_on_submit() and current.is_open and attempts.close_if_expired(current):
        db.session.commit()
        flash(_("Time is up: your exam was submitted with the answers saved before the deadline."), "info")
    return redirect(_attempt_url(enrolment, current))


def _result_page(enrolment: Enrolment, current, now):
    history = attempts.attempts_of(enrolment)
    exam = enrolment.course_version.exam
    titles = {c["id"]: c["title"] for c in enrolment.course_version.competencies}
    return render_template(
        "exams/result.html", enrolment=enrolment, attempt=current, result=attempts.result_of(current),
        titles=titles, exam=exam, refusal=attempts.refusal(attempts.start_rule(enrolment, history, now), exam),
        used=rules.start_rule(attempts.history(history), attempts=exam["attempts"], wait_hours=0, now=now).used,
    )


@bp.post("/courses/<course_slug>/attempts/<int:attempt_id>")
@role_required(Role.TRAINEE)
def save(course_slug: str, attempt_id: int):
    """The exam form without JavaScript: "Save my answers" stores them, "Submit the exam" also hands it in."""
    enrolment = _enrolment(course_slug)
    current = _attempt(enrolment, attempt_id)
    form = ExamForm()
    if not form.validate_on_submit():
        flash(_("The form expired; your answers saved before are kept. Answer again and save."), "error")
        return redirect(_attempt_url(enrolment, current))
    chosen = posted_answers(request.form)
    shown = {int(value) for value in request.form.getlist("shown") if value.isdigit() and len(value) < 6}
    chosen.update({position: [] for position in shown if position not in chosen})  # cleared checkboxes
    try:
        attempts.save_answers(current, chosen)
        if form.submit.data:
            attempts.submit_attempt(current)
    except attempts.AlreadySubmitted as error:
        db.session.commit()  # the deadline's submission stands
        flash(error.message, "info")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your exam is submitted.") if form.submit.data else _("Your answers are saved."), "success")
    return redirect(_attempt_url(enrolment, current))


@bp.post("/courses/<course_slug>/attempts/<int:attempt_id>/answers")
@role_required(Role.TRAINEE)
def autosave(course_slug: str, attempt_id: int):
    """One answer as it is chosen (JSON from exam.js): {"position": 3, "choices": [0, 2]}."""
    enrolment = _enrolment(course_slug)
    current = _attempt(enrolment, attempt_id)
    try:
        payload = read_json(max_bytes=AUTOSAVE_MAX_BYTES)
        position, choices = _autosave_payload(payload)
        attempts.save_answers(current, {position: choices})
    except attempts.AlreadySubmitted as error:
        db.session.commit()
        return jsonify(error="AlreadySubmitted", message=error.message, submitted=True,
                       result_url=_attempt_url(enrolment, current)), 409
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=type(error).__name__, message=error.message), error.status_code
    db.session.commit()
    return jsonify(saved=True, position=position,
                   remaining_seconds=rules.remaining_seconds(current.deadline_at, utcnow()))


def _autosave_payload(payload) -> tuple[int, list[int]]:
    if not isinstance(payload, dict):
        raise InvalidInput(_("Send the question's position and the places of the options chosen."))
    position, choices = payload.get("position"), payload.get("choices")
    if (not _small_int(position) or not isinstance(choices, list) or len(choices) > 20
            or not all(_small_int(choice) for choice in choices)):
        raise InvalidInput(_("Send the question's position and the places of the options chosen."))
    return position, choices


def _small_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT
