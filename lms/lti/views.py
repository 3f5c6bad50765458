"""The `lti` blueprint: what platforms call (login initiation, launch, key set, tool configuration), the
deep-linking picker, the administrators' registration pages and the supervisors' roster sync."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
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

from lms import audit, jobs, signals
from lms.auth.permissions import can_manage_lti, can_sync_lti_roster, public, role_required
from lms.auth.sessions import log_in
from lms.errors import DomainError, LaunchRefused
from lms.extensions import csrf, db, limiter
from lms.forms import show_refusal
from lms.lti import keys, launches, registrations, roster, scores, targets
from lms.lti.failures import refusal_for
from lms.lti.forms import ActionForm, DeepLinkForm, PlatformForm, RosterForm
from lms.lti.framing import allow_framing
from lms.lti.tool import DatabaseToolConf, find_platform, registration_for
from lms.models import Cohort, LtiContext, LtiPlatform, LtiScore, Organization, Role
from lms.orgs import services as orgs

bp = Blueprint("lti", __name__)
MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)
STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)
DEEP_LINK_KEY = "_lti_deep_link"


@bp.record_once
def subscribe(state) -> None:
    # Final results of what platforms may have placed: scores go back to the platforms they came from.
    signals.quiz_submitted.connect(scores.on_quiz_submitted)
    signals.exam_submitted.connect(scores.on_exam_submitted)
    signals.roleplay_graded.connect(scores.on_roleplay_graded)
    jobs.register_recovery(scores.RECOVERY, scores.enqueue_unsent_scores)


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
    try:
        if not request.values.get("iss") or not request.values.get("login_hint"):
            raise LaunchRefused(_("This address is for LMS platforms starting a launch: the request names no "
                                  "platform (iss) or person (login_hint)."), reason="missing_claims")
        oidc = FlaskOIDCLogin(lti_request, conf, session_service=session_service, cookie_service=cookie_service)
        response = oidc.redirect(url_for("lti.launch", _external=True))
    except (LtiException, OIDCException, LaunchRefused) as error:
        return _refuse(error, platform=conf.platform, step="login")
    if not target_link.startswith(current_app.config["LMS_BASE_URL"].rstrip("/")) and \
            not target_link.startswith(request.host_url.rstrip("/")):
        return _refuse(LaunchRefused(_("The launch points at another site."), reason="bad_target"),
                       platform=conf.platform, step="login")
    allow_framing(launches.frame_origins(conf.platform))
    return response


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
        message = FlaskMessageLaunch(lti_request, conf, session_service=session_service,
                                     cookie_service=cookie_service)
        claims = message.get_launch_data()  # validates state, signature, nonce, registration, deployment
        platform = conf.platform
        deep_link = message.is_deep_link_launch()
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
    if platform is None or not can_launch_from(platform):
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
    origin = "/".join(return_url.split("/")[:3])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'; style-src 'self'; form-action {origin}; base-uri 'self'; "
        f"frame-ancestors {' '.join(launches.frame_origins(platform)) or chr(39) + 'none' + chr(39)}")
    return response


def can_launch_from(platform: LtiPlatform) -> bool:
    return platform.active and current_user.organization_id == platform.organization_id


# -- registration (organization administrators, administrators) --------------------------------------


def _platform_form(user, *, obj=None, empty: bool = False) -> PlatformForm:
    form = PlatformForm(formdata=None, obj=obj) if empty or obj is not None and request.method == "GET" \
        else PlatformForm()
    if obj is not None and request.method == "GET":
        form.deployment_ids.data = "\n".join(obj.deployment_ids or [])
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


# -- rosters (supervisors) ----------------------------------------------------------------------------


def _cohort_choices(user) -> list[Cohort]:
    return orgs.visible_cohorts(user)


@bp.get("/lti/rosters")
@role_required(*STAFF)
def rosters():
    user = current_user._get_current_object()
    form = RosterForm(formdata=None)
    form.cohort.choices = [(cohort.id, cohort.name) for cohort in _cohort_choices(user)]
    return render_template("lti/rosters.html", contexts=roster.contexts_for(user), form=form)


@bp.post("/lti/rosters/<int:context_id>")
@role_required(*STAFF)
def sync_roster(context_id: int):
    user = current_user._get_current_object()
    context = db.session.get(LtiContext, context_id)
    if context is None or context.memberships_url is None or (
            user.role != Role.ADMIN and context.platform.organization_id != user.organization_id):
        abort(404)
    form = RosterForm()
    form.cohort.choices = [(cohort.id, cohort.name) for cohort in _cohort_choices(user)]
    if not form.validate_on_submit():
        flash(_("Choose a cohort."), "error")
        return redirect(url_for("lti.rosters"))
    cohort = db.session.get(Cohort, form.cohort.data)
    if cohort is None or not can_sync_lti_roster(user, cohort, context.platform.organization_id):
        abort(403)
    try:
        result = jobs.enqueue(roster.sync_roster, context.id, cohort.id, user.id)
    except DomainError as error:
        db.session.rollback()
        show_refusal(None, error)
        return redirect(url_for("lti.rosters"))
    db.session.commit()
    if result is None:
        flash(_("The roster is being read; the cohort fills in a moment."), "info")
    else:
        flash(_("Roster read: %(members)d members, %(added)d trainees added to %(cohort)s.",
                members=result.members, added=result.added, cohort=cohort.name), "success")
    return redirect(url_for("lti.rosters"))


def platform_count(organization_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)
                             .where(LtiPlatform.organization_id == organization_id)) or 0


__all__ = ["bp", "find_platform"]
