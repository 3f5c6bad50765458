"""CSV exports for coordinators and funders: a cohort's progress, and certificates.

Each export is one query; the caller decides who may ask for which rows (see views and CLI).
The CSV itself is written by `lms.csv_export` (quoted, formulas defused), like every other.
"""

from datetime import date

import sqlalchemy as sa

from lms.auth.permissions import cohort_trainee_ids, supervised_trainee_ids
from lms.certificates.records import status_of
from lms.csv_export import to_csv
from lms.extensions import db
from lms.models import (
    Certificate,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Module,
    ModuleCompletion,
    Organization,
    Role,
    User,
)
from lms.orgs.dashboard_builders import course_percent

PROGRESS_HEADERS = [
    "trainee_id", "name", "email", "active", "course", "course_version", "enrolled_on",
    "modules_passed", "modules_total", "percent", "completed_on", "last_activity_on",
]
CERTIFICATE_HEADERS = [
    "number", "holder_name", "email", "organization", "course", "course_version", "hours",
    "issued_on", "expires_on", "status", "revoked_on", "revoked_reason",
]
def cohort_progress_rows(cohort: Cohort) -> list[list]:
    """One row per trainee and enrolled course (a trainee without an enrolment gets one empty row)."""
    members = cohort_trainee_ids(cohort.id).subquery()
    passed = (
        sa.select(sa.func.count(ModuleCompletion.id)).where(ModuleCompletion.enrolment_id == Enrolment.id)
        .scalar_subquery()
    )
    total = (
        sa.select(sa.func.count(Module.id)).where(Module.course_version_id == Enrolment.course_version_id)
        .scalar_subquery()
    )
    query = (
        sa.select(User.id, User.name, User.email, User.active, Course.title, CourseVersion.version,
                  Enrolment.created_at, passed, total, Enrolment.completed_at, Enrolment.last_activity_at)
        .join(members, members.c.user_id == User.id)
        .outerjoin(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Enrolment.course_version_id)
        .order_by(User.name, User.id, Course.title)
    )
    rows = []
    for uid, name, email, active, course, version, enrolled, n_passed, n_total, completed, last in db.session.execute(
        query
    ):
        if course is None:
            rows.append([uid, name, email, active, "", "", "", "", "", "", "", ""])
            continue
        percent = course_percent(n_passed or 0, n_total or 0)
        rows.append([uid, name, email, active, course, version, enrolled, n_passed or 0, n_total or 0, percent,
                     completed, last])
    return rows


def cohort_progress_csv(cohort: Cohort) -> str:
    return to_csv(PROGRESS_HEADERS, cohort_progress_rows(cohort))


def certificates_query(user: User, *, organization_id: int | None = None) -> sa.Select:
    """Certificates `user` may export: admins all (or one organization's), org admins their
    organization's members', supervisors their cohorts' trainees'."""
    query = (
        sa.select(Certificate, User.email, Organization.name)
        .outerjoin(User, User.id == Certificate.user_id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .order_by(Certificate.issued_on.desc(), Certificate.number)
    )
    if user.role == Role.ADMIN:
        if organization_id is not None:
            query = query.where(User.organization_id == organization_id)
        return query
    if user.role == Role.ORG_ADMIN and user.organization_id is not None:
        return query.where(User.organization_id == user.organization_id)
    if user.role == Role.SUPERVISOR:
        return query.where(Certificate.user_id.in_(supervised_trainee_ids(user)))
    return query.where(sa.false())


def certificate_rows(user: User, *, organization_id: int | None = None, today: date | None = None) -> list[list]:
    today = today or date.today()
    rows = []
    query = certificates_query(user, organization_id=organization_id)
    for certificate, email, organization in db.session.execute(query):
        rows.append([
            certificate.number, certificate.holder_name, email, organization, certificate.course_title,
            certificate.course_version_label, certificate.hours, certificate.issued_on, certificate.expires_on,
            str(status_of(certificate, today)), certificate.revoked_at, certificate.revoked_reason,
        ])
    return rows


def certificates_csv(user: User, *, organization_id: int | None = None) -> str:
    return to_csv(CERTIFICATE_HEADERS, certificate_rows(user, organization_id=organization_id))
