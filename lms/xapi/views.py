"""The xAPI pages (organization administrators, and administrators for any organization): the LRS
settings with a test button, and the statements sent and failed with a retry button."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_manage_xapi, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.inputs import bounded_int
from lms.models import Organization, Role
from lms.orgs.services import organizations_with_counts
from lms.xapi import services
from lms.xapi.blueprint import bp
from lms.xapi.forms import ActionForm, XapiSettingsForm

MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)


def _organization(target: str):
    """The organization the page is about, or the page choosing one (administrators without `org`).
    An organization administrator naming another organization is refused."""
    user = current_user._get_current_object()
    org_id = request.args.get("org", type=bounded_int)
    if user.role == Role.ADMIN and org_id is None:
        return None, render_template("orgs/choose_organization.html", organizations=organizations_with_counts(),
                                     target=target)
    if org_id is None:
        org_id = user.organization_id
    organization = db.session.get(Organization, org_id) if org_id is not None else None
    if organization is None:
        abort(404)
    if not can_manage_xapi(user, organization.id):
        abort(403)
    return organization, None


def _args(organization: Organization) -> dict:
    return {"org": organization.id} if current_user.role == Role.ADMIN else {}


@bp.route("", methods=["GET", "POST"], endpoint="settings")
@role_required(*MANAGERS)
def settings_page():
    organization, chooser = _organization("xapi.settings")
    if chooser is not None:
        return chooser
    settings = services.settings_for(organization)
    form = XapiSettingsForm(obj=settings) if request.method == "GET" else XapiSettingsForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                services.save_settings(organization, enabled=form.enabled.data, endpoint=form.endpoint.data,
                                       key=form.key.data, secret=form.secret.data or None,
                                       identify_by_email=form.identify_by_email.data, actor=current_user)
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("The xAPI settings are saved."), "success")
                return redirect(url_for("xapi.settings", **_args(organization)))
    form.secret.data = ""  # a secret is never sent back to the browser
    form.secret.description = (
        _("A secret is saved; it is never shown again. Leave this empty to keep it, or enter a new one to "
          "replace it.") if settings is not None and settings.secret_sealed else
        _("The password of the LRS credentials. It is stored encrypted and never shown again."))
    page = render_template("xapi/settings.html", organization=organization, settings=settings, form=form,
                           action_form=ActionForm(formdata=None), args=_args(organization))
    return current_app.make_response((page, status))


@bp.post("/test", endpoint="test")
@role_required(*MANAGERS)
def send_test():
    organization, chooser = _organization("xapi.settings")
    if chooser is not None:
        abort(404)
    settings = services.settings_for(organization)
    if ActionForm().validate_on_submit():
        if settings is None:
            flash(_("Save the LRS's address, key and secret first."), "error")
        else:
            try:
                statement_id = services.send_test_statement(settings, current_user)
            except DomainError as error:
                db.session.commit()  # the audit log keeps the failed test
                show_refusal(None, error)
            else:
                db.session.commit()
                flash(_("The LRS accepted the test statement %(id)s.", id=statement_id), "success")
    return redirect(url_for("xapi.settings", **_args(organization)))


@bp.get("/statements", endpoint="statements")
@role_required(*MANAGERS)
def statements_page():
    organization, chooser = _organization("xapi.statements")
    if chooser is not None:
        return chooser
    page = services.statements_page(organization, request.args.get("state"))
    return render_template("xapi/statements.html", organization=organization, page=page,
                           settings=services.settings_for(organization), action_form=ActionForm(formdata=None),
                           args=_args(organization))


@bp.post("/statements/<int:statement_id>/retry", endpoint="retry")
@role_required(*MANAGERS)
def retry_one(statement_id: int):
    organization, chooser = _organization("xapi.statements")
    if chooser is not None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            row = services.statement_of(organization, statement_id)
        except DomainError:
            abort(404)
        if services.retry(organization, [row], current_user):
            flash(_("The statement is queued again."), "success")
        db.session.commit()
    return redirect(url_for("xapi.statements", **_args(organization)))


@bp.post("/statements/retry", endpoint="retry_all")
@role_required(*MANAGERS)
def retry_all():
    organization, chooser = _organization("xapi.statements")
    if chooser is not None:
        abort(404)
    if ActionForm().validate_on_submit():
        count = services.retry(organization, services.unsent(organization), current_user)
        db.session.commit()
        flash(_("%(count)d statements are queued again.", count=count), "success")
    return redirect(url_for("xapi.statements", **_args(organization)))
