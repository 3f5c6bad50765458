"""Demo certificates: certified trainees with a valid, an expired and a revoked certificate.

Called from `lms.demo._extend`; idempotent; does nothing until the core course has been synced.
"""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.auth.services import create_user, find_user_by_email
from lms.certificates import issuance, lifecycle, records
from lms.extensions import db
from lms.models import (
    Certificate,
    ContinuingEducation,
    Course,
    CourseVersion,
    Enrolment,
    Module,
    ModuleCompletion,
    ReviewState,
    Role,
    User,
    utcnow,
)

CORE_COURSE = "peer-specialist-core"

# (email, name, what their certificate shows)
CERTIFIED_PEOPLE = [
    ("avery@example.org", "Avery Okafor", "valid"),
    ("jamie@example.org", "Jamie Lindqvist", "expired"),
    ("drew@example.org", "Drew Nakamura", "revoked"),
]


def seed_certificates(people: dict[str, User], cohorts, *, password: str) -> list[tuple[str, str]]:
    """Create the certified demo trainees (once); returns their logins as (label, email)."""
    version = db.session.scalar(
        sa.select(CourseVersion)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == CORE_COURSE, CourseVersion.is_live.is_(True),
               CourseVersion.certificate_rules.is_not(None))
        .order_by(CourseVersion.id.desc())
        .limit(1)
    )
    if version is None:
        return []  # `flask courses sync` has not run yet
    cohort = cohorts[0] if cohorts else None
    organization = cohort.organization if cohort is not None else None
    today = date.today()
    logins = []
    for email, name, state in CERTIFIED_PEOPLE:
        user = find_user_by_email(email) or create_user(
            email=email, name=name, password=password, role=Role.TRAINEE, organization=organization
        )
        if cohort is not None and user not in cohort.trainees:
            cohort.trainees.append(user)
        logins.append((f"Certified trainee ({state})", email))
        if records.latest_certificate(user.id, version.course_id) is not None:
            continue
        completed_at = _complete(user, version, days_ago={"valid": 40, "expired": 800, "revoked": 120}[state])
        issued_on = completed_at.date()
        certificate = issuance.issue_certificate(user, version, issued_on=issued_on)
        certificate.name_confirmed_at = completed_at
        if state == "revoked":
            lifecycle.revoke_certificate(certificate, "Demo: issued before the final role-play was graded.")
        elif state == "valid":
            _continuing_education(user, issued_on, today)
    db.session.flush()
    return logins


def _complete(user: User, version: CourseVersion, *, days_ago: int):
    completed_at = utcnow() - timedelta(days=days_ago)
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == version.course_id)
    )
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=version.course_id, course_version_id=version.id,
                              created_at=completed_at - timedelta(days=90))
        db.session.add(enrolment)
        db.session.flush()
    done = set(db.session.scalars(
        sa.select(ModuleCompletion.module_id).where(ModuleCompletion.enrolment_id == enrolment.id)
    ))
    modules = db.session.scalars(sa.select(Module).where(Module.course_version_id == enrolment.course_version_id))
    for module in modules:
        if module.id not in done:
            db.session.add(ModuleCompletion(enrolment_id=enrolment.id, module_id=module.id, passed_at=completed_at))
    enrolment.completed_at = enrolment.completed_at or completed_at
    enrolment.last_activity_at = completed_at
    db.session.flush()
    return enrolment.completed_at


def _continuing_education(user: User, issued_on: date, today: date) -> None:
    """Some approved hours towards renewal, and one activity waiting for the supervisor."""
    done_on = min(today, issued_on + timedelta(days=20))
    db.session.add_all([
        ContinuingEducation(user_id=user.id, title="Trauma-informed peer support", provider="State Peer Network",
                            hours=Decimal("6"), completed_on=done_on, source="outside",
                            state=ReviewState.APPROVED, reviewed_at=utcnow(), review_note="Attendance confirmed."),
        ContinuingEducation(user_id=user.id, title="Suicide prevention: safety planning", provider="County training",
                            hours=Decimal("4"), completed_on=today, source="outside", state=ReviewState.PENDING),
    ])


def certified_demo_counts() -> dict[str, int]:
    """How many demo certificates are valid, expired and revoked (for checks and the CLI)."""
    today = date.today()
    emails = [email for email, _, _ in CERTIFIED_PEOPLE]
    certificates = db.session.scalars(
        sa.select(Certificate).join(User, User.id == Certificate.user_id).where(User.email.in_(emails))
    )
    counts = {"valid": 0, "expired": 0, "revoked": 0}
    for certificate in certificates:
        counts[str(records.status_of(certificate, today))] += 1
    return counts
