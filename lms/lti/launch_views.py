"""What platforms call (login initiation, launch, the tool's key set and configuration) and the deep-linking
picker an instructor lands on."""

from __future__ import annotations

import uuid

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
    FlaskSessionService,
)
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem

from lms import audit
from lms.auth.permissions import can_place_lti_content, public, role_required
from lms.auth.sessions import log_in
from lms.errors import DomainError, LaunchRefused
from lms.extensions import csrf, db, limiter
from lms.lti import keys, launches, platform_keys, registrations, targets
from lms.lti.blueprint import bp
from lms.lti.failures import refusal_for
from lms.lti.forms import DeepLinkForm
from lms.lti.framing import allow_framing
from lms.lti.tool import DatabaseToolConf, registration_for
from lms.models import LtiPlatform, Role

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)
DEEP_LINK_KEY = "_lti_deep_link"


class _LeanSessionService(FlaskSessionService):
    """pylti1p3 keeps state and nonce in our (cookie) session; not the whole launch, which we store ourselves."""

    def save_launch_data(self, key, jwt_body):
        return None


def _services():
    lti_request = FlaskRequest(session=session)
    return lti_request, _LeanSessionService(lti_request), FlaskCookieService(lti_request)


def _refuse(error: Exception, *, platform: LtiPlatform | None = None, step: str):
    """A clear 4xx page for a launch or login we do not accept, and its row in the audit log."""
    if isinstance(error, LaunchRefused):
        refusal = error
    elif isinstance(error, DomainError):  # the link names no course on offer, say
        refusal = LaunchRefused(error.message, reason="bad_target", status_code=error.status_code)
    else:
        refusal = refusal_for(error)
    db.session.rollback()
    audit.record("lti.refused", subject=platform, step=step, reason=refusal.reason,
                 detail=str(error)[:300], issuer=(request.values.get("iss") or None),
                 client_id=(request.values.get("client_id") or None))
    db.session.commit()
    current_app.logger.info("LTI %s refused: %s (%s)", step, refusal.reason, error)
    return render_template("lti/refused.html", error=refusal, status=refusal.status_code), refusal.status_code


# -- what platforms call ----------------------------------------------------------------------------------


# Per address: a classroom behind one router launches at once; a flood of refusals (each an audit row) does not.
LAUNCH_LIMIT = "300 per minute"


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(LAUNCH_LIMIT)
@public
def login():
    """OIDC third-party login initiation: the platform names itself; we send the browser to its
    authorization endpoint with a fresh state (cookie) and nonce (session). The platform may use GET: a
    refusal is still written to the audit log (the one write a GET here makes), as a security event."""
    lti_request, session_service, cookie_service = _services()
    conf = DatabaseToolConf()
    target_link = request.values.get("target_link_uri") or url_for("lti.launch", _external=True)
    ours = (current_app.config["LMS_BASE_URL"].rstrip("/") + "/", request.host_url)
    try:
        if not request.values.get("iss") or not request.values.get("login_hint"):
            raise LaunchRefused(_("This address is for LMS platforms starting a launch: the request names no "
                                  "platform (iss) or person (login_hint)."), reason="missing_claims")
        if not target_link.startswith(ours):
            raise LaunchRefused(_("The launch points at another site."), reason="bad_target")
        oidc = FlaskOIDCLogin(lti_request, conf, session_service=session_service, cookie_service=cookie_service)
        response = oidc.redirect(url_for("lti.launch", _external=True))
    except (LtiException, OIDCException, LaunchRefused) as error:
        return _refuse(error, platform=conf.platform, step="login")
    allow_framing(launches.frame_origins(conf.platform))
    return response


class ToolLaunch(FlaskMessageLaunch):
    """pylti1p3's launch, with the platform's key set kept between launches (lms.lti.platform_keys)."""

    def fetch_public_key(self, key_set_url: str):
        kid = ((self._jwt or {}).get("header") or {}).get("kid")
        fetch = super().fetch_public_key
        return platform_keys.key_set(key_set_url, kid, lambda: fetch(key_set_url))


