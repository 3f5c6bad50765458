"""A launch from a platform, once pylti1p3 checked its signature, state, nonce and deployment: the checks it
leaves to us (expiry, a nonce spent once, required claims), then who the person is, what they may open, and
what we must remember to send their scores back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth import services as accounts
from lms.errors import DomainError, LaunchRefused
from lms.extensions import db
from lms.learning import enrolment as enrolments
from lms.lti import targets
from lms.models import (
    LtiContext,
    LtiIdentity,
    LtiLaunch,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
    Role,
    User,
    utcnow,
)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES = CLAIM + "roles"
RESOURCE_LINK = CLAIM + "resource_link"
CONTEXT = CLAIM + "context"
CUSTOM = CLAIM + "custom"
DEPLOYMENT = CLAIM + "deployment_id"
MESSAGE_TYPE = CLAIM + "message_type"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
NONCE_LIFETIME = timedelta(days=1)  # an id_token older than this is refused; spent nonces are kept this long
STAFF_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator", "Mentor")


def map_role(roles: Iterable[str]) -> Role:
    """Instructor (and teaching assistants, designers, administrators of the course) → supervisor; anyone
    else (Learner, or no role) → trainee. Institution and system roles (`.../institution/person#...`,
    `.../system/person#...`) do not count: only the person's role in this course does."""
    for role in roles or ():
        if not isinstance(role, str) or "/institution/" in role or "/system/" in role:
            continue
        name = role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if name in STAFF_ROLES:
            return Role.SUPERVISOR
    return Role.TRAINEE


def check_claims(claims: Mapping, *, resource_launch: bool) -> None:
    """What pylti1p3 does not insist on: an expiry and issue time, a subject, and for a resource link its id."""
    now = utcnow().timestamp()
    if not isinstance(claims.get("exp"), int | float) or not isinstance(claims.get("iat"), int | float):
        raise LaunchRefused(_("The launch has no expiry time: the platform must send exp and iat."),
                            reason="missing_claims")
    if claims["iat"] < now - NONCE_LIFETIME.total_seconds() or claims["exp"] < now:
        raise LaunchRefused(_("This launch has expired. Open the link again from your course."), reason="expired")
    if not isinstance(claims.get("sub"), str) or not claims["sub"].strip():
        raise LaunchRefused(_("The platform did not say who you are (no sub claim); anonymous launches are not "
                              "supported."), reason="missing_claims")
    if len(claims["sub"]) > 255:
        raise LaunchRefused(_("The platform's user id is too long."), reason="missing_claims")
    link = claims.get(RESOURCE_LINK)
    if resource_launch and (not isinstance(link, Mapping) or not isinstance(link.get("id"), str) or not link["id"]):
        raise LaunchRefused(_("The launch names no resource link."), reason="missing_claims")


def spend_nonce(platform: LtiPlatform, nonce: str) -> None:
    """A nonce is good for one launch; the second time is a replay."""
    cutoff = utcnow() - NONCE_LIFETIME
    db.session.execute(sa.delete(LtiNonce).where(LtiNonce.used_at < cutoff))
    try:
        with db.session.begin_nested():
            db.session.add(LtiNonce(platform_id=platform.id, nonce=str(nonce)[:255]))
            db.session.flush()
    except IntegrityError:
        raise LaunchRefused(_("This launch was already used. Open the link again from your course."),
                            reason="replayed", status_code=409) from None


def _display_name(claims: Mapping) -> str:
    name = claims.get("name") or " ".join(
        str(part) for part in (claims.get("given_name"), claims.get("family_name")) if part)
    name = str(name or "").strip()[:120]
    return name or _("Learner %(id)s", id=str(claims["sub"])[:8])


