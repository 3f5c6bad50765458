"""Supervisors' grading pages (/grading): the queue, the rubric for the grade that counts, corrections,
blind second marking, marking a calibration sample, and scoring a live role-play."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.permissions import role_required, supervises
from lms.errors import AlreadyGraded, DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import bounded_int
from lms.models import Course, GradeKind, Role, Submission, SubmissionState
from lms.roleplay import calibration, grading, live, queue, second_opinion
from lms.roleplay.blueprint import (
    STAFF,
    bp,
    get_submission_or_404,
    int_arg,
    notify_trainee,
    record_view,
    scenario_rubric_form,
    waited,
)
from lms.roleplay.forms import ActionForm, LivePickForm
from lms.roleplay.submissions import (
    blind_grade_by,
    criteria_for,
    effective_grade,
    get_submission,
    must_stay_blind,
    primary_grade,
)

PAGE_TITLES = {
    "primary": _l("Grade a role-play"), "conflict": _l("Grade a role-play"), "graded": _l("Graded role-play"),
    "correction": _l("Correct a released grade"), "second": _l("Second marking (blind)"),
    "second-done": _l("Second marking (blind)"),
}


@bp.get("/grading", endpoint="queue")
@role_required(*STAFF)
def queue_page():
    user = current_user._get_current_object()
    status = request.args.get("status", "waiting")
    if status not in queue.QUEUE_STATUSES:
        status = "waiting"
    filters = queue.QueueFilters(status=status, course_id=int_arg("course"), scenario_id=int_arg("scenario"))
    page = db.paginate(queue.queue_query(user, filters), page=request.args.get("page", 1, type=bounded_int),
                       per_page=25, error_out=False)
    return render_template(
        "roleplay/queue.html",
        page=page,
        filters=filters,
        counts=queue.queue_counts(user),
        courses=db.session.scalars(db.select(Course).order_by(Course.title)).all(),
        scenarios=queue.queue_scenarios(user),
        waited=waited,
        effective_grade=effective_grade,
        blind=lambda submission: must_stay_blind(submission, user),
        statuses=[("waiting", _("Waiting for a grade")), ("second", _("Second marking (blind)")),
                  ("graded", _("Graded")), ("all", _("All"))],
    )


def _rubric_page(submission: Submission, form, *, mode: str, status: int = 200, **extra):
    return render_template(
        "roleplay/grade.html",
        page_title=PAGE_TITLES[mode],
        submission=submission,
        scenario=submission.scenario,
        criteria=criteria_for(submission.scenario),
        replies=list(submission.replies or []),
        form=form,
        mode=mode,
        primary=primary_grade(submission),
        effective=effective_grade(submission),
        calibration_form=ActionForm(),
        second_opinion=second_opinion.analyzer_second_opinion(submission),
        **extra,
    ), status


def _refused(submission: Submission, form, error: DomainError, *, mode: str, status: int = 400):
    """The rubric page again, with the rater's scores kept and the refusal shown."""
    db.session.rollback()
    show_refusal(form, error)
    return _rubric_page(get_submission(submission.id), form, mode=mode, status=status)


def _prefill(form, grade) -> None:
    for check in form.gate_checks:
        form.gate_field(check).data = grade.gates.get(check.id)
    for criterion in form.criteria:
        if criterion.id in grade.levels:
            form.level_field(criterion).data = str(grade.levels[criterion.id])
        form.comment_field(criterion).data = grade.comments.get(criterion.id, "")
    form.feedback.data = grade.feedback


