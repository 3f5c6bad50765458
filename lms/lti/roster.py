"""Names and Role Provisioning: a platform course's roster read into one of our cohorts. Each member is
found by the platform's user id (`sub`) and created when new, like a launch; learners join the cohort."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from lms import audit
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.lti import launches
from lms.lti.scores import _describe, _TimeoutSession
from lms.lti.tool import registration_for
from lms.models import Cohort, LtiContext, LtiPlatform, Role, User
from lms.orgs import services as orgs

MAX_MEMBERS = 5000


@dataclass
class RosterResult:
    members: int = 0
    added: int = 0
    staff: int = 0
    skipped: int = 0


def contexts_for(user: User) -> list[LtiContext]:
    """The platform courses with a roster service, of the user's organization (every one for admins)."""
    query = (sa.select(LtiContext).join(LtiPlatform).where(LtiContext.memberships_url.is_not(None))
             .options(so.selectinload(LtiContext.platform)).order_by(LtiContext.title, LtiContext.id))
    if user.role != Role.ADMIN:
        query = query.where(LtiPlatform.organization_id == user.organization_id)
    return list(db.session.scalars(query))


def fetch_members(context: LtiContext) -> list[dict]:
    service = NamesRolesProvisioningService(
        ServiceConnector(registration_for(context.platform), _TimeoutSession()),
        {"context_memberships_url": context.memberships_url},
    )
    try:
        members = service.get_members()
    except Exception as error:
        raise InvalidInput(_("The platform did not send the roster: %(error)s", error=_describe(error))) from None
    return members[:MAX_MEMBERS]


def sync_roster(context_id: int, cohort_id: int, actor_id: int | None) -> RosterResult | None:
    """Read the roster and add its active learners to the cohort (a job: it calls the platform)."""
    context, cohort = db.session.get(LtiContext, context_id), db.session.get(Cohort, cohort_id)
    actor = db.session.get(User, actor_id) if actor_id else None
    if context is None or cohort is None:
        return None
    result = RosterResult()
    trainees = []
    for member in fetch_members(context):
        result.members += 1
        status = member.get("status") or "Active"
        sub = member.get("user_id")
        if status != "Active" or not isinstance(sub, str) or not sub:
            result.skipped += 1
            continue
        claims = {"sub": sub, "name": member.get("name"), "given_name": member.get("given_name"),
                  "family_name": member.get("family_name"), "email": member.get("email"),
                  launches.ROLES: member.get("roles") or []}
        try:
            person = launches.person_for(context.platform, claims)
        except DomainError:
            result.skipped += 1
            continue
        if person.role == Role.TRAINEE:
            trainees.append(person)
        else:
            result.staff += 1
    result.added = orgs.add_trainees(cohort, trainees, actor=actor)
    audit.record("lti.roster_synced", actor=actor, subject=cohort, context=context.context_id,
                 platform=context.platform_id, members=result.members, added=result.added)
    return result
