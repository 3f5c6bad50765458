"""Role-play pages: scenarios and attempts (/roleplays) and supervisors' grading (/grading)."""

import random
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms import audit
from lms.auth.permissions import (
    can_calibrate,
    can_grade_roleplay,
    can_view_roleplay_work,
    role_required,
    signed_in,
    supervises,
)
from lms.errors import AlreadyGraded, DomainError
from lms.extensions import db
from lms.inputs import bounded_int, read_json
from lms.mail import send_mail
from lms.models import Course, GradeKind, Role, Submission, SubmissionKind, SubmissionState, utcnow
from lms.roleplay import charts, rubric, second_opinion, services, uploads
from lms.roleplay import references as reference_calibration
from lms.roleplay.forms import ActionForm, LivePickForm, RecordingForm, ReplyForm, rubric_form

bp = Blueprint("roleplay", __name__)

STAFF = (Role.SUPERVISOR, Role.ADMIN)
# A draft's replies, each up to MAX_REPLY_CHARS, even if every character is sent as a \uXXXX escape.
AUTOSAVE_MAX_BYTES = 512 * 1024


@bp.context_processor
def roleplay_helpers():
    settings = {"one-to-one": _("one-to-one"), "group": _("group"), "phone": _("phone"), "online": _("online"),
                "video": _("video")}
    kinds = {SubmissionKind.WRITTEN: _("Written"), SubmissionKind.RECORDED: _("Recorded"),
             SubmissionKind.LIVE: _("Live, observed")}
    states = {SubmissionState.DRAFT: _("Draft"), SubmissionState.SUBMITTED: _("Waiting for a grade"),
              SubmissionState.PASSED: _("Passed"), SubmissionState.RESUBMIT: _("Resubmit")}
    grade_kinds = {GradeKind.PRIMARY: _("Grade"), GradeKind.CORRECTION: _("Correction"),
                   GradeKind.SECOND: _("Second marking (blind)"), GradeKind.CALIBRATION: _("Calibration")}

    def decision_for(grade, scenario):
        try:
            return services.decision_for(scenario, grade.levels, grade.gates)
        except (ValueError, KeyError):
            return None

    return {
        "setting_label": lambda value: settings.get(value, value),
        "kind_label": lambda value: kinds.get(value, value),
        "state_label": lambda value: states.get(value, value),
        "grade_kind_label": lambda value: grade_kinds.get(value, value),
        "decision_for": decision_for,
    }


# ---------------------------------------------------------------------------------------------------------------
# Loading, then authorizing, in one place


def get_scenario_or_404(scenario_id: int):
    scenario = services.get_scenario(scenario_id)
    if scenario is None:
        abort(404)
    return scenario


def get_submission_or_404(submission_id: int, *, for_grading: bool = False) -> Submission:
    """The submission, if the current user may see its transcript or recording (403 otherwise)."""
    submission = services.get_submission(submission_id)
    if submission is None:
        abort(404)
    user = current_user._get_current_object()
    allowed = (can_grade_roleplay(user, submission.trainee) if for_grading
               else can_view_roleplay_work(user, submission.trainee))
    if not allowed:
        abort(403)
    return submission


def own_draft_or_404(submission_id: int) -> Submission:
    submission = services.get_submission(submission_id)
    if submission is None or submission.trainee_id != current_user.id:
        abort(404)
    return submission


def record_view(submission: Submission, page: str) -> None:
    audit.record("roleplay.viewed", actor=current_user._get_current_object(), subject=submission,
                 target_user=submission.trainee, page=page)
    db.session.commit()


def rng() -> random.Random | None:
    """Tests inject a seeded random source through `app.extensions["roleplay_random"]`."""
    return current_app.extensions.get("roleplay_random")


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def notify_trainee(submission: Submission, grade) -> None:
    trainee = submission.trainee
    if not trainee.email or not trainee.is_active:
        return
    corrected = grade.kind == GradeKind.CORRECTION
    subject = (_("Your role-play grade was corrected") if corrected
               else _("Your role-play has been graded"))
    send_mail(trainee.email, subject, "roleplay_graded", trainee=trainee, submission=submission, grade=grade,
              corrected=corrected, link=absolute_url("roleplay.submission", submission_id=submission.id))


