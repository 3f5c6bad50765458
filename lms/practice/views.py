"""Supervised practice hours: /hours for the trainee, /hours/review for supervisors."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_review_hours, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.inputs import bounded_int
from lms.models import ReviewState, Role, SupervisedHours
from lms.practice import services
from lms.practice.forms import HoursForm, ReturnForm, ReviewForm

bp = Blueprint("practice", __name__)

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)
PER_PAGE = 30


def _own_entry(entry_id: int) -> SupervisedHours:
    entry = db.get_or_404(SupervisedHours, entry_id)
    if entry.user_id != current_user.id:
        abort(404)
    return entry


def _entry_for_review(entry_id: int) -> SupervisedHours:
    entry = db.get_or_404(SupervisedHours, entry_id)
    if not can_review_hours(current_user, entry.user):
        abort(403)
    return entry


def _form_error(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors.append(error.message)
    else:
        flash(error.message, "error")


@bp.route("", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def mine():
    form = HoursForm()
    if form.validate_on_submit():
        try:
            services.log_hours(current_user, worked_on=form.worked_on.data, setting=form.setting.data,
                               activity=form.activity.data, hours=form.hours.data)
        except DomainError as error:
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Your hours were logged and sent to your supervisor for approval."), "success")
            return redirect(url_for("practice.mine"))
    entries = services.entries_for(current_user.id)
    totals = {state.value: sum((e.hours for e in entries if e.state == state), start=0) for state in ReviewState}
    return render_template(
        "practice/mine.html", form=form, entries=entries, totals=totals,
        requirements=services.requirements_for(current_user), action_form=ReviewForm(),
    ), (400 if form.errors else 200)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit(entry_id: int):
    entry = _own_entry(entry_id)
    if entry.state == ReviewState.APPROVED:
        flash(_("Approved hours cannot be changed. Ask your supervisor if something is wrong."), "error")
        return redirect(url_for("practice.mine"))
    form = HoursForm(obj=entry)
    form.submit.label.text = _("Send again for approval")
    if form.validate_on_submit():
        try:
            services.update_hours(entry, current_user, worked_on=form.worked_on.data, setting=form.setting.data,
                                  activity=form.activity.data, hours=form.hours.data)
        except DomainError as error:
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Your corrected hours were sent to your supervisor."), "success")
            return redirect(url_for("practice.mine"))
    return render_template("practice/edit.html", form=form, entry=entry)


@bp.post("/<int:entry_id>/withdraw")
@role_required(Role.TRAINEE)
def withdraw(entry_id: int):
    entry = _own_entry(entry_id)
    if ReviewForm().validate_on_submit():
        try:
            services.withdraw_hours(entry, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The entry was deleted."), "success")
    return redirect(url_for("practice.mine"))


@bp.get("/review")
@role_required(*REVIEWERS)
def review():
    state = request.args.get("state", ReviewState.PENDING.value)
    if state not in {s.value for s in ReviewState}:
        state = ReviewState.PENDING.value
    page = db.paginate(services.review_query(current_user, state), page=request.args.get("page", 1, type=bounded_int),
                       per_page=PER_PAGE, error_out=False)
    pending = services.pending_count(current_user)
    return render_template("practice/review.html", page=page, state=state, pending=pending,
                           approve_form=ReviewForm(), states=list(ReviewState))


@bp.post("/<int:entry_id>/approve")
@role_required(*REVIEWERS)
def approve(entry_id: int):
    entry = _entry_for_review(entry_id)
    if ReviewForm().validate_on_submit():
        try:
            services.approve_hours(entry, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(hours)s hours of %(name)s approved.", hours=entry.hours, name=entry.user.name), "success")
    return redirect(url_for("practice.review"))


@bp.route("/<int:entry_id>/return", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def return_entry(entry_id: int):
    entry = _entry_for_review(entry_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_hours(entry, current_user, form.note.data)
        except DomainError as error:
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("The entry was returned to %(name)s with your note.", name=entry.user.name), "success")
            return redirect(url_for("practice.review"))
    return render_template("practice/return.html", form=form, entry=entry), (400 if form.errors else 200)

