"""Organizations' API keys, on the orgs blueprint: /org/api-keys (create, list) and revoking a key.
A new key's secret is shown once, on the page that created it, and never cached."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import ApiKey, Role
from lms.orgs import api_keys
from lms.orgs.api_key_forms import ApiKeyForm, RevokeKeyForm
from lms.orgs.views import bp

KEY_MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)


def _form(user, *, empty: bool = False) -> ApiKeyForm:
    form = ApiKeyForm(formdata=None) if empty else ApiKeyForm()
    if user.role == Role.ADMIN:
        form.organization.choices = [(org.id, org.name) for org in api_keys.organizations_for_keys(user)]
    else:
        del form.organization
    return form


def _create(user, form: ApiKeyForm):
    """The new key and its plaintext, or None when the form's own fields say what is wrong; a refusal
    raises `DomainError`."""
    choice = getattr(form, "organization", None)
    if choice is not None and not choice.choices:  # an administrator, and no organization to choose
        api_keys.organization_for_new_key(user, None)
    if not form.validate_on_submit():
        return None
    organization = api_keys.organization_for_new_key(user, choice.data if choice is not None else None)
    return api_keys.create_api_key(organization, form.name.data, actor=user)


@bp.route("/org/api-keys", methods=["GET", "POST"], endpoint="api_keys")
@role_required(*KEY_MANAGERS)
def api_keys_page():
    user = current_user._get_current_object()
    form = _form(user)
    new_key, status = None, 200
    if request.method == "POST":
        status = 400
        try:
            new_key = _create(user, form)
        except DomainError as error:
            show_refusal(form, error, "name")
        if new_key is not None:
            db.session.commit()
            status, form = 200, _form(user, empty=True)
    page = render_template("orgs/api_keys.html", form=form, keys=api_keys.keys_for(user), new_key=new_key,
                           revoke_form=RevokeKeyForm(formdata=None), docs_url=url_for("api.openapi"))
    response = current_app.make_response((page, status))
    if new_key is not None:
        response.headers["Cache-Control"] = "no-store"  # the key is shown once and must not be cached
    return response


@bp.post("/org/api-keys/<int:key_id>/revoke")
@role_required(*KEY_MANAGERS)
def revoke_api_key(key_id: int):
    user = current_user._get_current_object()
    key = db.session.get(ApiKey, key_id)
    if key is None or not api_keys.can_manage_keys(user, key.organization_id):
        abort(404)
    if RevokeKeyForm().validate_on_submit():
        try:
            api_keys.revoke_api_key(key, actor=user)
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            flash(_("The key %(name)s (%(prefix)s…) has been revoked.", name=key.name, prefix=key.prefix), "success")
    return redirect(url_for("orgs.api_keys"))
