"""What the administrators' screens ask of the database, and role changes."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.auth.sessions import end_all_sessions
from lms.errors import AccountChangeRefused, DomainError, NotAllowed
from lms.extensions import db
from lms.inputs import MAX_INT
from lms.models import (
    ApiKey,
    AuditEvent,
    Certificate,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Organization,
    ReviewState,
    Role,
    SupervisedHours,
    User,
    VerificationLog,
    cohort_supervisors,
    cohort_trainees,
)

ORGANIZATION_ROLES = {Role.SUPERVISOR, Role.ORG_ADMIN}


class MoveNeedsConfirmation(DomainError):
    """Moving the person ends cohort memberships: the administrator must see them and confirm."""

    def __init__(self, cohorts: list[Cohort]):
        super().__init__(_("This move removes cohort memberships: confirm it."))
        self.cohorts = cohorts


def _refuse_role_change(user: User, role: Role, organization: Organization | None, actor: User) -> None:
    if actor.id == user.id:
        raise NotAllowed(_("You cannot change your own role. Ask another administrator."))
    if user.erased_at is not None:
        raise AccountChangeRefused(_("This person's data was erased; their account cannot be changed."))
    if role in ORGANIZATION_ROLES and organization is None:
        raise AccountChangeRefused(_("A %(role)s belongs to an organization: choose one.", role=role.label.lower()),
                                   field="organization")
    if user.role == Role.ADMIN and role != Role.ADMIN:
        others = db.session.scalar(sa.select(sa.func.count(User.id)).where(
            User.role == Role.ADMIN, User.id != user.id, User.active.is_(True)))
        if not others:
            raise AccountChangeRefused(_("This is the last administrator: make someone else an administrator "
                                         "first."))


def change_role(user: User, *, role: Role | str, organization: Organization | None, actor: User,
                confirm_move: bool = False) -> None:
    """Change a person's role and organization. A move ends their memberships of cohorts outside the new
    organization; it is refused with `MoveNeedsConfirmation` (naming them) unless `confirm_move`."""
    role = Role(role)
    _refuse_role_change(user, role, organization, actor)
    before = {"role": user.role, "organization_id": user.organization_id}
    leaving = cohorts_left_by_move(user, organization)
    if leaving and not confirm_move:
        raise MoveNeedsConfirmation(leaving)
    user.role = str(role)
    user.organization_id = organization.id if organization is not None else None
    after = {"role": user.role, "organization_id": user.organization_id}
    if leaving:
        ids = [cohort.id for cohort in leaving]
        for table in (cohort_trainees, cohort_supervisors):
            db.session.execute(sa.delete(table).where(table.c.user_id == user.id, table.c.cohort_id.in_(ids)))
        before["cohorts"] = sorted(ids)
    if before != after:
        end_all_sessions(user)  # the new rights apply from the next sign-in
        audit.record("user.role_changed", actor=actor, subject=user, target_user=user, before=before, after=after)


def cohorts_left_by_move(user: User, organization: Organization | None) -> list[Cohort]:
    """The cohorts `user` belongs to (as trainee or supervisor) outside `organization`: moving the person
    there ends these memberships, so no access to the old organization's cohorts survives the move."""
    memberships = sa.union(
        sa.select(cohort_trainees.c.cohort_id).where(cohort_trainees.c.user_id == user.id),
        sa.select(cohort_supervisors.c.cohort_id).where(cohort_supervisors.c.user_id == user.id),
    )
    query = sa.select(Cohort).options(so.joinedload(Cohort.organization)).where(Cohort.id.in_(memberships))
    if organization is not None:
        query = query.where(Cohort.organization_id != organization.id)
    return list(db.session.scalars(query.order_by(Cohort.name, Cohort.id)))


def users_query(*, search: str = "", role: str = "", organization_id: int | None = None, status: str = "") -> sa.Select:
    query = sa.select(User).options(so.joinedload(User.organization))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if organization_id:
        query = query.where(User.organization_id == organization_id)
    if status == "active":
        query = query.where(User.active.is_(True), User.erased_at.is_(None))
    elif status == "deactivated":
        query = query.where(User.active.is_(False), User.erased_at.is_(None))
    elif status == "erased":
        query = query.where(User.erased_at.is_not(None))
    return query.order_by(User.name, User.id)


@dataclass
class Overview:
    users_by_role: dict[str, int]
    organizations: int
    cohorts: int
    certificates: int
    hours_pending: int
    verifications_week: int


