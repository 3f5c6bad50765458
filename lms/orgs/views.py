"""Coordinators' pages: the "orgs" blueprint, with its routes declared by job in the modules imported here
(people and invitations, the public invitation page, cohorts, the cohort dashboard and exports).
`lms.create_app` registers `bp`."""

from lms.orgs import accept_views, cohort_views, dashboard_views, people_views  # noqa: F401 (routes)
from lms.orgs.blueprint import bp

__all__ = ["bp"]
