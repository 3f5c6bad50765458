"""Sign-in, registration, passwords."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import audit
from lms.auth import services, sessions
from lms.auth.forms import (
    ChangePasswordForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from lms.auth.permissions import public, signed_in
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.mail import send_mail
from lms.sso import forms as sso_forms
from lms.sso import settings as sso_settings
from lms.sso import signin as sso_signin

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if not target:
        return url_for("main.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("main.dashboard")
    return target


def _absolute_url(endpoint: str, **values) -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _login_email_key() -> str:
    return "login:" + services.normalize_email(request.form.get("email", ""))


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])  # per address: slows password spraying
@limiter.limit(
    lambda: f"{current_app.config['LOGIN_MAX_FAILURES']} per {current_app.config['LOGIN_LOCK_MINUTES']} minutes",
    key_func=_login_email_key,
    methods=["POST"],
    deduct_when=_login_failed,
)  # per email, known or not, so the lock reveals nothing about who has an account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = services.authenticate(
                form.email.data,
                form.password.data,
                max_failures=config["LOGIN_MAX_FAILURES"],
                lock_minutes=config["LOGIN_LOCK_MINUTES"],
            )
        except services.AccountLocked as locked:
            db.session.commit()
            g.login_failed = True
            flash(locked.message, "error")
            return _login_page(form), 429
        if user is None:
            db.session.commit()
            g.login_failed = True
            flash(_("That email and password do not match an account. Check them and try again."), "error")
            return _login_page(form), 200
        provider = sso_signin.provider_requiring_sign_in(user)
        if provider is not None:  # the right password, but this organization signs its people in elsewhere
            db.session.rollback()
            audit.record("sso.password_refused", subject=user, target_user=user, provider=provider.slug)
            db.session.commit()
            form.password.errors.append(_("%(organization)s signs its people in through %(name)s: use “Sign in "
                                          "with %(name)s” below.", organization=provider.organization.name,
                                          name=provider.name))
            return _login_page(form), 403
        sessions.log_in(user, remember=form.remember.data)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")))
    return _login_page(form)


def _login_page(form: LoginForm) -> str:
    """The login form, with a button per organization that signs its people in through an identity provider."""
    return render_template("auth/login.html", form=form, identity_providers=sso_settings.providers_for_login(),
                           sso_form=sso_forms.StartForm(formdata=None))


@bp.post("/logout")
@signed_in
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        audit.record("auth.logout", actor=user, subject=user)
        offer = sso_signin.logout_offer(session, post_logout_redirect_uri=_absolute_url("auth.login"),
                                        timeout=float(current_app.config["SSO_HTTP_TIMEOUT"]))
        sessions.log_out(user)
        db.session.commit()
        flash(_("You have logged out."), "info")
        if offer is not None:  # signed in through an identity provider that offers RP-initiated logout
            session[sso_signin.LOGOUT_OFFER_KEY] = offer
            return redirect(url_for("sso.signed_out"))
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@signed_in
def logout_everywhere():
    """End every session of this person: other browsers, and the remember-me cookies they keep."""
    form = LogoutForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        audit.record("auth.logout_everywhere", actor=user, subject=user, target_user=user)
        sessions.end_all_sessions(user)
        sessions.log_out(user)
        db.session.commit()
        flash(_("You have logged out on all devices."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.change_password"))


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    require_code = current_app.config["REGISTRATION_REQUIRES_INVITE_CODE"]
    if require_code:
        form.invite_code.flags.required = True
    if request.method == "GET" and request.args.get("code"):
        form.invite_code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            user = services.register_trainee(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                invite_code=form.invite_code.data or "",
                require_code=require_code,
            )
        except services.EmailTaken:
            # The same answer as for a new account, so the form never tells who has one; the owner learns of it.
            owner = services.find_user_by_email(form.email.data)
            services.hash_password(form.password.data)  # the work a new account costs, so the timing tells nothing
            send_mail(owner.email, _l("Someone tried to register with your address"), "account_exists",
                      language=owner.language, user=owner, login_link=_absolute_url("auth.login"),
                      reset_link=_absolute_url("auth.reset_request"))
        except DomainError as error:
            getattr(form, error.field or "email").errors.append(error.message)
            return render_template("auth/register.html", form=form, require_code=require_code)
        else:
            db.session.commit()
            send_mail(user.email, _l("Your account is ready"), "account_created", user=user,
                      login_link=_absolute_url("auth.login"))
        flash(_("Thank you. Check your e-mail: we have sent a message to %(email)s about your account. "
                "If you have just created it, you can log in now.", email=services.normalize_email(form.email.data)),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form, require_code=require_code)



@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.password_hints = [user.name, user.email]
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except DomainError as error:
            form.current_password.errors.append(error.message)
        else:
            sessions.log_in(user)  # every session ended with the password change; this one goes on
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form, logout_everywhere_form=LogoutForm(formdata=None))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            token = services.make_reset_token(user, current_app.config["SECRET_KEY"])
            link = _absolute_url("auth.reset_password", token=token)
            send_mail(user.email, _l("Reset your password"), "reset_password", language=user.language, user=user,
                      link=link)
        # The same answer either way: the form never tells who has an account.
        flash(_("If an account uses that address, we have sent it a link to reset the password. "
                "The link works for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = services.user_for_reset_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    form.password_hints = [user.name, user.email]
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password has been set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