def waited(since: datetime | None) -> str:
    if since is None:
        return ""
    return format_timedelta(utcnow() - since, granularity="minute", threshold=1.0)


# ---------------------------------------------------------------------------------------------------------------
# Trainees: scenario, written attempt, recording


@bp.get("/roleplays/<int:scenario_id>")
@signed_in
def scenario(scenario_id: int):
    scenario = get_scenario_or_404(scenario_id)
    user = current_user._get_current_object()
    attempts, draft, refusal, enrolled = [], None, None, False
    if user.role == Role.TRAINEE:
        attempts = services.attempts_for(user.id, scenario.id)
        draft = next((a for a in attempts if a.state == SubmissionState.DRAFT), None)
        enrolment = services.enrolment_for(user, scenario)
        enrolled = enrolment is not None
        refusal = services.attempt_refusal(attempts) or (enrolled and services.locked_refusal(enrolment, scenario))
    return render_template(
        "roleplay/scenario.html",
        scenario=scenario,
        criteria=services.criteria_for(scenario),
        gate_checks=services.gate_checks_for(scenario),
        attempts=[a for a in attempts if a.state != SubmissionState.DRAFT],
        effective_grades={a.id: services.effective_grade(a) for a in attempts},
        draft=draft,
        enrolled=enrolled,
        refusal=refusal,
        action_form=ActionForm(),
        recording_form=RecordingForm(),
        max_megabytes=current_app.config["RECORDING_MAX_BYTES"] // (1024 * 1024),
    )


@bp.post("/roleplays/<int:scenario_id>/start")
@role_required(Role.TRAINEE)
def start(scenario_id: int):
    scenario = get_scenario_or_404(scenario_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submission = services.start_attempt(current_user._get_current_object(), scenario)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("roleplay.scenario", scenario_id=scenario.id))
    db.session.commit()
    return redirect(url_for("roleplay.attempt", submission_id=submission.id))


