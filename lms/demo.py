"""Demo data for trying the product: loaded once by `flask --app lms demo`."""

from datetime import date

import sqlalchemy as sa

from lms.auth.services import create_user, find_user_by_email
from lms.extensions import db
from lms.models import Cohort, Role
from lms.orgs.services import get_or_create_organization

DEMO_PASSWORD = "peer-support-demo"  # noqa: S105 - the published demo password (README), demo data only
DEMO_ORGANIZATION = "Riverside Peer Network"

DEMO_PEOPLE = [
    (Role.ADMIN, "admin@example.org", "Morgan Admin"),
    (Role.ORG_ADMIN, "coordinator@example.org", "Riley Coordinator"),
    (Role.SUPERVISOR, "supervisor@example.org", "Sam Supervisor"),
    (Role.SUPERVISOR, "supervisor2@example.org", "Alex Second-Supervisor"),
    (Role.TRAINEE, "trainee@example.org", "Taylor Trainee"),
    (Role.TRAINEE, "jordan@example.org", "Jordan Rivera"),
    (Role.TRAINEE, "casey@example.org", "Casey Morgan"),
]


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo organization, cohorts and people if they are missing; return the logins."""
    organization = get_or_create_organization(DEMO_ORGANIZATION)
    if organization.invite_code is None:
        organization.invite_code = "RIVERSIDE-2026"
    people = {}
    for role, email, name in DEMO_PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                organization=None if role == Role.ADMIN else organization,
            )
        people[email] = user
    spring = _cohort(organization, "Spring 2026", date(2026, 3, 2), date(2026, 6, 26))
    autumn = _cohort(organization, "Autumn 2026", date(2026, 9, 7), date(2026, 12, 18))
    _assign(spring, supervisors=[people["supervisor@example.org"]],
            trainees=[people["trainee@example.org"], people["jordan@example.org"]])
    _assign(autumn, supervisors=[people["supervisor2@example.org"]], trainees=[people["casey@example.org"]])
    db.session.flush()
    extra_logins = _extend(people, [spring, autumn])
    return [(Role(role).label, email) for role, email, _ in DEMO_PEOPLE] + extra_logins


def _cohort(organization, name, starts_on, ends_on) -> Cohort:
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.organization_id == organization.id, Cohort.name == name)
    )
    if cohort is None:
        cohort = Cohort(organization=organization, name=name, starts_on=starts_on, ends_on=ends_on)
        db.session.add(cohort)
    return cohort


def _assign(cohort, *, supervisors, trainees) -> None:
    for supervisor in supervisors:
        if supervisor not in cohort.supervisors:
            cohort.supervisors.append(supervisor)
    for trainee in trainees:
        if trainee not in cohort.trainees:
            cohort.trainees.append(trainee)


def _extend(people, cohorts) -> list[tuple[str, str]]:
    """Feature data (enrolments, submissions, certificates); returns the extra logins it made."""
    from lms.certificates.demo import seed_certificates
    from lms.learning.demo import seed_learning
    from lms.orgs.demo import seed_orgs
    from lms.roleplay.demo import seed_roleplays

    seed_learning(people)  # enrolments and some progress in the synced courses

    seed_roleplays(people)  # role-plays waiting in the demo supervisors' grading queues

    # avery@ (valid), jamie@ (expired) and drew@ (revoked), once the core course is synced
    certified_logins = seed_certificates(people, cohorts, password=DEMO_PASSWORD)
    seed_orgs(people, cohorts)  # supervised hours to review, a pending invitation
    return certified_logins or []
