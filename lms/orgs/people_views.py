"""The People page of an organization (/org/people): members, invitations one by one or from a checked
CSV file, withdrawing an invitation, and deactivating or reactivating an account."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from lms.auth.permissions import can_manage_organization, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import bounded_int
from lms.mail import send_mail
from lms.models import Cohort, Invitation, Organization, utcnow
from lms.orgs import invitations, services
from lms.orgs.blueprint import (
    MANAGERS,
    bp,
    cohort_choices,
    member_or_404,
    org_args,
    organization_or_404,
    organization_or_none,
)
from lms.orgs.forms import ActionForm, CsvConfirmForm, CsvUploadForm, InviteForm

PEOPLE_PER_PAGE = 50


def send_invitations(sent: list[tuple[Invitation, str]], organization: Organization) -> None:
    """After the commit: mail each invitation its link."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    for invitation, token in sent:
        subject = _l("You are invited to %(program)s", program=current_app.config["LMS_PROGRAM_NAME"])
        send_mail(invitation.email, subject, "invitation", language=invitations.language_for(invitation),
                  invitation=invitation, organization=organization,
                  link=base + url_for("orgs.accept", token=token), days=invitations.INVITATION_DAYS,
                  inviter=current_user if current_user.is_authenticated else None)


def _people_page(organization: Organization, *, invite_form=None, upload_form=None, status: int = 200):
    invite_form = invite_form or InviteForm(prefix="invite")
    upload_form = upload_form or CsvUploadForm(prefix="csv")
    choices = cohort_choices(organization)
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
        action_form=ActionForm(), search=search, role=role, org_args=org_args(organization), now=utcnow(),
    ), status


@bp.get("/org/people")
@role_required(*MANAGERS)
def people():
    organization = organization_or_none()
    if organization is None:  # an administrator chooses the organization first
        return render_template("orgs/choose_organization.html",
                               organizations=services.organizations_with_counts())
    return _people_page(organization)


@bp.post("/org/people/invite")
@role_required(*MANAGERS)
def invite():
    organization = organization_or_404()
    form = InviteForm(prefix="invite")
    form.cohort.choices = cohort_choices(organization)
    if form.validate_on_submit():
        cohort = db.session.get(Cohort, form.cohort.data) if form.cohort.data else None
        try:
            sent = invitations.invite(organization, email=form.email.data, name=form.name.data,
                                      role=form.role.data, cohort=cohort, actor=current_user,
                                      language=form.language.data or None)
        except DomainError as error:
            show_refusal(form, error, "email")
        else:
            db.session.commit()
            send_invitations([sent], organization)
            flash(_("Invitation sent to %(email)s.", email=sent[0].email), "success")
            return redirect(url_for("orgs.people", **org_args(organization)))
    return _people_page(organization, invite_form=form, status=400)


def _preview(organization: Organization, check, *, confirm, upload_form, filename: str, status: int):
    return render_template("orgs/preview.html", organization=organization, check=check, confirm_form=confirm,
                           upload_form=upload_form, filename=filename, org_args=org_args(organization)), status


@bp.post("/org/people/upload")
@role_required(*MANAGERS)
def upload():
    """Check a CSV file and show every row's problems; nothing is saved here."""
    organization = organization_or_404()
    form = CsvUploadForm(prefix="csv")
    form.cohort.choices = cohort_choices(organization)
    if not form.validate_on_submit():
        return _people_page(organization, upload_form=form, status=400)
    default_cohort = db.session.get(Cohort, form.cohort.data) if form.cohort.data else None
    try:
        check = invitations.check_csv(form.file.data.read(), organization, default_cohort=default_cohort)
    except DomainError as error:  # the file itself is unusable: said next to the file field, nothing saved
        show_refusal(form, error, "file")
        return _people_page(organization, upload_form=form, status=422)
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
    return _preview(organization, check, confirm=confirm, upload_form=retry, filename=form.file.data.filename,
                    status=200 if check.ok else 422)


@bp.post("/org/people/upload/confirm")
@role_required(*MANAGERS)
def confirm_upload():
    """Invite everyone in a checked file, after checking it once more: all or nothing."""
    organization = organization_or_404()
    form = CsvConfirmForm(prefix="confirm")
    try:
        if not form.validate_on_submit():
            raise invitations.expired_check()
        rows = invitations.unsign_rows(form.payload.data, organization_id=organization.id, actor_id=current_user.id,
                                       secret_key=current_app.config["SECRET_KEY"])
    except DomainError as error:
        show_refusal(None, error)  # the People page, after the redirect, says so
        return redirect(url_for("orgs.people", **org_args(organization)))
    invitations.check_rows(rows, organization)
    if any(not row.ok for row in rows):  # something changed since the preview (someone registered)
        retry = CsvUploadForm(prefix="csv", formdata=None)
        retry.cohort.choices = cohort_choices(organization)
        return _preview(organization, invitations.CsvCheck(rows=rows), confirm=None,
                        upload_form=retry, filename="", status=422)
    sent = invitations.invite_rows(organization, rows, actor=current_user)
    db.session.commit()
    send_invitations(sent, organization)
    flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(sent)), "success")
    return redirect(url_for("orgs.people", **org_args(organization)))


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
            show_refusal(None, error)
        else:
            db.session.commit()
            flash(_("The invitation was withdrawn; its link no longer works."), "success")
    return redirect(url_for("orgs.people", **org_args(organization)))


def _change_member(user_id: int, change) -> Response:
    organization = organization_or_404()
    user = member_or_404(organization, user_id)
    if ActionForm().validate_on_submit():
        try:
            change(user, actor=current_user)
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            if user.active:
                flash(_("%(name)s can sign in again.", name=user.name), "success")
            else:
                flash(_("%(name)s can no longer sign in. Their records are kept.", name=user.name), "success")
    return redirect(url_for("orgs.people", **org_args(organization)))


@bp.post("/org/people/<int:user_id>/deactivate")
@role_required(*MANAGERS)
def deactivate(user_id: int):
    return _change_member(user_id, services.deactivate_user)


@bp.post("/org/people/<int:user_id>/reactivate")
@role_required(*MANAGERS)
def reactivate(user_id: int):
    return _change_member(user_id, services.reactivate_user)