@bp.post("/lti/launch")
@csrf.exempt
@limiter.limit(LAUNCH_LIMIT)
@public
def launch():
    """The platform's signed id_token, posted by the browser: a resource link opens its course, a deep
    linking request opens the picker."""
    lti_request, session_service, cookie_service = _services()
    conf = DatabaseToolConf()
    platform = None
    try:
        message = ToolLaunch(lti_request, conf, session_service=session_service, cookie_service=cookie_service)
        claims, deep_link = _validated(message)
        platform = conf.platform
        launches.check_claims(claims, resource_launch=not deep_link)
        launches.spend_nonce(platform, claims["nonce"])
        session.pop(f"lti1p3-nonce-{claims['nonce']}", None)
        user = launches.person_for(platform, claims)
        if deep_link:
            if user.role == Role.TRAINEE:
                raise LaunchRefused(_("Only instructors place content in a course."), reason="wrong_role",
                                    status_code=403)
            destination = _start_deep_link(platform, claims, user)
        else:
            target = targets.resolve(launches.target_ref(claims))
            launches.enrol_for(user, target)
            launches.record_launch(platform, claims, user, target)
            destination = targets.url_for_target(target, user.role)
        audit.record("lti.launched", actor=user, subject=platform, deep_linking=deep_link or None,
                     target=None if deep_link else launches.target_ref(claims))
        log_in(user)
        allow_framing(launches.frame_origins(platform))
        db.session.commit()
    except (LtiException, OIDCException, DomainError) as error:
        return _refuse(error, platform=platform or conf.platform, step="launch")
    return redirect(destination)


def _validated(message: FlaskMessageLaunch) -> tuple[dict, bool]:
    """The launch's claims once pylti1p3 checked state, signature, nonce, registration and deployment.
    A token whose parts are not the JSON objects pylti1p3 expects makes it raise other errors than its own:
    those are malformed launches too, never a 500."""
    try:
        claims = message.get_launch_data()
        return claims, message.is_deep_link_launch()
    except (LtiException, OIDCException):
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise LaunchRefused(str(refusal_for(LtiException("JWT format")).message), reason="malformed") from error


def _start_deep_link(platform: LtiPlatform, claims, user) -> str:
    settings = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings") or {}
    if not isinstance(settings.get("deep_link_return_url"), str):
        raise LaunchRefused(_("The platform sent no address to return the chosen content to."),
                            reason="missing_claims")
    session[DEEP_LINK_KEY] = {
        "id": uuid.uuid4().hex, "user_id": user.id, "platform_id": platform.id,
        "deployment_id": claims.get(launches.DEPLOYMENT),
        "settings": {key: settings.get(key) for key in ("deep_link_return_url", "data", "accept_types",
                                                        "accept_multiple")},
    }
    return url_for("lti.deep_link")


@bp.get("/lti/jwks")
@public
def jwks():
    return jsonify(keys.jwks())


@bp.get("/.well-known/lti-jwks.json", endpoint="jwks_well_known")
@public
def jwks_well_known():
    """The same key set under /.well-known (the certificates' own keys are at /.well-known/jwks.json)."""
    return jsonify(keys.jwks())


@bp.get("/lti/config.json")
@public
def tool_config():
    return jsonify(registrations.tool_json())


# -- deep linking ---------------------------------------------------------------------------------------


def _deep_link_state():
    state = session.get(DEEP_LINK_KEY)
    if not isinstance(state, dict) or state.get("user_id") != current_user.id:
        abort(404)
    return state


@bp.route("/lti/deep-link", methods=["GET", "POST"])
@role_required(*STAFF)
def deep_link():
    state = _deep_link_state()
    platform = db.session.get(LtiPlatform, state["platform_id"])
    if platform is None or not can_place_lti_content(current_user, platform):
        abort(404)
    options = {target.ref: target for target in targets.choices()}
    form = DeepLinkForm()
    form.target.choices = [(ref, f"{target.version.title} — {target.title}") for ref, target in options.items()]
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("lti/deep_link.html", form=form, platform=platform), status
    target = options[form.target.data]
    resource = (DeepLinkResource().set_url(url_for("lti.launch", _external=True)).set_title(target.title)
                .set_custom_params({targets.CUSTOM_PARAMETER: target.ref}))
    if target.kind in targets.GRADED_KINDS:
        resource.set_lineitem(LineItem().set_tag(target.ref).set_score_maximum(target.score_maximum)
                              .set_label(target.title).set_resource_id(target.ref))
    link = DeepLink(registration_for(platform), state["deployment_id"], state["settings"])
    token = link.get_response_jwt([resource])
    session.pop(DEEP_LINK_KEY, None)
    audit.record("lti.deep_linked", actor=current_user, subject=platform, target=target.ref)
    db.session.commit()
    return_url = state["settings"]["deep_link_return_url"]
    response = current_app.make_response(render_template("lti/auto_post.html", action=return_url, token=token))
    # The one page whose form leaves our site: it may post to the platform's return address only.
    origin = "/".join(return_url.split("/")[:3])
    framing = " ".join(launches.frame_origins(platform)) or "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'; style-src 'self'; form-action {origin}; base-uri 'self'; "
        f"frame-ancestors {framing}")
    return response
