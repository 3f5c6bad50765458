"""Single sign-on pages: the settings of an organization's identity provider (its administrators and
administrators), the per-organization sign-in page /sso/<address>, the provider's callback and the page
offering to sign out of the provider too.

The callback is a GET that signs a person in and writes the audit log: the OpenID Connect redirect is a GET
by definition (the state it carries, checked once, is what protects it)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import audit
from lms.auth import sessions
from lms.auth.permissions import can_manage_sso, can_see_every_organization, public, role_required
from lms.auth.views import safe_next
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.forms import show_refusal
from lms.models import IdentityProvider, Organization, Role
from lms.sso import oidc, settings, signin
from lms.sso.forms import ProviderForm, RemoveProviderForm, StartForm

bp = Blueprint("sso", __name__)

MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)


def _timeout() -> float:
    return float(current_app.config.get("SSO_HTTP_TIMEOUT", 5))


def _absolute_url(endpoint: str, **values) -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def redirect_uri() -> str:
    """The one redirect URI every provider registers for this application."""
    return _absolute_url("sso.callback")


def _organization_or_404(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None or not can_manage_sso(current_user, organization_id):
        abort(404)
    return organization


@bp.get("/settings")
@role_required(*MANAGERS)
def index():
    user = current_user._get_current_object()
    ids = None if can_see_every_organization(user) else [user.organization_id]
    if ids == [None]:
        ids = []
    rows = settings.organizations_with_providers(ids)
    if len(rows) == 1 and ids:
        return redirect(url_for("sso.edit", organization_id=rows[0][0].id))
    return render_template("sso/index.html", rows=rows)


def _settings_from(form: ProviderForm) -> settings.ProviderSettings:
    return settings.ProviderSettings(
        name=form.name.data or "", slug=form.slug.data or "", discovery_url=form.discovery_url.data or "",
        client_id=form.client_id.data or "", client_secret=form.client_secret.data or "",
        allowed_domains=form.allowed_domains.data or "",
        local_passwords_allowed=bool(form.local_passwords_allowed.data),
        join_as_trainee=bool(form.join_as_trainee.data))


@bp.route("/settings/<int:organization_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(organization_id: int):
    organization = _organization_or_404(organization_id)
    provider = settings.provider_for(organization.id)
    if request.method == "GET":
        form = ProviderForm(obj=provider) if provider else ProviderForm(
            formdata=None, local_passwords_allowed=True, slug=settings.suggested_slug(organization.name))
    else:
        form = ProviderForm()
    if provider is not None:
        form.client_secret.label.text = _("Replace client secret")
        form.client_secret.description = _("A secret is saved (it is never shown). Leave this empty to keep it.")
    status = 200
    if form.validate_on_submit():
        try:
            provider = settings.save_provider(organization, _settings_from(form), actor=current_user,
                                              timeout=_timeout(), require_https=current_app.config["PRODUCTION"],
                                              public_only=current_app.config["PRODUCTION"]
                                              and not current_app.config["SSO_ALLOW_PRIVATE_PROVIDERS"])
        except DomainError as error:
            show_refusal(form, error, "discovery_url")
            status = 400
        else:
            db.session.commit()
            flash(_("Sign-in with %(name)s is saved. People of %(organization)s can use it now.",
                    name=provider.name, organization=organization.name), "success")
            return redirect(url_for("sso.edit", organization_id=organization.id))
    elif request.method == "POST":
        status = 400
    return render_template("sso/edit.html", form=form, organization=organization, provider=provider,
                           redirect_uri=redirect_uri(), login_url=_absolute_url("auth.login"),
                           sign_in_url=_absolute_url("sso.begin", slug=provider.slug) if provider else None,
                           remove_form=RemoveProviderForm(formdata=None), scopes=oidc.SCOPES), status


@bp.post("/settings/<int:organization_id>/remove")
@role_required(*MANAGERS)
def remove(organization_id: int):
    organization = _organization_or_404(organization_id)
    provider = settings.provider_for(organization.id)
    if provider is None:
        abort(404)
    if RemoveProviderForm().validate_on_submit():
        settings.remove_provider(provider, actor=current_user)
        db.session.commit()
        flash(_("People of %(organization)s no longer sign in through %(name)s; they log in with a password.",
                organization=organization.name, name=provider.name), "success")
    return redirect(url_for("sso.edit", organization_id=organization.id))


def _refused(error: DomainError, provider: IdentityProvider | None, **context):
    """The refusal page, with the refusal written to the audit log (and nothing else of the request kept)."""
    db.session.rollback()
    details = dict(getattr(error, "details", {}) or {})
    audit.record("sso.refused", subject=provider, reason=getattr(error, "reason", type(error).__name__),
                 provider=provider.slug if provider else None, **details, **context)
    db.session.commit()
    page = render_template("sso/refused.html", message=error.message, provider=provider, status=error.status_code)
    return page, error.status_code


@bp.get("/callback")
@public
@limiter.limit("30 per minute")
def callback():
    provider = None
    try:
        pending = signin.take_pending(session, request.args.get("state"))
        provider = db.session.get(IdentityProvider, pending.get("provider"))
        if provider is None:
            raise signin.SignInRefused(_("This organization no longer signs in through an identity provider here. "
                                         "Log in with your password."), reason="unknown_provider", status=404)
        if request.args.get("error"):
            code = "".join(c for c in request.args["error"][:60] if c.isalnum() or c in "_-")
            raise signin.SignInRefused(_("%(name)s did not sign you in (%(error)s). You can try again.",
                                         name=provider.name, error=code or "error"),
                                       reason="provider_error", status=401, error=code)
        if not request.args.get("code"):
            raise signin.SignInRefused(_("%(name)s sent no authorization code back.", name=provider.name),
                                       reason="no_code", status=400)
        verified = signin.verify(provider, pending, code=request.args["code"], redirect_uri=redirect_uri(),
                                 timeout=_timeout())
        user, how = signin.person_for(provider, verified)
    except DomainError as error:
        return _refused(error, provider)
    sessions.log_in(user)
    signin.signed_in(user, provider, verified, session, how)
    db.session.commit()
    if how == "joined":
        flash(_("Welcome. You have joined %(organization)s as a trainee.", organization=provider.organization.name),
              "success")
    return redirect(safe_next(pending.get("next")))


@bp.get("/signed-out")
@public
def signed_out():
    offer = session.get(signin.LOGOUT_OFFER_KEY)
    if not isinstance(offer, dict) or current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("sso/signed_out.html", offer=offer)


@bp.get("/<slug>")
@public
def begin(slug: str):
    provider = settings.provider_by_slug(slug)
    if provider is None:
        abort(404)
    return render_template("sso/begin.html", provider=provider, form=StartForm(formdata=None),
                           next_url=request.args.get("next"))


@bp.post("/<slug>")
@public
@limiter.limit("30 per minute")
def start(slug: str):
    provider = settings.provider_by_slug(slug)
    if provider is None:
        return _refused(signin.SignInRefused(_("No organization signs in at this address. Check the link, or log in "
                                               "with your password."), reason="unknown_provider", status=404),
                        None, slug=slug[:60])
    if not StartForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    try:
        url = signin.begin(provider, session, redirect_uri=redirect_uri(), next_url=request.args.get("next") or "",
                           timeout=_timeout())
    except DomainError as error:
        return _refused(error, provider)
    # A page that moves on by itself, not a redirect: browsers apply the form's page's `form-action 'self'`
    # (our Content-Security-Policy) to redirects after a form is sent, and would stop one to the provider.
    response = current_app.make_response(render_template("sso/redirect.html", url=url, provider=provider))
    response.headers["Cache-Control"] = "no-store"
    return response
