"""Calibration pages (/grading/calibration, /grading/references): supervisors grade shared samples and the
authors' reference transcripts blind, then see how far they are from the reference."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import audit
from lms.auth.permissions import can_calibrate, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import GradeKind
from lms.roleplay import calibration, rubric
from lms.roleplay import references as reference_calibration
from lms.roleplay.blueprint import STAFF, bp, scenario_rubric_form
from lms.roleplay.submissions import (
    blind_grade_by,
    criteria_for,
    effective_grade,
    gate_checks_for,
    get_submission,
)


@bp.get("/grading/calibration", endpoint="calibration")
@role_required(*STAFF)
def calibration_samples():
    user = current_user._get_current_object()
    samples = calibration.calibration_samples(user)
    return render_template("roleplay/calibration.html", samples=samples,
                           summary=calibration.calibration_summary(samples))


def _calibrate_page(submission, *, reference=None, own=None, form=None, status: int = 200):
    distances = rubric.distance(reference.levels, own.levels) if own is not None else {}
    return render_template("roleplay/calibrate.html", submission=submission,
                           criteria=criteria_for(submission.scenario), replies=list(submission.replies or []),
                           reference=reference, own=own, form=form, distances=distances), status


@bp.route("/grading/calibration/<int:submission_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def calibrate(submission_id: int):
    submission = get_submission(submission_id)
    if submission is None:
        abort(404)
    user = current_user._get_current_object()
    if not can_calibrate(user, submission):
        abort(403)
    own = blind_grade_by(submission, user, GradeKind.CALIBRATION)
    if request.method == "GET":
        audit.record("roleplay.viewed", actor=user, subject=submission, target_user=submission.trainee,
                     page="calibration")
        db.session.commit()
    if own is not None:
        return _calibrate_page(submission, reference=effective_grade(submission), own=own)
    form = scenario_rubric_form(submission.scenario, submit_label=_("Save and compare with the reference"),
                                with_feedback=False)
    if form.validate_on_submit():
        try:
            calibration.calibrate(submission, user, form.scores())
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            return redirect(url_for("roleplay.calibrate", submission_id=submission.id))
    return _calibrate_page(submission, form=form, status=400 if form.errors else 200)


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
                show_refusal(form, error)
            else:
                db.session.commit()
                return redirect(url_for("roleplay.rate_reference", reference_id=reference.id))
    status = 400 if form is not None and form.errors else 200
    return render_template(
        "roleplay/reference.html", reference=reference, scenario=scenario, own=own, form=form,
        criteria=criteria_for(scenario), gate_checks=gate_checks_for(scenario),
        differences=reference_calibration.differences(reference, own) if own else {},
    ), status
