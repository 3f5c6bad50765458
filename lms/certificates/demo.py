"""Demo certificates and continuing education: a valid, an expired and a revoked certificate, each earned by
passing every module through the services (`lms.demo` walks the histories), and outside continuing-education
activities in every review state.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.certificates import issuance, lifecycle, records, registry
from lms.extensions import db
from lms.models import AuditEvent, Certificate, ContinuingEducation, Course, Enrolment, ReviewState, User

CORE_COURSE = "peer-specialist-core"

# (email, name, what their certificate shows, days since they completed the course)
CERTIFIED_PEOPLE = [
    ("avery@example.org", "Avery Okafor", "valid", 40),
    ("kai@example.org", "Kai Lindqvist", "expired", 800),
    ("drew@example.org", "Drew Nakamura", "revoked", 120),
]

# (title, provider, hours, days after the certificate, state, review note)
CONTINUING_EDUCATION = [
    ("Trauma-informed peer support", "State Peer Network", "6", 20, ReviewState.APPROVED, "Attendance confirmed."),
    ("Motivational interviewing refresher", "County training", "3", 26, ReviewState.RETURNED,
     "Please add the certificate of attendance: the upload was empty."),
    ("Suicide prevention: safety planning", "County training", "4", 35, ReviewState.PENDING, ""),
]


def certify(enrolment, state: str, *, completed_at: datetime) -> Certificate:
    """The certificate of a completed enrolment, issued on the day the course was completed."""
    existing = records.latest_certificate(enrolment.user_id, enrolment.course_id)
    if existing is not None:
        return existing
    certificate = issuance.issue_certificate(enrolment.user, enrolment.course_version,
                                             issued_on=completed_at.date())
    certificate.name_confirmed_at = completed_at
    if state == "revoked":
        lifecycle.revoke_certificate(certificate, "Demo: issued before the final role-play was graded.")
    if state == "valid":  # the holder chose to be listed: the public registry finds "Avery"
        registry.list_certificate(certificate, actor=enrolment.user)
    return certificate


def seed_continuing_education(holder: User, reviewer: User | None, *, issued_on: date, today: date) -> None:
    """Outside activities towards renewal: one approved, one returned with a note, one waiting for review."""
    if db.session.scalar(sa.select(sa.func.count(ContinuingEducation.id))
                         .where(ContinuingEducation.user_id == holder.id, ContinuingEducation.source == "outside")):
        return
    for title, provider, hours, days, state, note in CONTINUING_EDUCATION:
        done_on = min(today, issued_on + timedelta(days=days))
        reviewed = state != ReviewState.PENDING
        db.session.add(ContinuingEducation(
            user_id=holder.id, title=title, provider=provider, hours=Decimal(hours), completed_on=done_on,
            source="outside", state=state, review_note=note,
            reviewed_by_id=reviewer.id if reviewed and reviewer else None,
            reviewed_at=datetime.combine(done_on, datetime.min.time()) + timedelta(days=2) if reviewed else None,
        ))
    db.session.flush()


def certified_demo_counts() -> dict[str, int]:
    """How many demo certificates are valid, expired and revoked (for checks and the CLI)."""
    today = date.today()
    emails = [email for email, *_ in CERTIFIED_PEOPLE]
    certificates = db.session.scalars(
        sa.select(Certificate).join(User, User.id == Certificate.user_id).where(User.email.in_(emails))
    )
    counts = {"valid": 0, "expired": 0, "revoked": 0}
    for certificate in certificates:
        counts[str(certificate.status_on(today))] += 1
    return counts


def certified_holders(people: dict[str, User]) -> list[tuple[Enrolment, Certificate]]:
    """The certified demo holders' core-course enrolments with their certificates (the date the other
    features' demo data is set before), in CERTIFIED_PEOPLE order; none before the certificates exist."""
    found = []
    for email, *_ in CERTIFIED_PEOPLE:
        person = people.get(email)
        if person is None:
            continue
        enrolment = db.session.scalar(sa.select(Enrolment).join(Course, Course.id == Enrolment.course_id)
                                      .where(Enrolment.user_id == person.id, Course.slug == CORE_COURSE))
        certificate = records.latest_certificate(person.id, enrolment.course_id) if enrolment else None
        if certificate is not None:
            found.append((enrolment, certificate))
    return found


def moment_before(certificate: Certificate, *, days: float, hour: int = 10) -> datetime:
    """A moment `days` before the certificate's issue date, at `hour` o'clock UTC."""
    start_of_day = datetime.combine(certificate.issued_on, datetime.min.time(), tzinfo=UTC)
    return start_of_day + timedelta(hours=hour) - timedelta(days=days)


def backdate_audit(subject, at: datetime) -> None:
    """Set the audit events just recorded about `subject` (a demo row made through a service) to the
    moment it happened in the demo's story, so the audit log tells the same dates as the records."""
    db.session.flush()
    db.session.execute(sa.update(AuditEvent).where(
        AuditEvent.subject_type == type(subject).__name__, AuditEvent.subject_id == str(subject.id))
        .values(created_at=at))
