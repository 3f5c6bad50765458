"""Coordinators' pages: people and invitations, cohorts, the cohort dashboard, exports; and the
public page where an invited person sets a password."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms import audit
from lms.auth import sessions
from lms.auth.permissions import can_manage_organization, can_view_cohort, public, role_required
from lms.errors import Conflict, DomainError
from lms.extensions import db, limiter
from lms.inputs import bounded_int
from lms.mail import send_mail
from lms.models import Cohort, CourseVersion, Invitation, Organization, Role, User, utcnow
from lms.orgs import dashboard_queries, dashboards, exports, invitations, services
from lms.orgs.forms import (
    AcceptInvitationForm,
    ActionForm,
    CohortForm,
    CsvConfirmForm,
    CsvUploadForm,
    EnrolForm,
    InviteForm,
    SupervisorsForm,
    TraineesForm,
)

bp = Blueprint("orgs", __name__)

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)
MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)
PEOPLE_PER_PAGE = 50
GRID_PER_PAGE = 50


# Helpers: load, then authorize ------------------------------------------------------------------

def _organization_or_none() -> Organization | None:
    """The organization the page is about: an org admin's own; for an admin, the `org` argument."""
    if current_user.role == Role.ORG_ADMIN:
        if current_user.organization_id is None:
            abort(403)
        return db.session.get(Organization, current_user.organization_id)
    org_id = request.args.get("org", type=bounded_int)
    if org_id is None:
        return None
    return db.get_or_404(Organization, org_id)


def _organization() -> Organization:
    organization = _organization_or_none()
    if organization is None:
        abort(404)
    return organization


def _org_args(organization: Organization) -> dict:
    """The query arguments that keep an admin on the same organization."""
    return {"org": organization.id} if current_user.role == Role.ADMIN else {}


