"""Organizations and cohorts: the rules behind the coordinators' pages.

Services add and flush; the caller (view or CLI command) commits.
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth import permissions
from lms.auth.sessions import end_all_sessions
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible
from lms.extensions import db
from lms.models import (
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Organization,
    Role,
    User,
    cohort_supervisors,
    cohort_trainees,
)


def get_or_create_organization(name: str) -> Organization:
    organization = db.session.scalar(sa.select(Organization).where(Organization.name == name.strip()))
    if organization is None:
        organization = Organization(name=name.strip())
        db.session.add(organization)
        db.session.flush()
    return organization


def find_organization(name: str) -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.name == name.strip()))


# Organizations (administrators) -------------------------------------------------------------

# Message ids: translated where raised, `_(DUPLICATE_ORGANIZATION)`; tests compare with the English text.
DUPLICATE_ORGANIZATION = "Another organization already uses this name or invitation code."


def create_organization(name: str, *, invite_code: str | None = None, actor: User | None = None) -> Organization:
    organization = Organization(name=name.strip(), invite_code=(invite_code or "").strip() or None)
    try:
        with db.session.begin_nested():
            db.session.add(organization)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_(DUPLICATE_ORGANIZATION), field="name") from error
    audit.record("organization.created", actor=actor, subject=organization, name=organization.name)
    return organization


def update_organization(organization: Organization, *, name: str, invite_code: str | None,
                        actor: User | None = None) -> Organization:
    before = {"name": organization.name, "invite_code": organization.invite_code}
    try:
        with db.session.begin_nested():
            organization.name = name.strip()
            organization.invite_code = (invite_code or "").strip() or None
            db.session.flush()
    except IntegrityError as error:
        db.session.refresh(organization)
        raise Conflict(_(DUPLICATE_ORGANIZATION), field="name") from error
    audit.record("organization.updated", actor=actor, subject=organization, before=before,
                 after={"name": organization.name, "invite_code": organization.invite_code})
    return organization


def organizations_with_counts() -> list[tuple[Organization, int, int]]:
    """Every organization with its number of members and cohorts (two grouped subqueries)."""
    members = (
        sa.select(User.organization_id, sa.func.count(User.id).label("n"))
        .group_by(User.organization_id).subquery()
    )
    cohorts = (
        sa.select(Cohort.organization_id, sa.func.count(Cohort.id).label("n"))
        .group_by(Cohort.organization_id).subquery()
    )
    query = (
        sa.select(Organization, sa.func.coalesce(members.c.n, 0), sa.func.coalesce(cohorts.c.n, 0))
        .outerjoin(members, members.c.organization_id == Organization.id)
        .outerjoin(cohorts, cohorts.c.organization_id == Organization.id)
        .order_by(Organization.name)
    )
    return [tuple(row) for row in db.session.execute(query)]


# Cohorts ------------------------------------------------------------------------------------

def visible_cohorts_query(user: User) -> sa.Select:
    """The cohorts `user` may see: supervisors their own, org admins their organization's, admins all."""
    query = sa.select(Cohort)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.ORG_ADMIN and user.organization_id is not None:
        return query.where(Cohort.organization_id == user.organization_id)
    if user.role == Role.SUPERVISOR and user.organization_id is not None:
        return query.where(Cohort.id.in_(permissions.supervised_cohort_ids(user)))
    return query.where(sa.false())


def visible_cohorts(user: User) -> list[Cohort]:
    query = visible_cohorts_query(user).options(so.joinedload(Cohort.organization))
    query = query.order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name)
    return list(db.session.scalars(query))