@bp.route("/grading/submissions/<int:submission_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def grade(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    if submission.state == SubmissionState.DRAFT:
        abort(404)
    user = current_user._get_current_object()
    primary = primary_grade(submission)
    if must_stay_blind(submission, user) or (submission.second_marker_id == user.id and primary is None):
        return redirect(url_for("roleplay.second_mark", submission_id=submission.id))
    if request.method == "GET":
        record_view(submission, "grading")
        if primary is not None:
            return _rubric_page(submission, None, mode="graded")
    form = scenario_rubric_form(submission.scenario)
    if not form.validate_on_submit():
        if primary is not None:
            return _rubric_page(submission, None, mode="graded")
        return _rubric_page(submission, form, mode="primary", status=400 if form.errors else 200)
    try:
        released = grading.grade_submission(submission, user, form.scores())
    except AlreadyGraded as error:
        return _refused(submission, form, error, mode="conflict", status=409)
    except DomainError as error:
        return _refused(submission, form, error, mode="primary")
    db.session.commit()
    notify_trainee(submission, released)
    decision = _("pass") if released.passed else _("resubmit")
    flash(_("Grade released: %(decision)s (total %(total)d). The trainee has been told by email.",
            decision=decision, total=released.total), "success")
    return redirect(url_for("roleplay.queue"))


@bp.route("/grading/submissions/<int:submission_id>/correct", methods=["GET", "POST"])
@role_required(*STAFF)
def correct(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    user = current_user._get_current_object()
    effective = effective_grade(submission)
    if effective is None:
        flash(_("This submission has no grade to correct yet."), "info")
        return redirect(url_for("roleplay.grade", submission_id=submission.id))
    form = scenario_rubric_form(submission.scenario, with_reason=True, submit_label=_("Save the correction"))
    if request.method == "GET":
        _prefill(form, effective)
        record_view(submission, "correction")
    if not form.validate_on_submit():
        return _rubric_page(submission, form, mode="correction", status=400 if form.errors else 200)
    try:
        corrected = grading.correct_grade(submission, user, form.scores(), form.reason.data)
    except DomainError as error:
        return _refused(submission, form, error, mode="correction")
    db.session.commit()
    notify_trainee(submission, corrected)
    flash(_("The correction is saved and now counts; it is in the audit log."), "success")
    return redirect(url_for("roleplay.submission", submission_id=submission.id))


@bp.route("/grading/submissions/<int:submission_id>/second", methods=["GET", "POST"])
@role_required(*STAFF)
def second_mark(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    user = current_user._get_current_object()
    if submission.second_marker_id != user.id:
        abort(403)
    if request.method == "GET":
        record_view(submission, "second-marking")
    own = blind_grade_by(submission, user, GradeKind.SECOND)
    if own is not None:
        return _rubric_page(submission, None, mode="second-done", own=own)
    form = scenario_rubric_form(submission.scenario, submit_label=_("Save my second marking"), with_feedback=False)
    if not form.validate_on_submit():
        return _rubric_page(submission, form, mode="second", status=400 if form.errors else 200)
    try:
        grading.second_mark(submission, user, form.scores())
    except DomainError as error:
        return _refused(submission, form, error, mode="second")
    db.session.commit()
    flash(_("Your second marking is saved. It is used for rater agreement and does not change the trainee's "
            "grade."), "success")
    return redirect(url_for("roleplay.queue", status="second"))


@bp.post("/grading/submissions/<int:submission_id>/calibration")
@role_required(Role.ADMIN)
def mark_calibration(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    value = request.form.get("value") == "1"
    try:
        calibration.set_calibration(submission, current_user._get_current_object(), value)
    except DomainError as error:
        show_refusal(None, error)  # shown on the grading page after the redirect
    else:
        db.session.commit()
        flash(_("This submission is now a calibration sample.") if value
              else _("This submission is no longer a calibration sample."), "success")
    return redirect(url_for("roleplay.grade", submission_id=submission.id))


def _live_pick(trainees, scenarios) -> LivePickForm:
    pick = LivePickForm(request.args if request.method == "GET" else request.form)
    pick.trainee.choices = [SelectChoice("", _("Choose a trainee"))] + [
        SelectChoice(t.id, f"{t.name} ({t.email})") for t in trainees]
    pick.scenario.choices = [SelectChoice("", _("Choose a scenario"))] + [
        SelectChoice(s.id, f"{s.title} · {s.module.title} · {s.module.course_version.title}") for s in scenarios]
    return pick


@bp.route("/grading/live", methods=["GET", "POST"], endpoint="live")
@role_required(*STAFF)
def live_roleplay():
    """Score an observed role-play in real time, on the scenario's rubric."""
    user = current_user._get_current_object()
    trainees, scenarios = live.trainees_for_live(user), live.live_scenarios()
    pick = _live_pick(trainees, scenarios)
    trainee = next((t for t in trainees if t.id == pick.trainee.data), None)
    scenario = next((s for s in scenarios if s.id == pick.scenario.data), None)
    form = scenario_rubric_form(scenario, submit_label=_("Save and release the grade")) \
        if trainee and scenario else None
    if request.method == "POST":
        if form is None:
            abort(400)
        if user.role != Role.ADMIN and not supervises(user, trainee.id):
            abort(403)
        if form.validate_on_submit():
            try:
                submission = live.record_live_roleplay(user, trainee, scenario, form.scores())
            except DomainError as error:
                db.session.rollback()
                show_refusal(form, error)
            else:
                db.session.commit()
                notify_trainee(submission, effective_grade(submission))
                flash(_("The live role-play is recorded and %(name)s has been told by email.", name=trainee.name),
                      "success")
                return redirect(url_for("roleplay.submission", submission_id=submission.id))
    status = 400 if form is not None and form.errors else 200
    return render_template("roleplay/live.html", pick=pick, form=form, trainee=trainee, scenario=scenario,
                           criteria=criteria_for(scenario) if scenario else [], status_code=status), status
