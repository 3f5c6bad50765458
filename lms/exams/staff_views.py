"""The exam for supervisors and organization administrators (/exams/cohorts ...): sittings, results,
voiding an attempt, extra time."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_manage_exam_of, can_view_cohort, role_required
from lms.errors import DomainError
from lms.exams import attempts, sittings, staff
from lms.exams.forms import ActionForm, ExtraTimeForm, SittingForm, VoidForm, as_utc
from lms.exams.views import bp
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import Cohort, Enrolment, ExamAttempt, ExamSitting, Role, utcnow

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_view_cohort(current_user, cohort):
        abort(403)
    return cohort


def _sitting_form() -> SittingForm:
    form = SittingForm()
    form.course_version.choices = [(v.id, f"{v.title} ({v.version})") for v in sittings.exam_versions()]
    return form


@bp.get("/cohorts")
@role_required(*STAFF)
def cohorts():
    return render_template("exams/cohorts.html", cohorts=staff.staff_cohorts(current_user))


@bp.get("/cohorts/<int:cohort_id>")
@role_required(*STAFF)
def cohort(cohort_id: int):
    return _cohort_page(_cohort(cohort_id), _sitting_form())


def _cohort_page(cohort: Cohort, form: SittingForm, status: int = 200):
    now = utcnow()
    rows = staff.cohort_results(cohort)
    timed_out = sum(1 for row in rows if row.attempt is not None and row.attempt.time_ran_out(now))
    return render_template("exams/cohort.html", cohort=cohort, sittings=sittings.sittings_of(cohort), rows=rows,
                           timed_out=timed_out,
                           form=form, action_form=ActionForm(), now=now, timezone=get_timezone()), status


@bp.post("/cohorts/<int:cohort_id>/sittings")
@role_required(*STAFF)
def open_sitting(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = _sitting_form()
    if not form.validate_on_submit():
        return _cohort_page(cohort, form, 400)
    version = next((v for v in sittings.exam_versions() if v.id == form.course_version.data), None)
    if version is None:
        form.course_version.errors.append(_("Choose a course that has an exam."))
        return _cohort_page(cohort, form, 400)
    try:
        sittings.open_sitting(cohort, version, opens_at=as_utc(form.opens_at.data),
                              closes_at=as_utc(form.closes_at.data), access_code=form.access_code.data or "",
                              proctored=form.proctored.data, proctor_name=form.proctor_name.data or "",
                              by=current_user)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error, "opens_at")
        return _cohort_page(cohort, form, 400)
    db.session.commit()
    flash(_("The sitting is open for %(cohort)s.", cohort=cohort.name), "success")
    return redirect(url_for("exams.cohort", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/time-ran-out")
@role_required(*STAFF)
def submit_timed_out(cohort_id: int):
    """Hand in, as of their deadlines, the cohort's attempts whose time ran out with the tab closed."""
    cohort = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        rows = staff.cohort_results(cohort)
        count = attempts.close_expired_attempts(enrolment_ids=[row.enrolment.id for row in rows])
        db.session.commit()
        flash(ngettext("%(num)d attempt was submitted with the answers saved before its deadline.",
                       "%(num)d attempts were submitted with the answers saved before their deadlines.", count),
              "success")
    return redirect(url_for("exams.cohort", cohort_id=cohort.id))


@bp.post("/sittings/<int:sitting_id>/close")
@role_required(*STAFF)
def close_sitting(sitting_id: int):
    sitting = db.get_or_404(ExamSitting, sitting_id)
    cohort = _cohort(sitting.cohort_id)
    if ActionForm().validate_on_submit():
        try:
            sittings.close_sitting(sitting, by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The sitting is closed; attempts already started keep their time."), "success")
    return redirect(url_for("exams.cohort", cohort_id=cohort.id))


def _managed_attempt(attempt_id: int) -> ExamAttempt:
    attempt = db.get_or_404(ExamAttempt, attempt_id)
    if not can_manage_exam_of(current_user, attempt.enrolment.user):
        abort(403)
    return attempt


@bp.route("/attempts/<int:attempt_id>/void", methods=["GET", "POST"])
@role_required(*STAFF)
def void(attempt_id: int):
    attempt = _managed_attempt(attempt_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            staff.void_attempt(attempt, form.reason.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error, "reason")
        else:
            db.session.commit()
            flash(_("Attempt %(number)s of %(name)s is void; it does not count toward passing or the attempt "
                    "limit.", number=attempt.number, name=attempt.enrolment.user.name), "success")
            return redirect(url_for("exams.cohorts"))
    return render_template("exams/void.html", attempt=attempt, form=form), (400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/extra-time", methods=["GET", "POST"])
@role_required(*STAFF)
def extra_time(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not can_manage_exam_of(current_user, enrolment.user):
        abort(403)
    if not enrolment.course_version.exam:
        abort(404)
    form = ExtraTimeForm()
    if form.validate_on_submit():
        try:
            staff.grant_extra_time(enrolment, form.time_multiplier.data, form.reason.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error, "time_multiplier")
        else:
            db.session.commit()
            flash(_("Extra time granted to %(name)s; it applies from their next attempt.",
                    name=enrolment.user.name), "success")
            return redirect(url_for("exams.extra_time", enrolment_id=enrolment.id))
    return render_template("exams/extra_time.html", enrolment=enrolment, form=form,
                           granted=staff.accommodations_of(enrolment),
                           current=attempts.time_multiplier(enrolment)), (400 if form.errors else 200)