def cohort_member_counts(cohort_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """{cohort_id: (trainees, supervisors)} in two grouped queries."""
    ids = list(cohort_ids)
    counts = {cohort_id: [0, 0] for cohort_id in ids}
    if not ids:
        return {}
    for index, table in enumerate((cohort_trainees, cohort_supervisors)):
        query = (
            sa.select(table.c.cohort_id, sa.func.count())
            .where(table.c.cohort_id.in_(ids)).group_by(table.c.cohort_id)
        )
        for cohort_id, count in db.session.execute(query):
            counts[cohort_id][index] = count
    return {cohort_id: (pair[0], pair[1]) for cohort_id, pair in counts.items()}


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(_("The end date must be on or after the start date."), field="ends_on")


def create_cohort(organization: Organization, *, name: str, starts_on: date | None, ends_on: date | None,
                  actor: User | None = None) -> Cohort:
    _check_dates(starts_on, ends_on)
    cohort = Cohort(organization_id=organization.id, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    try:
        with db.session.begin_nested():
            db.session.add(cohort)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("This organization already has a cohort with that name."), field="name") from error
    audit.record("cohort.created", actor=actor, subject=cohort, name=cohort.name,
                 organization_id=organization.id)
    return cohort


def update_cohort(cohort: Cohort, *, name: str, starts_on: date | None, ends_on: date | None,
                  actor: User | None = None) -> Cohort:
    _check_dates(starts_on, ends_on)
    try:
        with db.session.begin_nested():
            cohort.name, cohort.starts_on, cohort.ends_on = name.strip(), starts_on, ends_on
            db.session.flush()
    except IntegrityError as error:
        db.session.refresh(cohort)
        raise Conflict(_("This organization already has a cohort with that name."), field="name") from error
    audit.record("cohort.updated", actor=actor, subject=cohort, name=cohort.name)
    return cohort


def find_cohort(organization: Organization, name: str) -> Cohort | None:
    return db.session.scalar(
        sa.select(Cohort).where(Cohort.organization_id == organization.id, Cohort.name == name.strip())
    )


def organization_people(organization_id: int, role: Role) -> list[User]:
    query = (
        sa.select(User)
        .where(User.organization_id == organization_id, User.role == str(role), User.erased_at.is_(None))
        .order_by(User.name)
    )
    return list(db.session.scalars(query))


def set_supervisors(cohort: Cohort, supervisors: list[User], *, actor: User | None = None) -> None:
    """Make `supervisors` exactly the cohort's supervisors."""
    for supervisor in supervisors:
        if supervisor.role != Role.SUPERVISOR or supervisor.organization_id != cohort.organization_id:
            raise InvalidInput(_("%(name)s is not a supervisor of this organization.", name=supervisor.name),
                               field="supervisors")
    before = sorted(user.id for user in cohort.supervisors)
    cohort.supervisors = list(supervisors)
    db.session.flush()
    after = sorted(user.id for user in supervisors)
    if before != after:
        audit.record("cohort.supervisors_changed", actor=actor, subject=cohort, before=before, after=after)


def cohort_trainee_ids(cohort_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(cohort_trainees.c.user_id).where(cohort_trainees.c.cohort_id == cohort_id)))


TRAINEES_ADDED_MEANWHILE = ("Someone else added some of these trainees to the cohort at the same moment, so nothing "
                            "was changed. Check the cohort's list and add whoever is still missing.")


def add_trainees(cohort: Cohort, trainees: list[User], *, actor: User | None = None) -> int:
    """Add trainees of the cohort's organization; return how many were new to it."""
    present = cohort_trainee_ids(cohort.id)
    added = []
    for trainee in trainees:
        if trainee.role != Role.TRAINEE or trainee.organization_id != cohort.organization_id:
            raise InvalidInput(_("%(name)s is not a trainee of this organization.", name=trainee.name),
                               field="trainees")
        if trainee.id not in present:
            added.append(trainee.id)
            present.add(trainee.id)
    if added:
        try:
            with db.session.begin_nested():  # the primary key decides when two managers add the same person
                db.session.execute(sa.insert(cohort_trainees),
                                   [{"cohort_id": cohort.id, "user_id": uid} for uid in added])
        except IntegrityError:
            raise Conflict(_(TRAINEES_ADDED_MEANWHILE)) from None
        db.session.expire(cohort, ["trainees"])
        audit.record("cohort.trainees_added", actor=actor, subject=cohort, user_ids=added)
    return len(added)


def remove_trainee(cohort: Cohort, trainee: User, *, actor: User | None = None) -> None:
    result = db.session.execute(
        sa.delete(cohort_trainees).where(
            cohort_trainees.c.cohort_id == cohort.id, cohort_trainees.c.user_id == trainee.id
        )
    )
    if result.rowcount:
        db.session.expire(cohort, ["trainees"])
        audit.record("cohort.trainee_removed", actor=actor, subject=cohort, target_user=trainee)


