"""The footer's language switcher (a plain form, so it works without JavaScript) and an organization's default."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_manage_organization, public, role_required
from lms.auth.views import safe_next
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.i18n import services
from lms.i18n.forms import DefaultLanguageForm
from lms.i18n.selection import SESSION_KEY, supported
from lms.models import Organization, Role

bp = Blueprint("i18n", __name__)


@bp.post("/language")
@public
def choose():
    """A visitor's choice lives in their session; a signed-in person's on their account."""
    language = supported(request.form.get("language"))
    target = safe_next(request.form.get("next"))
    if language is None:
        flash(_("Choose one of the languages offered."), "error")
        return redirect(target, code=303)
    if current_user.is_authenticated:
        services.set_own_language(current_user, language)
        db.session.commit()
    else:
        session[SESSION_KEY] = language
    return redirect(target, code=303)


@bp.route("/org/<int:organization_id>/language", methods=["GET", "POST"])
@role_required(Role.ORG_ADMIN, Role.ADMIN)
def organization_language(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    if not can_manage_organization(current_user, organization.id):
        abort(403)
    form = DefaultLanguageForm()
    if request.method == "GET":
        form.language.data = organization.default_language
    if form.validate_on_submit():
        try:
            services.set_default_language(organization, form.language.data, actor=current_user._get_current_object())
        except DomainError as error:
            show_refusal(form, error, "language")
        else:
            db.session.commit()
            flash(_("The default language of %(org)s has been saved.", org=organization.name), "success")
            return redirect(url_for("i18n.organization_language", organization_id=organization.id))
    return render_template("i18n/organization_language.html", form=form, organization=organization), (
        400 if form.errors else 200)
