"""Registering platforms (an organization's Moodle or Canvas), and what their administrators must paste."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.permissions import can_manage_lti
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.models import LtiPlatform, Organization, Role, User

FIELDS = ("name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")
URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


def platforms_for(user: User) -> list[LtiPlatform]:
    query = sa.select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)
    if user.role != Role.ADMIN:
        query = query.where(LtiPlatform.organization_id == user.organization_id)
    return list(db.session.scalars(query.options(so.selectinload(LtiPlatform.organization))))


def organizations_for(user: User) -> list[Organization]:
    if user.role == Role.ADMIN:
        return list(db.session.scalars(sa.select(Organization).order_by(Organization.name)))
    return [user.organization] if user.organization is not None else []


def parse_deployment_ids(text: str) -> list[str]:
    """One deployment id a line (or separated by commas), without blanks or repeats, in the order given."""
    seen: list[str] = []
    for part in (text or "").replace(",", "\n").splitlines():
        value = part.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def check_url(value: str, field: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput(_("Enter the full address, starting with https://"), field=field)
    if parts.scheme == "http" and not local and current_app.config.get("PRODUCTION"):
        raise InvalidInput(_("Use an https:// address: the platform's keys and grades travel over it."), field=field)
    return value


def _apply(platform: LtiPlatform, values: dict) -> None:
    for name in FIELDS:
        setattr(platform, name, (values.get(name) or "").strip())
    for name in URL_FIELDS:
        setattr(platform, name, check_url(values.get(name), name))
    deployments = parse_deployment_ids(values.get("deployment_ids") or "")
    if not deployments:
        raise InvalidInput(_("Enter at least one deployment id."), field="deployment_ids")
    if any(len(value) > 255 for value in deployments):
        raise InvalidInput(_("A deployment id is at most 255 characters."), field="deployment_ids")
    platform.deployment_ids = deployments


def register_platform(organization: Organization, values: dict, *, actor: User) -> LtiPlatform:
    if not can_manage_lti(actor, organization.id):
        raise NotAllowed(_("You may register platforms for your own organization only."), field="organization")
    platform = LtiPlatform(organization_id=organization.id, created_by_id=actor.id)
    _apply(platform, values)
    _save(platform)
    audit.record("lti.platform_registered", actor=actor, subject=platform, organization=organization.name,
                 issuer=platform.issuer, client_id=platform.client_id, deployments=platform.deployment_ids)
    return platform


def update_platform(platform: LtiPlatform, values: dict, *, actor: User) -> LtiPlatform:
    if not can_manage_lti(actor, platform.organization_id):
        raise NotAllowed(_("You may change your own organization's platforms only."))
    _apply(platform, values)
    _save(platform)
    audit.record("lti.platform_updated", actor=actor, subject=platform, issuer=platform.issuer,
                 client_id=platform.client_id, deployments=platform.deployment_ids)
    return platform


def set_active(platform: LtiPlatform, active: bool, *, actor: User) -> None:
    if not can_manage_lti(actor, platform.organization_id):
        raise NotAllowed(_("You may change your own organization's platforms only."))
    platform.active = active
    audit.record("lti.platform_enabled" if active else "lti.platform_disabled", actor=actor, subject=platform,
                 issuer=platform.issuer, client_id=platform.client_id)


def _save(platform: LtiPlatform) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(platform)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This issuer and client id are already registered."), field="client_id") from None


def tool_settings() -> dict:
    """The addresses and values a platform administrator pastes into their LMS."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")

    def absolute(endpoint: str) -> str:
        return base + url_for(endpoint)

    return {
        "tool_url": base + "/",
        "login_url": absolute("lti.login"),
        "launch_url": absolute("lti.launch"),
        "deep_linking_url": absolute("lti.launch"),
        "jwks_url": absolute("lti.jwks"),
        "domain": urlsplit(base).netloc,
    }


def tool_json(platform: LtiPlatform | None = None) -> dict:
    """The tool configuration as JSON: 1EdTech dynamic-registration style claims, plus Canvas's keys."""
    settings = tool_settings()
    return {
        "title": "PeerCert",
        "description": "Training and certification for peer support specialists",
        "oidc_initiation_url": settings["login_url"],
        "target_link_uri": settings["launch_url"],
        "public_jwk_url": settings["jwks_url"],
        "redirect_uris": [settings["launch_url"]],
        "scopes": SCOPES,
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": settings["domain"],
            "privacy_level": "public",
            "settings": {"placements": [
                {"placement": "link_selection", "message_type": "LtiDeepLinkingRequest",
                 "target_link_uri": settings["deep_linking_url"]},
                {"placement": "assignment_selection", "message_type": "LtiDeepLinkingRequest",
                 "target_link_uri": settings["deep_linking_url"]},
            ]},
        }],
        "custom_fields": {},
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
    }
