"""Trainees' role-play pages (/roleplays): the scenario, a written attempt turn by turn with autosave and
formative feedback, a recording upload, and a submission with its grade and recording."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_calibrate, can_grade_roleplay, can_view_roleplay_work, role_required, signed_in
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import read_json
from lms.models import GradeKind, Role, Submission, SubmissionKind, SubmissionState
from lms.roleplay import attempts, uploads
from lms.roleplay.blueprint import bp, get_scenario_or_404, get_submission_or_404, record_view, rng
from lms.roleplay.feedback import formative_feedback
from lms.roleplay.forms import ActionForm, RecordingForm, ReplyForm
from lms.roleplay.submissions import (
    attempts_for,
    blind_grade_by,
    criteria_for,
    effective_grade,
    enrolment_for,
    gate_checks_for,
    get_submission,
    is_complete,
    must_stay_blind,
    revealed_turns,
)

# A draft's replies, each up to MAX_REPLY_CHARS, even if every character is sent as a \uXXXX escape.
AUTOSAVE_MAX_BYTES = 512 * 1024


def own_draft_or_404(submission_id: int) -> Submission:
    submission = get_submission(submission_id)
    if submission is None or submission.trainee_id != current_user.id:
        abort(404)
    return submission


@bp.get("/roleplays/<int:scenario_id>")
@signed_in
def scenario(scenario_id: int):
    scenario = get_scenario_or_404(scenario_id)
    user = current_user._get_current_object()
    tried, draft, refusal, enrolled = [], None, None, False
    if user.role == Role.TRAINEE:
        tried = attempts_for(user.id, scenario.id)
        draft = next((a for a in tried if a.state == SubmissionState.DRAFT), None)
        enrolment = enrolment_for(user, scenario)
        enrolled = enrolment is not None
        refusal = attempts.attempt_refusal(tried) or (enrolled and attempts.locked_refusal(enrolment, scenario))
    return render_template(
        "roleplay/scenario.html",
        scenario=scenario,
        criteria=criteria_for(scenario),
        gate_checks=gate_checks_for(scenario),
        attempts=[a for a in tried if a.state != SubmissionState.DRAFT],
        effective_grades={a.id: effective_grade(a) for a in tried},
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
        submission = attempts.start_attempt(current_user._get_current_object(), scenario)
    except DomainError as error:
        show_refusal(None, error)  # the page is shown again by a redirect: a flash survives it
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
        submission = attempts.submit_recording(
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
        show_refusal(None, error)
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
    revealed = revealed_turns(submission)
    replies += [""] * (revealed - len(replies))
    targets = scenario.module.course_version.feedback_targets
    previous = [a for a in attempts_for(submission.trainee_id, scenario.id)
                if a.attempt_no < submission.attempt_no and a.state != SubmissionState.DRAFT]
    last = previous[-1] if previous else None
    return {
        "submission": submission,
        "scenario": scenario,
        "criteria": criteria_for(scenario),
        "replies": replies,
        "revealed": revealed,
        "complete": is_complete(submission),
        "feedback": formative_feedback(replies, targets, scenario.turns),
        "previous": last,
        "previous_grade": effective_grade(last) if last else None,
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
            attempts.save_reply(submission, form.turn.data, form.reply.data)
        except DomainError as error:
            show_refusal(None, error)  # shown after the redirect to the turn
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
        attempts.save_draft(submission, payload["replies"])
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
        submitted = attempts.submit_attempt(submission, current_user._get_current_object(),
                                            share=current_app.config["SECOND_MARKING_SHARE"], rng=rng())
    except DomainError as error:
        show_refusal(None, error)
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
        attempts.discard_draft(submission, current_user._get_current_object())
    except DomainError as error:
        show_refusal(None, error)
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
    blind = must_stay_blind(submission, user)
    replies = list(submission.replies or [])
    written = submission.kind == SubmissionKind.WRITTEN
    return render_template(
        "roleplay/submission.html",
        submission=submission,
        scenario=submission.scenario,
        criteria=criteria_for(submission.scenario),
        replies=replies,
        effective=None if blind else effective_grade(submission),
        grades=[] if (is_trainee or blind) else list(submission.grades),
        blind=blind,
        is_trainee=is_trainee,
        can_grade=can_grade_roleplay(user, submission.trainee),
        feedback=formative_feedback(replies, submission.scenario.module.course_version.feedback_targets,
                                    submission.scenario.turns) if written else None,
        action_form=ActionForm(),
        storage_key=f"roleplay-draft-{submission.id}",
        own_second=blind_grade_by(submission, user, GradeKind.SECOND),
    )


@bp.get("/roleplays/submissions/<int:submission_id>/recording")
@signed_in
def recording(submission_id: int):
    """Stream a recording to those allowed to see it, with range support for seeking."""
    submission = get_submission(submission_id)
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