def person_for(platform: LtiPlatform, claims: Mapping) -> User:
    """The account tied to the platform's `sub`, or a new one in the platform's organization. An e-mail
    address alone never ties a launch to an existing account: it is kept on a new account only when no
    account uses it yet."""
    sub = claims["sub"]
    identity = db.session.scalar(sa.select(LtiIdentity).where(LtiIdentity.platform_id == platform.id,
                                                              LtiIdentity.sub == sub))
    if identity is not None:
        user = identity.user
        if not user.is_active:
            raise LaunchRefused(_("Your account here is deactivated. Ask your program coordinator."),
                                reason="account_inactive", status_code=403)
        if user.organization_id != platform.organization_id:
            raise LaunchRefused(_("Your account here belongs to another organization."),
                                reason="other_organization", status_code=403)
        return user
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    email = accounts.normalize_email(email) if email else None
    if email and (len(email) > 254 or accounts.find_user_by_email(email) is not None):
        email = None
    user = User(email=email, name=_display_name(claims), role=str(map_role(claims.get(ROLES) or [])),
                organization_id=platform.organization_id)
    db.session.add(user)
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.add(LtiIdentity(platform_id=platform.id, sub=sub, user_id=user.id))
            db.session.flush()
    except IntegrityError:  # two launches of a new person at once: the other one created them
        db.session.delete(user)
        identity = db.session.scalar(sa.select(LtiIdentity).where(LtiIdentity.platform_id == platform.id,
                                                                  LtiIdentity.sub == sub))
        return identity.user
    audit.record("user.created", subject=user, target_user=user, role=user.role, via="lti",
                 platform=platform.id)
    return user


def _context(platform: LtiPlatform, claims: Mapping) -> LtiContext | None:
    context = claims.get(CONTEXT)
    if not isinstance(context, Mapping) or not isinstance(context.get("id"), str) or not context["id"]:
        return None
    row = db.session.scalar(sa.select(LtiContext).where(LtiContext.platform_id == platform.id,
                                                        LtiContext.context_id == context["id"][:255]))
    if row is None:
        row = LtiContext(platform_id=platform.id, context_id=context["id"][:255])
        db.session.add(row)
    row.title = str(context.get("title") or context.get("label") or "")[:255]
    nrps = claims.get(NRPS)
    url = nrps.get("context_memberships_url") if isinstance(nrps, Mapping) else None
    if isinstance(url, str) and url:
        row.memberships_url = url[:500]
    row.deployment_id = str(claims.get(DEPLOYMENT) or "")[:255]
    row.updated_at = utcnow()
    return row


def target_ref(claims: Mapping) -> str | None:
    custom = claims.get(CUSTOM)
    value = custom.get(targets.CUSTOM_PARAMETER) if isinstance(custom, Mapping) else None
    return value if isinstance(value, str) else None


def record_launch(platform: LtiPlatform, claims: Mapping, user: User, target: targets.Target) -> LtiLaunch:
    """Remember the course, the link (with its grade book column) and that this person launched it."""
    context = _context(platform, claims)
    link_claim = claims[RESOURCE_LINK]
    link = db.session.scalar(sa.select(LtiResourceLink).where(
        LtiResourceLink.platform_id == platform.id, LtiResourceLink.resource_link_id == link_claim["id"][:255]))
    if link is None:
        link = LtiResourceLink(platform_id=platform.id, resource_link_id=link_claim["id"][:255])
        db.session.add(link)
    link.context = context
    link.title = str(link_claim.get("title") or "")[:255]
    link.target = target.ref
    endpoint = claims.get(AGS)
    if isinstance(endpoint, Mapping):
        link.lineitem_url = endpoint.get("lineitem") if isinstance(endpoint.get("lineitem"), str) else None
        link.lineitems_url = endpoint.get("lineitems") if isinstance(endpoint.get("lineitems"), str) else None
        scopes = endpoint.get("scope")
        link.ags_scopes = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    link.updated_at = utcnow()
    db.session.flush()
    launch = db.session.scalar(sa.select(LtiLaunch).where(LtiLaunch.resource_link_id == link.id,
                                                          LtiLaunch.user_id == user.id))
    if launch is None:
        launch = LtiLaunch(resource_link_id=link.id, user_id=user.id, sub=claims["sub"])
        db.session.add(launch)
    launch.last_at = utcnow()
    db.session.flush()
    return launch


def enrol_for(user: User, target: targets.Target) -> None:
    """A trainee launched into a course is enrolled in it (its live version), as an organization enrols."""
    if user.role != Role.TRAINEE:
        return
    try:
        enrolments.enrol(user, target.version)
    except DomainError as error:
        raise LaunchRefused(error.message, reason="not_eligible", status_code=409) from None


def frame_origins(platform: LtiPlatform) -> list[str]:
    """The origins a platform's pages come from (its issuer and its login page), for `frame-ancestors`."""
    from urllib.parse import urlsplit

    origins = []
    for url in (platform.issuer, platform.auth_login_url):
        parts = urlsplit(url or "")
        if parts.scheme in {"http", "https"} and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins
