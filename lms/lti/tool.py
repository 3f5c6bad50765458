"""pylti1p3's view of our registrations: a tool configuration read from the `lti_platforms` table."""

from __future__ import annotations

import sqlalchemy as sa
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from lms.extensions import db
from lms.lti import keys
from lms.models import LtiPlatform


def find_platform(issuer: str | None, client_id: str | None) -> LtiPlatform | None:
    """The active registration for an issuer and client id; without a client id (it is optional in the
    login initiation), the issuer's only active registration."""
    if not issuer:
        return None
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.active.is_(True))
    if client_id:
        return db.session.scalar(query.where(LtiPlatform.client_id == client_id))
    found = list(db.session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def registration_for(platform: LtiPlatform) -> Registration:
    public = keys.public_pem()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(keys.private_pem())
        .set_tool_public_key(public)
    )


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may have several client ids (several registrations, e.g. two organizations on one
    Moodle): registrations are always found by issuer and client id."""

    def __init__(self):
        self.platform: LtiPlatform | None = None  # the registration the last lookup found

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        self.platform = find_platform(iss, client_id)
        return registration_for(self.platform) if self.platform is not None else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)