@bp.post("/roleplays/<int:scenario_id>/recording")
@role_required(Role.TRAINEE)
def upload(scenario_id: int):
    scenario = get_scenario_or_404(scenario_id)
    form = RecordingForm()
    if not form.validate_on_submit():
        abort(400)
    file = form.recording.data
    config = current_app.config
    try:
        submission = services.submit_recording(
            current_user._get_current_object(),
            scenario,
            lambda: uploads.store_recording(
                getattr(file, "filename", None), file.stream if file else None,
                data_dir=config["DATA_DIR"], max_bytes=config["RECORDING_MAX_BYTES"],
            ),
            data_dir=config["DATA_DIR"],
            share=config["SECOND_MARKING_SHARE"],
            rng=rng(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("roleplay.scenario", scenario_id=scenario.id) + "#recording")
    stored_path = submission.recording_path
    try:
        db.session.commit()
    except Exception:
        uploads.delete_recording(config["DATA_DIR"], stored_path)  # nothing stays on disk if the row is not saved
        raise
    flash(_("Your recording has been submitted for grading."), "success")
    return redirect(url_for("roleplay.submission", submission_id=submission.id))


def attempt_context(submission: Submission) -> dict:
    scenario = submission.scenario
    replies = list(submission.replies or [])
    revealed = services.revealed_turns(submission)
    replies += [""] * (revealed - len(replies))
    targets = scenario.module.course_version.feedback_targets
    previous = [a for a in services.attempts_for(submission.trainee_id, scenario.id)
                if a.attempt_no < submission.attempt_no and a.state != SubmissionState.DRAFT]
    last = previous[-1] if previous else None
    return {
        "submission": submission,
        "scenario": scenario,
        "criteria": services.criteria_for(scenario),
        "replies": replies,
        "revealed": revealed,
        "complete": services.is_complete(submission),
        "feedback": services.formative_feedback(replies, targets, scenario.turns),
        "previous": last,
        "previous_grade": services.effective_grade(last) if last else None,
        "action_form": ActionForm(),
    }


@bp.get("/roleplays/attempts/<int:submission_id>")
@role_required(Role.TRAINEE)
def attempt(submission_id: int):
    submission = own_draft_or_404(submission_id)
    if submission.state != SubmissionState.DRAFT:
        return redirect(url_for("roleplay.submission", submission_id=submission.id))
    return render_template("roleplay/attempt.html", **attempt_context(submission))


@bp.post("/roleplays/attempts/<int:submission_id>/reply")
@role_required(Role.TRAINEE)
def reply(submission_id: int):
    """One turn at a time, without JavaScript: save the reply and show the next line."""
    submission = own_draft_or_404(submission_id)
    form = ReplyForm()
    turn = form.turn.data if form.turn.data is not None else 0
    if form.validate_on_submit():
        try:
            services.save_reply(submission, form.turn.data, form.reply.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            turn += 1
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    anchor = f"#turn-{min(turn, len(submission.scenario.turns) - 1) + 1}"
    return redirect(url_for("roleplay.attempt", submission_id=submission.id) + anchor)


@bp.post("/roleplays/attempts/<int:submission_id>/autosave")
@role_required(Role.TRAINEE)
def autosave(submission_id: int):
    """Save the draft as typed and answer with the formative feedback (JSON, for roleplay.js)."""
    submission = own_draft_or_404(submission_id)
    try:
        payload = read_json(max_bytes=AUTOSAVE_MAX_BYTES)
        if not isinstance(payload, dict) or not isinstance(payload.get("replies"), list):
            return jsonify(error="bad_request", message=_("Send the replies as a list.")), 400
        services.save_draft(submission, payload["replies"])
    except DomainError as error:
        return jsonify(error=type(error).__name__, message=error.message), error.status_code
    db.session.commit()
    context = attempt_context(submission)
    feedback = context["feedback"]
    return jsonify(
        saved=True,
        updated_at=submission.updated_at.isoformat(),
        revealed=context["revealed"],
        complete=context["complete"],
        feedback=feedback,
        html={
            "turns": [render_template("roleplay/_turn.html", index=i, **context) for i in range(context["revealed"])],
            "replies": [render_template("roleplay/_reply_feedback.html", item=item, index=i)
                        for i, item in enumerate(feedback["replies"])],
            "totals": render_template("roleplay/_feedback_totals.html", feedback=feedback),
        },
    )


@bp.post("/roleplays/attempts/<int:submission_id>/submit")
@role_required(Role.TRAINEE)
def submit(submission_id: int):
    submission = own_draft_or_404(submission_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submitted = services.submit_attempt(submission, current_user._get_current_object(),
                                            share=current_app.config["SECOND_MARKING_SHARE"], rng=rng())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("roleplay.attempt", submission_id=submission.id))
    db.session.commit()
    if submitted:
        flash(_("Your role-play has been submitted. Your supervisor will grade it, and you will get an email."),
              "success")
    else:
        flash(_("This attempt was already submitted."), "info")
    return redirect(url_for("roleplay.submission", submission_id=submission.id))


@bp.post("/roleplays/attempts/<int:submission_id>/discard")
@role_required(Role.TRAINEE)
def discard(submission_id: int):
    submission = own_draft_or_404(submission_id)
    scenario_id = submission.scenario_id
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.discard_draft(submission, current_user._get_current_object())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("roleplay.submission", submission_id=submission.id))
    db.session.commit()
    flash(_("Your draft has been deleted."), "info")
    return redirect(url_for("roleplay.scenario", scenario_id=scenario_id))


@bp.get("/roleplays/submissions/<int:submission_id>")
@signed_in
def submission(submission_id: int):
    submission = get_submission_or_404(submission_id)
    user = current_user._get_current_object()
    if submission.state == SubmissionState.DRAFT and user.id == submission.trainee_id:
        return redirect(url_for("roleplay.attempt", submission_id=submission.id))
    record_view(submission, "submission")
    is_trainee = user.id == submission.trainee_id
    blind = services.must_stay_blind(submission, user)
    grades = [] if (is_trainee or blind) else list(submission.grades)
    replies = list(submission.replies or [])
    return render_template(
        "roleplay/submission.html",
        submission=submission,
        scenario=submission.scenario,
        criteria=services.criteria_for(submission.scenario),
        replies=replies,
        effective=None if blind else services.effective_grade(submission),
        grades=grades,
        blind=blind,
        is_trainee=is_trainee,
        can_grade=can_grade_roleplay(user, submission.trainee),
        feedback=services.formative_feedback(replies, submission.scenario.module.course_version.feedback_targets,
                                             submission.scenario.turns)
        if submission.kind == SubmissionKind.WRITTEN else None,
        action_form=ActionForm(),
        storage_key=f"roleplay-draft-{submission.id}",
        own_second=services.blind_grade_by(submission, user, GradeKind.SECOND),
    )


@bp.get("/roleplays/submissions/<int:submission_id>/recording")
@signed_in
def recording(submission_id: int):
    """Stream a recording to those allowed to see it, with range support for seeking."""
    submission = services.get_submission(submission_id)
    if submission is None:
        abort(404)
    user = current_user._get_current_object()
    if not (can_view_roleplay_work(user, submission.trainee) or can_calibrate(user, submission)):
        abort(403)
    if submission.recording_deleted_at is not None:
        abort(410, description=_("This recording was deleted under the retention policy; the grade is kept."))
    path = submission.recording_path and uploads.recording_file(current_app.config["DATA_DIR"],
                                                                submission.recording_path)
    if not path:
        abort(404)
    range_header = request.headers.get("Range", "")
    if not range_header or range_header.replace(" ", "").startswith("bytes=0-"):
        record_view(submission, "recording")  # once per playback, not once per chunk
    response = send_file(path, mimetype=submission.recording_mimetype, conditional=True, max_age=0,
                         download_name=f"roleplay-{submission.id}{path.suffix}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------------------
# Supervisors: queue, grading, corrections, second marking


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=bounded_int)
    return value if value and value > 0 else None


@bp.get("/grading")
@role_required(*STAFF)
def queue():
    user = current_user._get_current_object()
    status = request.args.get("status", "waiting")
    if status not in services.QUEUE_STATUSES:
        status = "waiting"
    filters = services.QueueFilters(status=status, course_id=_int_arg("course"), scenario_id=_int_arg("scenario"))
    page = db.paginate(services.queue_query(user, filters), page=request.args.get("page", 1, type=bounded_int),
                       per_page=25, error_out=False)
    return render_template(
        "roleplay/queue.html",
        page=page,
        filters=filters,
        counts=services.queue_counts(user),
        courses=db.session.scalars(db.select(Course).order_by(Course.title)).all(),
        scenarios=services.queue_scenarios(user),
        waited=waited,
        effective_grade=services.effective_grade,
        blind=lambda submission: services.must_stay_blind(submission, user),
        statuses=[("waiting", _("Waiting for a grade")), ("second", _("Second marking (blind)")),
                  ("graded", _("Graded")), ("all", _("All"))],
    )


def _rubric_page(submission: Submission, form, *, mode: str, status: int = 200, **extra):
    titles = {
        "primary": _("Grade a role-play"), "conflict": _("Grade a role-play"), "graded": _("Graded role-play"),
        "correction": _("Correct a released grade"), "second": _("Second marking (blind)"),
        "second-done": _("Second marking (blind)"),
    }
    return render_template(
        "roleplay/grade.html",
        page_title=titles[mode],
        submission=submission,
        scenario=submission.scenario,
        criteria=services.criteria_for(submission.scenario),
        replies=list(submission.replies or []),
        form=form,
        mode=mode,
        primary=services.primary_grade(submission),
        effective=services.effective_grade(submission),
        calibration_form=ActionForm(),
        second_opinion=second_opinion.analyzer_second_opinion(submission),
        **extra,
    ), status


def scenario_rubric_form(scenario, **kwargs):
    """The rubric form of a scenario: its scored criteria and a breach check per unscored gate."""
    return rubric_form(services.criteria_for(scenario), gate_checks=services.gate_checks_for(scenario), **kwargs)


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
    primary = services.primary_grade(submission)
    if services.must_stay_blind(submission, user) or (submission.second_marker_id == user.id and primary is None):
        return redirect(url_for("roleplay.second_mark", submission_id=submission.id))
    if request.method == "GET":
        record_view(submission, "grading")
        if primary is not None:
            return _rubric_page(submission, None, mode="graded")
    form = scenario_rubric_form(submission.scenario)
    if form.validate_on_submit():
        try:
            grade = services.grade_submission(submission, user, form.scores())
        except AlreadyGraded as error:
            db.session.rollback()
            flash(error.message, "error")
            return _rubric_page(services.get_submission(submission.id), form, mode="conflict", status=409)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _rubric_page(services.get_submission(submission.id), form, mode="primary", status=400)
        db.session.commit()
        notify_trainee(submission, grade)
        decision = _("pass") if grade.passed else _("resubmit")
        flash(_("Grade released: %(decision)s (total %(total)d). The trainee has been told by email.",
                decision=decision, total=grade.total), "success")
        return redirect(url_for("roleplay.queue"))
    if primary is not None:
        return _rubric_page(submission, None, mode="graded")
    return _rubric_page(submission, form, mode="primary", status=400 if form.errors else 200)


@bp.route("/grading/submissions/<int:submission_id>/correct", methods=["GET", "POST"])
@role_required(*STAFF)
def correct(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    user = current_user._get_current_object()
    effective = services.effective_grade(submission)
    if effective is None:
        flash(_("This submission has no grade to correct yet."), "info")
        return redirect(url_for("roleplay.grade", submission_id=submission.id))
    form = scenario_rubric_form(submission.scenario, with_reason=True,
                       submit_label=_("Save the correction"))
    if request.method == "GET":
        _prefill(form, effective)
        record_view(submission, "correction")
    if form.validate_on_submit():
        try:
            grade = services.correct_grade(submission, user, form.scores(), form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _rubric_page(services.get_submission(submission.id), form, mode="correction", status=400)
        db.session.commit()
        notify_trainee(submission, grade)
        flash(_("The correction is saved and now counts; it is in the audit log."), "success")
        return redirect(url_for("roleplay.submission", submission_id=submission.id))
    return _rubric_page(submission, form, mode="correction", status=400 if form.errors else 200)


@bp.route("/grading/submissions/<int:submission_id>/second", methods=["GET", "POST"])
@role_required(*STAFF)
def second_mark(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    user = current_user._get_current_object()
    if submission.second_marker_id != user.id:
        abort(403)
    own = services.blind_grade_by(submission, user, GradeKind.SECOND)
    if own is not None:
        if request.method == "GET":
            record_view(submission, "second-marking")
        return _rubric_page(submission, None, mode="second-done", own=own)
    form = scenario_rubric_form(submission.scenario, submit_label=_("Save my second marking"),
                       with_feedback=False)
    if request.method == "GET":
        record_view(submission, "second-marking")
    if form.validate_on_submit():
        try:
            services.second_mark(submission, user, form.scores())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _rubric_page(services.get_submission(submission.id), form, mode="second", status=400)
        db.session.commit()
        flash(_("Your second marking is saved. It is used for rater agreement and does not change the trainee's "
                "grade."), "success")
        return redirect(url_for("roleplay.queue", status="second"))
    return _rubric_page(submission, form, mode="second", status=400 if form.errors else 200)


@bp.post("/grading/submissions/<int:submission_id>/calibration")
@role_required(Role.ADMIN)
def mark_calibration(submission_id: int):
    submission = get_submission_or_404(submission_id, for_grading=True)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    value = request.form.get("value") == "1"
    try:
        services.set_calibration(submission, current_user._get_current_object(), value)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("This submission is now a calibration sample.") if value
              else _("This submission is no longer a calibration sample."), "success")
    return redirect(url_for("roleplay.grade", submission_id=submission.id))


# ---------------------------------------------------------------------------------------------------------------
# Calibration, live role-plays, agreement


@bp.get("/grading/calibration")
@role_required(*STAFF)
def calibration():
    user = current_user._get_current_object()
    samples = services.calibration_samples(user)
    return render_template("roleplay/calibration.html", samples=samples,
                           summary=services.calibration_summary(samples))


@bp.route("/grading/calibration/<int:submission_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def calibrate(submission_id: int):
    submission = services.get_submission(submission_id)
    if submission is None:
        abort(404)
    user = current_user._get_current_object()
    if not can_calibrate(user, submission):
        abort(403)
    reference = services.effective_grade(submission)
    own = services.blind_grade_by(submission, user, GradeKind.CALIBRATION)
    criteria = services.criteria_for(submission.scenario)
    if request.method == "GET":
        audit.record("roleplay.viewed", actor=user, subject=submission, target_user=submission.trainee,
                     page="calibration")
        db.session.commit()
    if own is not None:
        return render_template("roleplay/calibrate.html", submission=submission, criteria=criteria,
                               replies=list(submission.replies or []), reference=reference, own=own, form=None,
                               distances=rubric.distance(reference.levels, own.levels))
    form = scenario_rubric_form(submission.scenario, submit_label=_("Save and compare with the reference"),
                                with_feedback=False)
    if form.validate_on_submit():
        try:
            services.calibrate(submission, user, form.scores())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            return redirect(url_for("roleplay.calibrate", submission_id=submission.id))
    return render_template("roleplay/calibrate.html", submission=submission, criteria=criteria,
                           replies=list(submission.replies or []), reference=None, own=None, form=form,
                           distances={}), (400 if form.errors else 200)


@bp.get("/grading/references")
@role_required(*STAFF)
def references():
    """The authors' reference transcripts: rate each blind, then compare with the authors' scores."""
    user = current_user._get_current_object()
    return render_template("roleplay/references.html", references=reference_calibration.live_references(),
                           ratings=reference_calibration.ratings_by(user))


@bp.route("/grading/references/<int:reference_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def rate_reference(reference_id: int):
    reference = reference_calibration.get_reference(reference_id)
    if reference is None or not reference.scenario.module.course_version.is_live:
        abort(404)
    user = current_user._get_current_object()
    scenario = reference.scenario
    own = reference_calibration.rating_by(reference, user)
    form = None
    if own is None:
        form = scenario_rubric_form(scenario, submit_label=_("Save and compare with the authors"),
                                    with_feedback=False)
        if form.validate_on_submit():
            try:
                reference_calibration.rate_reference(reference, user, form.scores())
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                return redirect(url_for("roleplay.rate_reference", reference_id=reference.id))
    status = 400 if form is not None and form.errors else 200
    return render_template(
        "roleplay/reference.html", reference=reference, scenario=scenario, own=own, form=form,
        criteria=services.criteria_for(scenario), gate_checks=services.gate_checks_for(scenario),
        differences=reference_calibration.differences(reference, own) if own else {},
    ), status


@bp.route("/grading/live", methods=["GET", "POST"])
@role_required(*STAFF)
def live():
    """Score an observed role-play in real time, on the scenario's rubric."""
    user = current_user._get_current_object()
    trainees = services.trainees_for_live(user)
    scenarios = services.live_scenarios()
    pick = LivePickForm(request.args if request.method == "GET" else request.form)
    pick.trainee.choices = [SelectChoice("", _("Choose a trainee"))] + [
        SelectChoice(t.id, f"{t.name} ({t.email})") for t in trainees]
    pick.scenario.choices = [SelectChoice("", _("Choose a scenario"))] + [
        SelectChoice(s.id, f"{s.title} · {s.module.title} · {s.module.course_version.title}") for s in scenarios]
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
                submission = services.record_live_roleplay(user, trainee, scenario, form.scores())
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                notify_trainee(submission, services.effective_grade(submission))
                flash(_("The live role-play is recorded and %(name)s has been told by email.", name=trainee.name),
                      "success")
                return redirect(url_for("roleplay.submission", submission_id=submission.id))
    return render_template("roleplay/live.html", pick=pick, form=form, trainee=trainee, scenario=scenario,
                           criteria=services.criteria_for(scenario) if scenario else [],
                           status_code=400 if form is not None and form.errors else 200), \
        (400 if form is not None and form.errors else 200)


@bp.get("/grading/agreement")
@role_required(*STAFF)
def agreement():
    user = current_user._get_current_object()
    course_id = _int_arg("course")
    report = services.agreement_report(user, course_id)
    chart = charts.bar_chart([(row.label, row.kappa) for row in report.by_criterion],
                             threshold=services.KAPPA_FLAG_BELOW)
    listening = second_opinion.listening_vs_analyzer(user, course_id)
    return render_template("roleplay/agreement.html", report=report, course_id=course_id, chart=chart,
                           listening=listening,
                           courses=db.session.scalars(db.select(Course).order_by(Course.title)).all(),
                           threshold=services.KAPPA_FLAG_BELOW)

