"""Organizations and cohorts: the rules behind the coordinators' pages."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Organization


def get_or_create_organization(name: str) -> Organization:
    organization = db.session.scalar(sa.select(Organization).where(Organization.name == name.strip()))
    if organization is None:
        organization = Organization(name=name.strip())
        db.session.add(organization)
        db.session.flush()
    return organization
