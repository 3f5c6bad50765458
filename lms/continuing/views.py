"""Continuing education: /my/continuing-education for the trainee, /continuing-education/review for
supervisors, and the evidence file for both."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required, signed_in
from lms.certificates import lifecycle, records
from lms.continuing import services
from lms.continuing.forms import ContinuingEducationForm, DeleteForm, ReviewForm
from lms.downloads import send_stored
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import ContinuingEducation, Role

bp = Blueprint("continuing", __name__)


def _user():
    return current_user._get_current_object()


def _entry_or_404(entry_id: int, *, holder: bool, reviewer: bool) -> ContinuingEducation:
    """Load, then authorize: an entry that its holder (`holder`) or a supervisor who may review it (`reviewer`)
    asks for. Anyone else is told it does not exist, as for an unknown id."""
    entry = db.session.get(ContinuingEducation, entry_id)
    if entry is None:
        abort(404)
    user = _user()
    if not ((holder and entry.user_id == user.id)
            or (reviewer and services.can_review_continuing_education(user, entry.user_id))):
        abort(404)
    return entry


def _log(form: ContinuingEducationForm, user) -> None:
    upload = form.evidence.data
    path = services.store_evidence(upload.stream, upload.filename)
    services.log_continuing_education(user, title=form.title.data, provider=form.provider.data or "",
                                      hours=form.hours.data, completed_on=form.completed_on.data, evidence_path=path)


def _renewals(user) -> list:
    """The holder's current certificates that renew through continuing education, with their progress."""
    progress = [(c, lifecycle.renewal_progress(c, latest=c)) for c in records.current_certificates(user)]
    return [(certificate, p) for certificate, p in progress if p.offered]


@bp.route("/my/continuing-education", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def mine():
    user = _user()
    form = ContinuingEducationForm()
    if form.validate_on_submit():
        try:
            _log(form, user)
        except DomainError as error:
            show_refusal(form, error, "evidence")
        else:
            db.session.commit()
            flash(_("Sent for approval. A supervisor of your cohort will review it."), "success")
            return redirect(url_for("continuing.mine"))
    page = render_template("continuing/mine.html", form=form, current=_renewals(user),
                           entries=services.continuing_education_for(user), delete_form=DeleteForm())
    return page, (400 if form.errors else 200)


@bp.post("/my/continuing-education/<int:entry_id>/delete")
@role_required(Role.TRAINEE)
def delete(entry_id: int):
    entry = _entry_or_404(entry_id, holder=True, reviewer=False)
    if DeleteForm().validate_on_submit():
        try:
            services.delete_continuing_education(entry, actor=_user())
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            flash(_("The activity has been removed."), "info")
    return redirect(url_for("continuing.mine"))


@bp.get("/continuing-education/<int:entry_id>/evidence")
@signed_in
def evidence(entry_id: int):
    entry = _entry_or_404(entry_id, holder=True, reviewer=True)
    path = services.evidence_file(entry)
    if path is None:
        abort(404)
    return send_stored(path, services.MIMETYPES[path.suffix], f"evidence-{entry.id}{path.suffix}",
                       cache_control="private, no-store")


@bp.get("/continuing-education/review")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def review_queue():
    return render_template("continuing/review.html",
                           entries=services.continuing_education_to_review(_user()), form=ReviewForm())


@bp.post("/continuing-education/<int:entry_id>/review")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def review(entry_id: int):
    entry = _entry_or_404(entry_id, holder=False, reviewer=True)
    form = ReviewForm()
    if form.validate_on_submit():
        approve = bool(form.approve.data)
        try:
            services.review_continuing_education(entry, _user(), approve=approve, note=form.note.data)
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            if approve:
                flash(_("Approved %(title)s for %(name)s.", title=entry.title, name=entry.user.name), "success")
            else:
                flash(_("Sent %(title)s back to %(name)s.", title=entry.title, name=entry.user.name), "info")
    return redirect(url_for("continuing.review_queue"))
