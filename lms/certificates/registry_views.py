"""The public registry's pages: the search (anyone, rate-limited, never indexed), the holder's consent
(list, withdraw) and an organization's listing rule. The rules are in `lms.certificates.registry`."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import can_set_registry_rule, public, role_required
from lms.certificates import registry
from lms.certificates.blueprint import bp
from lms.certificates.forms import ActionForm, RegistryRuleForm, RegistrySearchForm
from lms.certificates.holder_views import _own_certificate
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.forms import show_refusal
from lms.models import Organization, Role


def registry_search_limit() -> str:
    return current_app.config.get("REGISTRY_RATE_LIMIT", "20 per minute; 200 per day")


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # a withdrawn entry must not outlive its withdrawal anywhere
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/registry")
@public
@limiter.limit(registry_search_limit)
def registry_search():
    form = RegistrySearchForm(request.args) if "q" in request.args else RegistrySearchForm(formdata=None)
    result, status = None, 200
    if "q" in request.args:
        if form.validate():
            try:
                result = registry.search(form.q.data)
            except DomainError as error:
                show_refusal(form, error, "q")
                status = 400
        else:
            status = 400
    html = render_template("certificates/registry.html", form=form, result=result,
                           max_results=registry.MAX_RESULTS)
    return _private(Response(html, status=status))


@bp.post("/my/certificates/<number>/registry")
@role_required(Role.TRAINEE)
def registry_list(number: str):
    certificate = _own_certificate(number)
    if ActionForm().validate_on_submit():
        registry.list_certificate(certificate, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("Your certificate is now listed in the public registry."), "success")
    return redirect(url_for("certificates.holder_certificate", number=certificate.number))


@bp.post("/my/certificates/<number>/registry/withdraw")
@role_required(Role.TRAINEE)
def registry_withdraw(number: str):
    certificate = _own_certificate(number)
    if ActionForm().validate_on_submit():
        try:
            registry.withdraw_listing(certificate, actor=current_user._get_current_object())
        except DomainError as error:
            show_refusal(None, error)
        else:
            db.session.commit()
            flash(_("Your certificate has been removed from the public registry."), "success")
    return redirect(url_for("certificates.holder_certificate", number=certificate.number))


@bp.route("/org/<int:organization_id>/registry-rule", methods=["GET", "POST"])
@role_required(Role.ORG_ADMIN, Role.ADMIN)
def registry_rule(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    if not can_set_registry_rule(current_user, organization):
        abort(403)
    form = RegistryRuleForm(obj=organization) if request.method == "GET" else RegistryRuleForm()
    if request.method == "GET":
        form.required.data = organization.registry_listing_required
        form.reason.data = organization.registry_listing_reason
    if form.validate_on_submit():
        try:
            registry.set_listing_rule(organization, required=form.required.data, reason=form.reason.data,
                                      actor=current_user._get_current_object())
        except DomainError as error:
            show_refusal(form, error, "reason")
        else:
            db.session.commit()
            flash(_("The registry rule of %(org)s has been saved.", org=organization.name), "success")
            return redirect(url_for("certificates.registry_rule", organization_id=organization.id))
    return render_template("certificates/registry_rule.html", form=form, organization=organization), (
        400 if form.errors else 200)
