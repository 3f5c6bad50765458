"""Registering platforms (organization administrators, administrators) and the scores sent to them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import audit
from lms.auth.permissions import can_manage_lti, role_required
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_refusal
from lms.lti import registrations, scores
from lms.lti.blueprint import bp
from lms.lti.forms import ActionForm, PlatformForm
from lms.models import LtiPlatform, LtiScore, Organization, Role

MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)



def _platform_form(user, *, obj: LtiPlatform | None = None) -> PlatformForm:
    """The registration form: empty for a new platform, filled from `obj` to change one (the posted values
    on a POST). Only administrators choose the organization, and only for a new platform."""
    if obj is not None and request.method == "GET":
        form = PlatformForm(formdata=None, obj=obj)
        form.deployment_ids.data = "\n".join(obj.deployment_ids or [])
    else:
        form = PlatformForm()
    if user.role == Role.ADMIN and obj is None:
        form.organization.choices = [(org.id, org.name) for org in registrations.organizations_for(user)]
    else:
        del form.organization
    return form


def _values(form: PlatformForm) -> dict:
    return {name: getattr(form, name).data for name in (*registrations.FIELDS, "deployment_ids")}


@bp.route("/lti/platforms", methods=["GET", "POST"])
@role_required(*MANAGERS)
def platforms():
    user = current_user._get_current_object()
    form = _platform_form(user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            organization_id = form.organization.data if "organization" in form else user.organization_id
            organization = db.session.get(Organization, organization_id) if organization_id else None
            try:
                if organization is None:
                    raise DomainError(_("Choose an organization."), field="organization")
                platform = registrations.register_platform(organization, _values(form), actor=user)
            except DomainError as error:
                db.session.rollback()
                show_refusal(form, error, "name")
            else:
                db.session.commit()
                flash(_("%(name)s is registered. Now paste the tool's settings below into it.", name=platform.name),
                      "success")
                return redirect(url_for("lti.platform", platform_id=platform.id))
    return render_template("lti/platforms.html", form=form, platforms=registrations.platforms_for(user),
                           settings=registrations.tool_settings()), status


def _platform_or_404(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None or not can_manage_lti(current_user, platform.organization_id):
        abort(404)
    return platform


@bp.route("/lti/platforms/<int:platform_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def platform(platform_id: int):
    platform = _platform_or_404(platform_id)
    user = current_user._get_current_object()
    form = _platform_form(user, obj=platform)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                registrations.update_platform(platform, _values(form), actor=user)
            except DomainError as error:
                db.session.rollback()
                platform = _platform_or_404(platform_id)
                show_refusal(form, error, "name")
            else:
                db.session.commit()
                flash(_("The platform's settings are saved."), "success")
                return redirect(url_for("lti.platform", platform_id=platform.id))
    return render_template("lti/platform.html", platform=platform, form=form, action_form=ActionForm(formdata=None),
                           settings=registrations.tool_settings(), tool_json=registrations.tool_json(),
                           scores=scores.scores_of(platform.id)), status


@bp.post("/lti/platforms/<int:platform_id>/active")
@role_required(*MANAGERS)
def set_active(platform_id: int):
    platform = _platform_or_404(platform_id)
    if ActionForm().validate_on_submit():
        registrations.set_active(platform, not platform.active, actor=current_user)
        db.session.commit()
        flash(_("Launches from %(name)s are on.", name=platform.name) if platform.active
              else _("Launches from %(name)s are off.", name=platform.name), "success")
    return redirect(url_for("lti.platform", platform_id=platform.id))


@bp.post("/lti/scores/<int:score_id>/resend")
@role_required(*MANAGERS)
def resend_score(score_id: int):
    score = db.session.get(LtiScore, score_id)
    if score is None:
        abort(404)
    platform = _platform_or_404(score.launch.resource_link.platform_id)
    if ActionForm().validate_on_submit():
        scores.resend(score)
        audit.record("lti.score_resent", actor=current_user, subject=score, platform=platform.id)
        db.session.commit()
        flash(_("The score is on its way again."), "success")
    return redirect(url_for("lti.platform", platform_id=platform.id))
