"""Demo exam data: each certified holder passed the exam in a proctored sitting before their certificate;
a sitting is open now for the Spring cohort (a demo trainee can try the exam from the course page); Elena
has extra time (1.5x) with its reason on the record.

Registered in `lms.demo`'s list of seeders; idempotent; does nothing until the core course is synced and
the certified holders (made by the certificates' seeder) exist.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from lms.certificates import demo as certificates_demo
from lms.exams import attempts, rules, sittings, staff
from lms.extensions import db
from lms.models import (
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    ExamAccommodation,
    ExamAnswer,
    ExamAttempt,
    ExamSitting,
    User,
    utcnow,
)

CORE_COURSE = "peer-specialist-core"
SUPERVISOR_EMAIL = "supervisor@example.org"
COORDINATOR_EMAIL = "coordinator@example.org"
PROCTOR = "Robin Supervisor"
SITTING_DAYS_BEFORE_CERTIFICATE = 6
OPEN_FOR = timedelta(days=14)
# Every n-th question answered wrongly, per certified holder in CERTIFIED_PEOPLE order: 86%, 80%, 83%.
WRONG_EVERY = (7, 5, 6)
ACCOMMODATED_EMAIL = "elena@example.org"
ACCOMMODATION_REASON = "Documented reading accommodation (dyslexia), letter on file with the coordinator."


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    supervisor = people.get(SUPERVISOR_EMAIL)
    version = db.session.scalar(sa.select(CourseVersion).join(Course).where(
        Course.slug == CORE_COURSE, CourseVersion.is_live.is_(True)))
    if not cohorts or supervisor is None or version is None or not version.exam:
        return
    for index, (enrolment, certificate) in enumerate(certificates_demo.certified_holders(people)):
        if enrolment.course_version.exam and not attempts.attempts_of(enrolment):
            cohort = next((c for c in cohorts if enrolment.user in c.trainees), cohorts[0])
            opens_at = certificates_demo.moment_before(certificate, days=SITTING_DAYS_BEFORE_CERTIFICATE, hour=9)
            sitting = _past_sitting(cohort, enrolment.course_version, supervisor, opens_at=opens_at)
            _passed_attempt(enrolment, sitting, started_at=opens_at + timedelta(minutes=10),
                            wrong_every=WRONG_EVERY[index % len(WRONG_EVERY)])
    _open_sitting_now(cohorts[0], version, supervisor)
    _grant_extra_time(people, version)
    db.session.flush()


def _past_sitting(cohort: Cohort, version: CourseVersion, supervisor: User, *, opens_at) -> ExamSitting:
    """A proctored three-hour sitting, opened two weeks ahead (made directly: the service refuses the past)."""
    sitting = ExamSitting(cohort_id=cohort.id, course_version_id=version.id, opens_at=opens_at,
                          closes_at=opens_at + timedelta(hours=3), proctored=True, proctor_name=PROCTOR,
                          created_by_id=supervisor.id, created_at=opens_at - timedelta(days=14))
    db.session.add(sitting)
    db.session.flush()
    return sitting


def _open_sitting_now(cohort: Cohort, version: CourseVersion, supervisor: User) -> None:
    """An unproctored sitting without an access code, open from an hour ago for two weeks."""
    now = utcnow()
    if db.session.scalar(sa.select(ExamSitting.id).where(
            ExamSitting.cohort_id == cohort.id, ExamSitting.closes_at > now).limit(1)):
        return
    sittings.open_sitting(cohort, version, opens_at=now - timedelta(hours=1), closes_at=now + OPEN_FOR,
                          by=supervisor)


def _grant_extra_time(people: dict[str, User], version: CourseVersion) -> None:
    trainee, coordinator = people.get(ACCOMMODATED_EMAIL), people.get(COORDINATOR_EMAIL)
    if trainee is None or coordinator is None:
        return
    enrolment = db.session.scalar(sa.select(Enrolment).where(
        Enrolment.user_id == trainee.id, Enrolment.course_id == version.course_id))
    if enrolment is None or db.session.scalar(sa.select(ExamAccommodation.id).where(
            ExamAccommodation.enrolment_id == enrolment.id).limit(1)):
        return
    staff.grant_extra_time(enrolment, "1.5", ACCOMMODATION_REASON, by=coordinator)


def _passed_attempt(enrolment: Enrolment, sitting: ExamSitting, *, started_at, wrong_every: int) -> None:
    """An attempt with its own drawn form, every `wrong_every`-th question answered wrongly."""
    exam = enrolment.course_version.exam
    rng = random.Random(enrolment.id)  # noqa: S311 - demo data: the same form each time, nothing secret
    attempt = ExamAttempt(enrolment_id=enrolment.id, course_version_id=enrolment.course_version_id,
                          sitting_id=sitting.id, number=1, started_at=started_at,
                          deadline_at=rules.deadline(started_at, exam["time_limit_minutes"]))
    attempt.answers = [ExamAnswer(exam_item_id=d.key, position=d.position, option_order=d.option_order, selected=[])
                       for d in attempts.draw_form_for(enrolment, exam, rng)]
    db.session.add(attempt)
    db.session.flush()
    for answer in attempt.answers:
        options = answer.exam_item.question["options"]
        wrong = [o["id"] for o in options if not o["correct"]][:1]
        answer.selected = wrong if answer.position % wrong_every == 0 else [o["id"] for o in options if o["correct"]]
        answer.saved_at = started_at + timedelta(minutes=answer.position)
    db.session.flush()
    attempts.submit_attempt(attempt, now=started_at + timedelta(minutes=70))