def cohort_trainees_list(cohort: Cohort) -> list[User]:
    query = (
        sa.select(User).join(cohort_trainees, cohort_trainees.c.user_id == User.id)
        .where(cohort_trainees.c.cohort_id == cohort.id).order_by(User.name)
    )
    return list(db.session.scalars(query))


def live_course_versions() -> list[CourseVersion]:
    """The live version of every course (the newest live one if a course has several)."""
    newest = (
        sa.select(sa.func.max(CourseVersion.id)).where(CourseVersion.is_live.is_(True))
        .group_by(CourseVersion.course_id)
    )
    query = (
        sa.select(CourseVersion).where(CourseVersion.id.in_(newest))
        .options(so.joinedload(CourseVersion.course)).join(Course).order_by(Course.title)
    )
    return list(db.session.scalars(query))


def enrol_cohort(cohort: Cohort, course_version: CourseVersion, *, actor: User | None = None) -> tuple[int, int]:
    """Enrol every trainee of the cohort in the course; return (newly enrolled, already enrolled).

    Trainees already enrolled in the course (on any version) keep their enrolment and progress.
    """
    from lms.learning.enrolment import enrol

    members = permissions.cohort_trainee_ids(cohort.id)  # a membership left over from a move enrols nobody
    already = set(db.session.scalars(
        sa.select(Enrolment.user_id)
        .where(Enrolment.user_id.in_(members), Enrolment.course_id == course_version.course_id)
    ))
    enrolled = 0
    for trainee in list(db.session.scalars(sa.select(User).where(User.id.in_(members)).order_by(User.name))):
        if trainee.id in already or not trainee.active or trainee.erased_at is not None:
            continue
        enrol(trainee, course_version, enrolled_by=actor)
        enrolled += 1
    db.session.flush()
    audit.record("cohort.enrolled", actor=actor, subject=cohort, course_version_id=course_version.id,
                 course=course_version.course.slug, enrolled=enrolled, already=len(already))
    return enrolled, len(already)


# Accounts -----------------------------------------------------------------------------------

def _check_may_change(user: User, actor: User | None) -> None:
    if actor is None:
        return
    if actor.id == user.id:
        raise NotAllowed(_("You cannot change your own account this way."))
    if actor.role == Role.ADMIN:
        return
    if actor.role != Role.ORG_ADMIN or user.organization_id != actor.organization_id or user.role == Role.ADMIN:
        raise NotAllowed(_("You can only change accounts of your own organization."))


def deactivate_user(user: User, *, actor: User | None = None) -> None:
    """Stop an account from signing in; its history (progress, grades, certificates) stays."""
    _check_may_change(user, actor)
    if not user.active:
        return
    user.active = False
    end_all_sessions(user)  # signs the person out everywhere
    audit.record("user.deactivated", actor=actor, subject=user, target_user=user, role=user.role)


def reactivate_user(user: User, *, actor: User | None = None) -> None:
    _check_may_change(user, actor)
    if user.erased_at is not None:
        raise NotEligible(_("An erased account cannot be reactivated."))
    if user.active:
        return
    user.active = True
    audit.record("user.reactivated", actor=actor, subject=user, target_user=user, role=user.role)


def members_query(organization_id: int, *, search: str = "", role: str = "") -> sa.Select:
    query = sa.select(User).where(User.organization_id == organization_id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    return query.order_by(User.erased_at.is_not(None), User.name)


def cohort_names_by_user(user_ids: list[int]) -> dict[int, list[str]]:
    """{user_id: [cohort names]} for a page of people, in one query."""
    if not user_ids:
        return {}
    names: dict[int, list[str]] = {}
    for table in (cohort_trainees, cohort_supervisors):
        query = (
            sa.select(table.c.user_id, Cohort.name).join(Cohort, Cohort.id == table.c.cohort_id)
            .where(table.c.user_id.in_(user_ids)).order_by(Cohort.name)
        )
        for user_id, name in db.session.execute(query):
            names.setdefault(user_id, []).append(name)
    return names
