"""The coordinators' blueprint ("orgs") and what its pages share: which organization and cohort a page is
about, checked against the current user, and the choices of people and cohorts. Routes are in the
`*_views` modules."""

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.auth.permissions import can_manage_organization, can_view_cohort
from lms.extensions import db
from lms.inputs import bounded_int
from lms.models import Cohort, Organization, Role, User

bp = Blueprint("orgs", __name__)

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)
MANAGERS = (Role.ORG_ADMIN, Role.ADMIN)


def organization_or_none() -> Organization | None:
    """The organization the page is about: an org admin's own; for an admin, the `org` argument."""
    if current_user.role == Role.ORG_ADMIN:
        if current_user.organization_id is None:
            abort(403)
        return db.session.get(Organization, current_user.organization_id)
    org_id = request.args.get("org", type=bounded_int)
    if org_id is None:
        return None
    return db.get_or_404(Organization, org_id)


def organization_or_404() -> Organization:
    organization = organization_or_none()
    if organization is None:
        abort(404)
    return organization


def org_args(organization: Organization) -> dict:
    """The query arguments that keep an admin on the same organization."""
    return {"org": organization.id} if current_user.role == Role.ADMIN else {}


def cohort_for_viewing(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_view_cohort(current_user, cohort):
        abort(403)
    return cohort


def cohort_for_managing(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage_organization(current_user, cohort.organization_id):
        abort(403)
    return cohort


def member_or_404(organization: Organization, user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.organization_id != organization.id:
        abort(404)
    return user


def cohort_choices(organization: Organization) -> list[SelectChoice]:
    cohorts = db.session.scalars(
        sa.select(Cohort).where(Cohort.organization_id == organization.id).order_by(Cohort.name)
    )
    return [SelectChoice(0, _("No cohort"))] + [SelectChoice(cohort.id, cohort.name) for cohort in cohorts]


def people_choices(people: list[User]) -> list[SelectChoice]:
    return [SelectChoice(user.id, user.name) for user in people]