def _cohort_for_viewing(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_view_cohort(current_user, cohort):
        abort(403)
    return cohort


def _cohort_for_managing(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage_organization(current_user, cohort.organization_id):
        abort(403)
    return cohort


def _member(organization: Organization, user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organization_id != organization.id:
        abort(404)
    return user


def _cohort_choices(organization: Organization) -> list[SelectChoice]:
    cohorts = db.session.scalars(
        sa.select(Cohort).where(Cohort.organization_id == organization.id).order_by(Cohort.name)
    )
    return [SelectChoice(0, _("No cohort"))] + [SelectChoice(cohort.id, cohort.name) for cohort in cohorts]


def _people_choices(people: list[User]) -> list[SelectChoice]:
    return [SelectChoice(user.id, user.name) for user in people]


def _accept_link(token: str) -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/") + url_for("orgs.accept", token=token)


def _send_invitations(sent: list[tuple[Invitation, str]], organization: Organization) -> None:
    """After the commit: mail each invitation its link."""
    for invitation, token in sent:
        send_mail(invitation.email, _("You are invited to %(program)s", program=current_app.config["LMS_PROGRAM_NAME"]),
                  "invitation", invitation=invitation, organization=organization, link=_accept_link(token),
                  days=invitations.INVITATION_DAYS, inviter=current_user if current_user.is_authenticated else None)


@dataclass
class ListPage:
    """A page of an in-memory list, with the attributes the pagination macro reads."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, items: list, page: int, per_page: int) -> "ListPage":
        pages = max(1, -(-len(items) // per_page))
        page = min(max(page, 1), pages)
        return cls(items[(page - 1) * per_page: page * per_page], page, per_page, len(items))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# People and invitations -------------------------------------------------------------------------

def _people_page(organization: Organization, *, invite_form=None, upload_form=None, status: int = 200):
    invite_form = invite_form or InviteForm(prefix="invite")
    upload_form = upload_form or CsvUploadForm(prefix="csv")
    choices = _cohort_choices(organization)
    invite_form.cohort.choices = choices
    upload_form.cohort.choices = choices
    search = request.args.get("q", "")
    role = request.args.get("role", "")
    page = db.paginate(services.members_query(organization.id, search=search, role=role),
                       page=request.args.get("page", 1, type=bounded_int), per_page=PEOPLE_PER_PAGE, error_out=False)
    cohort_names = services.cohort_names_by_user([user.id for user in page.items])
    return render_template(
        "orgs/people.html", organization=organization, invite_form=invite_form, upload_form=upload_form,
        page=page, cohort_names=cohort_names, pending=invitations.pending_invitations(organization.id),
        action_form=ActionForm(), search=search, role=role, org_args=_org_args(organization), now=utcnow(),
    ), status


@bp.get("/org/people")
@role_required(*MANAGERS)
def people():
    organization = _organization_or_none()
    if organization is None:  # an administrator chooses the organization first
        return render_template("orgs/choose_organization.html",
                               organizations=services.organizations_with_counts())
    return _people_page(organization)


@bp.post("/org/people/invite")
@role_required(*MANAGERS)
def invite():
    organization = _organization()
    form = InviteForm(prefix="invite")
    form.cohort.choices = _cohort_choices(organization)
    if form.validate_on_submit():
        cohort = db.session.get(Cohort, form.cohort.data) if form.cohort.data else None
        try:
            sent = invitations.invite(organization, email=form.email.data, name=form.name.data,
                                      role=form.role.data, cohort=cohort, actor=current_user)
        except DomainError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            _send_invitations([sent], organization)
            flash(_("Invitation sent to %(email)s.", email=sent[0].email), "success")
            return redirect(url_for("orgs.people", **_org_args(organization)))
    return _people_page(organization, invite_form=form, status=400)


@bp.post("/org/people/upload")
@role_required(*MANAGERS)
def upload():
    """Check a CSV file and show every row's problems; nothing is saved here."""
    organization = _organization()
    form = CsvUploadForm(prefix="csv")
    form.cohort.choices = _cohort_choices(organization)
    if not form.validate_on_submit():
        return _people_page(organization, upload_form=form, status=400)
    default_cohort = db.session.get(Cohort, form.cohort.data) if form.cohort.data else None
    check = invitations.check_csv(form.file.data.read(), organization, default_cohort=default_cohort)
    confirm = None
    if check.ok:
        confirm = CsvConfirmForm(prefix="confirm")
        confirm.payload.data = invitations.sign_rows(
            check.rows, organization_id=organization.id, actor_id=current_user.id,
            secret_key=current_app.config["SECRET_KEY"],
        )
    retry = CsvUploadForm(prefix="csv", formdata=None)
    retry.cohort.choices = form.cohort.choices
    retry.cohort.data = form.cohort.data
    return render_template(
        "orgs/preview.html", organization=organization, check=check, confirm_form=confirm, upload_form=retry,
        filename=form.file.data.filename, org_args=_org_args(organization),
    ), (200 if check.ok else 422)


@bp.post("/org/people/upload/confirm")
@role_required(*MANAGERS)
def confirm_upload():
    """Invite everyone in a checked file, after checking it once more: all or nothing."""
    organization = _organization()
    form = CsvConfirmForm(prefix="confirm")
    rows = None
    if form.validate_on_submit():
        rows = invitations.unsign_rows(form.payload.data, organization_id=organization.id, actor_id=current_user.id,
                                       secret_key=current_app.config["SECRET_KEY"])
    if rows is None:
        flash(_("This check has expired or was changed. Upload the file again."), "error")
        return redirect(url_for("orgs.people", **_org_args(organization)))
    invitations.check_rows(rows, organization)
    if any(not row.ok for row in rows):  # something changed since the preview (someone registered)
        check = invitations.CsvCheck(rows=rows, file_problems=[])
        retry = CsvUploadForm(prefix="csv", formdata=None)
        retry.cohort.choices = _cohort_choices(organization)
        return render_template("orgs/preview.html", organization=organization, check=check, confirm_form=None,
                               upload_form=retry, filename="", org_args=_org_args(organization)), 422
    sent = invitations.invite_rows(organization, rows, actor=current_user)
    db.session.commit()
    _send_invitations(sent, organization)
    flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(sent)), "success")
    return redirect(url_for("orgs.people", **_org_args(organization)))


@bp.post("/org/people/invitations/<int:invitation_id>/revoke")
@role_required(*MANAGERS)
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not can_manage_organization(current_user, invitation.organization_id):
        abort(403)
    organization = invitation.organization
    if ActionForm().validate_on_submit():
        try:
            invitations.revoke_invitation(invitation, actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The invitation was withdrawn; its link no longer works."), "success")
    return redirect(url_for("orgs.people", **_org_args(organization)))


def _change_member(user_id: int, change) -> Response:
    organization = _organization()
    user = _member(organization, user_id)
    if ActionForm().validate_on_submit():
        try:
            change(user, actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            if user.active:
                flash(_("%(name)s can sign in again.", name=user.name), "success")
            else:
                flash(_("%(name)s can no longer sign in. Their records are kept.", name=user.name), "success")
    return redirect(url_for("orgs.people", **_org_args(organization)))


@bp.post("/org/people/<int:user_id>/deactivate")
@role_required(*MANAGERS)
def deactivate(user_id: int):
    return _change_member(user_id, services.deactivate_user)


@bp.post("/org/people/<int:user_id>/reactivate")
@role_required(*MANAGERS)
def reactivate(user_id: int):
    return _change_member(user_id, services.reactivate_user)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def accept(token: str):
    """The link in an invitation email: choose a password and join."""
    invitation = invitations.find_invitation(token)
    if invitation is None:
        return render_template("orgs/invitation_invalid.html"), 404
    if current_user.is_authenticated:
        return render_template("orgs/invitation_signed_in.html", invitation=invitation), 409
    form = AcceptInvitationForm()
    form.password_hints = [invitation.email]  # and the name typed in the form
    if request.method == "GET":
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(invitation, name=form.name.data, password=form.password.data)
        except DomainError as error:
            if error.field == "name":
                form.name.errors.append(error.message)
            else:  # the address got an account in the meantime
                flash(error.message + " " + _("Log in, or reset your password if you forgot it."), "error")
        else:
            sessions.log_in(user)
            db.session.commit()
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("orgs/accept.html", form=form, invitation=invitation)


# Cohorts --------------------------------------------------------------------------------------

@bp.get("/org/cohorts")
@role_required(*STAFF)
def cohorts():
    visible = services.visible_cohorts(current_user)
    summaries = dashboard_queries.cohort_summaries(visible)
    organization = _organization_or_none() if current_user.role in MANAGERS else None
    return render_template("orgs/cohorts.html", summaries=summaries, organization=organization,
                           can_create=current_user.role in MANAGERS)


@bp.route("/org/cohorts/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_cohort():
    organization = _organization_or_none()
    if organization is None:
        return render_template("orgs/choose_organization.html", organizations=services.organizations_with_counts(),
                               target="orgs.new_cohort")
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(organization, name=form.name.data, starts_on=form.starts_on.data,
                                            ends_on=form.ends_on.data, actor=current_user)
        except DomainError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Cohort “%(name)s” created. Now assign its supervisors and trainees.", name=cohort.name),
                  "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    return render_template("orgs/cohort_form.html", form=form, organization=organization)


@bp.get("/org/cohorts/<int:cohort_id>")
@role_required(*STAFF)
def dashboard(cohort_id: int):
    cohort = _cohort_for_viewing(cohort_id)
    days = min(max(request.args.get("days", dashboards.DEFAULT_STUCK_DAYS, type=bounded_int), 1), 365)
    data = dashboards.build_dashboard(cohort, course_id=request.args.get("course", type=bounded_int), stuck_days=days)
    grid = ListPage.of(data.rows, request.args.get("page", 1, type=bounded_int), GRID_PER_PAGE)
    return render_template(
        "orgs/dashboard.html", cohort=cohort, data=data, grid=grid, days=days,
        can_manage=can_manage_organization(current_user, cohort.organization_id),
        supervisors=cohort.supervisors,
    )


def _manage_page(cohort: Cohort, *, details=None, supervisors_form=None, trainees_form=None, enrol_form=None,
                 status: int = 200):
    details = details or CohortForm(prefix="details", obj=cohort)
    supervisors_form = supervisors_form or SupervisorsForm(prefix="supervisors")
    trainees_form = trainees_form or TraineesForm(prefix="trainees")
    enrol_form = enrol_form or EnrolForm(prefix="enrol")
    organization_supervisors = services.organization_people(cohort.organization_id, Role.SUPERVISOR)
    supervisors_form.supervisors.choices = _people_choices(organization_supervisors)
    if supervisors_form.supervisors.data is None or not supervisors_form.is_submitted():
        supervisors_form.supervisors.data = [user.id for user in cohort.supervisors]
    members = services.cohort_trainees_list(cohort)
    member_ids = {user.id for user in members}
    trainees_form.trainees.choices = _people_choices([
        user for user in services.organization_people(cohort.organization_id, Role.TRAINEE) if user.id not in member_ids
    ])
    enrol_form.course_version.choices = [
        SelectChoice(version.id, _("%(course)s (version %(version)s)", course=version.course.title,
                                   version=version.version))
        for version in services.live_course_versions()
    ]
    return render_template(
        "orgs/manage.html", cohort=cohort, details=details, supervisors_form=supervisors_form,
        trainees_form=trainees_form, enrol_form=enrol_form, members=members, action_form=ActionForm(),
    ), status


@bp.route("/org/cohorts/<int:cohort_id>/manage", methods=["GET", "POST"])
@role_required(*MANAGERS)
def manage_cohort(cohort_id: int):
    cohort = _cohort_for_managing(cohort_id)
    form = CohortForm(prefix="details", obj=cohort)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.update_cohort(cohort, name=form.name.data, starts_on=form.starts_on.data,
                                       ends_on=form.ends_on.data, actor=current_user)
            except DomainError as error:
                getattr(form, error.field or "name").errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Cohort details saved."), "success")
                return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
        return _manage_page(cohort, details=form, status=400)
    return _manage_page(cohort)


@bp.post("/org/cohorts/<int:cohort_id>/supervisors")
@role_required(*MANAGERS)
def set_supervisors(cohort_id: int):
    cohort = _cohort_for_managing(cohort_id)
    form = SupervisorsForm(prefix="supervisors")
    form.supervisors.choices = _people_choices(services.organization_people(cohort.organization_id, Role.SUPERVISOR))
    if form.validate_on_submit():
        chosen = list(db.session.scalars(sa.select(User).where(User.id.in_(form.supervisors.data or []))))
        try:
            services.set_supervisors(cohort, chosen, actor=current_user)
        except DomainError as error:
            form.supervisors.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Supervisors saved."), "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    return _manage_page(cohort, supervisors_form=form, status=400)


@bp.post("/org/cohorts/<int:cohort_id>/trainees")
@role_required(*MANAGERS)
def add_trainees(cohort_id: int):
    cohort = _cohort_for_managing(cohort_id)
    form = TraineesForm(prefix="trainees")
    form.trainees.choices = _people_choices(services.organization_people(cohort.organization_id, Role.TRAINEE))
    if form.validate_on_submit() and form.trainees.data:
        chosen = list(db.session.scalars(sa.select(User).where(User.id.in_(form.trainees.data))))
        try:
            added = services.add_trainees(cohort, chosen, actor=current_user)
        except Conflict as error:  # someone else added them meanwhile: show the cohort as it is now
            flash(error.message, "error")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
        except DomainError as error:
            form.trainees.errors.append(error.message)
        else:
            db.session.commit()
            flash(ngettext("%(num)d trainee added.", "%(num)d trainees added.", added), "success")
            return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))
    elif not form.errors:
        form.trainees.errors.append(_("Choose at least one trainee."))
    return _manage_page(cohort, trainees_form=form, status=400)


@bp.post("/org/cohorts/<int:cohort_id>/trainees/<int:user_id>/remove")
@role_required(*MANAGERS)
def remove_trainee(cohort_id: int, user_id: int):
    cohort = _cohort_for_managing(cohort_id)
    trainee = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        services.remove_trainee(cohort, trainee, actor=current_user)
        db.session.commit()
        flash(_("%(name)s was removed from the cohort. Their progress is kept.", name=trainee.name), "success")
    return redirect(url_for("orgs.manage_cohort", cohort_id=cohort.id))


@bp.post("/org/cohorts/<int:cohort_id>/enrol")
@role_required(*MANAGERS)
def enrol(cohort_id: int):
    cohort = _cohort_for_managing(cohort_id)
    form = EnrolForm(prefix="enrol")
    form.course_version.choices = [SelectChoice(v.id, v.course.title) for v in services.live_course_versions()]
    if form.validate_on_submit():
        version = db.get_or_404(CourseVersion, form.course_version.data)
        try:
            enrolled, already = services.enrol_cohort(cohort, version, actor=current_user)
        except DomainError as error:
            form.course_version.errors.append(error.message)
        else:
            db.session.commit()
            message = ngettext("%(num)d trainee enrolled in %(course)s.", "%(num)d trainees enrolled in %(course)s.",
                               enrolled, course=version.course.title)
            if already:
                message += " " + ngettext("%(num)d was already enrolled.", "%(num)d were already enrolled.", already)
            flash(message, "success")
            return redirect(url_for("orgs.dashboard", cohort_id=cohort.id, course=version.course_id))
    return _manage_page(cohort, enrol_form=form, status=400)


# Exports ----------------------------------------------------------------------------------------

def _csv_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/org/cohorts/<int:cohort_id>/progress.csv")
@role_required(*STAFF)
def export_progress(cohort_id: int):
    cohort = _cohort_for_viewing(cohort_id)
    text = exports.cohort_progress_csv(cohort)
    audit.record("export.cohort_progress", actor=current_user, subject=cohort)
    db.session.commit()
    return _csv_response(text, f"cohort-{cohort.id}-progress.csv")


@bp.get("/org/certificates.csv")
@role_required(*STAFF)
def export_certificates():
    organization_id = request.args.get("org", type=bounded_int) if current_user.role == Role.ADMIN else None
    text = exports.certificates_csv(current_user, organization_id=organization_id)
    audit.record("export.certificates", actor=current_user, organization_id=organization_id or
                 current_user.organization_id)
    db.session.commit()
    return _csv_response(text, "certificates.csv")