def overview(now: datetime) -> Overview:
    by_role = dict(db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).where(User.erased_at.is_(None)).group_by(User.role)).all())
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0  # noqa: E731
    return Overview(
        users_by_role=by_role,
        organizations=count(Organization),
        cohorts=count(Cohort),
        certificates=count(Certificate),
        hours_pending=db.session.scalar(sa.select(sa.func.count(SupervisedHours.id))
                                        .where(SupervisedHours.state == ReviewState.PENDING)) or 0,
        verifications_week=db.session.scalar(sa.select(sa.func.count(VerificationLog.id))
                                             .where(VerificationLog.created_at >= now - timedelta(days=7))) or 0,
    )


@dataclass
class VersionLine:
    version: CourseVersion
    enrolled: int
    active: int
    completed: int


def course_versions() -> list[tuple[Course, list[VersionLine]]]:
    """Each course with its versions (newest first), which is live, and how many trainees follow each."""
    counts = {
        version_id: (enrolled, completed)
        for version_id, enrolled, completed in db.session.execute(
            sa.select(Enrolment.course_version_id, sa.func.count(Enrolment.id), sa.func.count(Enrolment.completed_at))
            .group_by(Enrolment.course_version_id)
        )
    }
    courses = db.session.scalars(
        sa.select(Course).options(so.selectinload(Course.versions)).order_by(Course.title)
    ).all()
    result = []
    for course in courses:
        lines = []
        for version in sorted(course.versions, key=lambda v: v.id, reverse=True):
            enrolled, completed = counts.get(version.id, (0, 0))
            lines.append(VersionLine(version, enrolled, enrolled - completed, completed))
        result.append((course, lines))
    return result


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_query(*, user: str = "", action: str = "", since: date | None = None, until: date | None = None) -> sa.Select:
    """Events filtered by a person (id, name or email; as actor or subject), an action, and a date range."""
    query = sa.select(AuditEvent).options(so.joinedload(AuditEvent.actor), so.joinedload(AuditEvent.target_user))
    if user.strip():
        text = user.strip().lower()
        if text.isascii() and text.isdigit() and int(text) <= MAX_INT:  # an id ("²" and 2**63 are not)
            people = sa.select(sa.literal(int(text)))
        else:
            pattern = f"%{text}%"
            people = sa.select(User.id).where(sa.or_(sa.func.lower(User.email).like(pattern),
                                                     sa.func.lower(User.name).like(pattern)))
        query = query.where(sa.or_(AuditEvent.actor_id.in_(people), AuditEvent.target_user_id.in_(people)))
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if since:
        query = query.where(AuditEvent.created_at >= _day_start(since))
    if until:
        query = query.where(AuditEvent.created_at < _day_start(until + timedelta(days=1)))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def verification_query(*, number: str = "", found: str = "", method: str = "") -> sa.Select:
    query = sa.select(VerificationLog)
    cleaned = "".join(ch for ch in number.upper() if ch.isalnum() or ch == "-")
    if cleaned:
        query = query.where(sa.func.upper(VerificationLog.number).contains(cleaned, autoescape=True))
    if found in {"yes", "no"}:
        query = query.where(VerificationLog.found.is_(found == "yes"))
    if method:
        query = query.where(VerificationLog.method == method)
    return query.order_by(VerificationLog.created_at.desc(), VerificationLog.id.desc())


def api_key_labels(key_ids: set[int]) -> dict[int, str]:
    """{api key id: "key name (organization)"} for the keys on a page of the verification log."""
    if not key_ids:
        return {}
    rows = db.session.execute(
        sa.select(ApiKey.id, ApiKey.name, Organization.name)
        .join(Organization, Organization.id == ApiKey.organization_id)
        .where(ApiKey.id.in_(key_ids))
    )
    return {key_id: f"{name} ({organization})" for key_id, name, organization in rows}


def verification_methods() -> list[str]:
    return list(db.session.scalars(sa.select(VerificationLog.method).distinct().order_by(VerificationLog.method)))


def busiest_addresses(since: datetime, limit: int = 10) -> list[tuple[str, int, int]]:
    """Addresses with the most look-ups (and how many were not found): where abuse shows first."""
    not_found = sa.func.sum(sa.case((VerificationLog.found.is_(False), 1), else_=0))
    return [tuple(row) for row in db.session.execute(
        sa.select(VerificationLog.ip, sa.func.count(VerificationLog.id), not_found)
        .where(VerificationLog.created_at >= since, VerificationLog.ip.is_not(None))
        .group_by(VerificationLog.ip).order_by(sa.func.count(VerificationLog.id).desc()).limit(limit)
    )]
