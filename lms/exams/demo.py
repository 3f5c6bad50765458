"""Demo exam data: a sitting for the Spring cohort and a passed exam for the certified demo trainee.

Registered in `lms.demo`'s list of seeders; idempotent; does nothing until the core course is synced and
its certified trainee (avery@, made by the certificates' seeder) exists.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from lms.auth.services import find_user_by_email
from lms.exams import attempts, rules
from lms.extensions import db
from lms.models import Cohort, Course, Enrolment, ExamAnswer, ExamAttempt, ExamSitting, User, utcnow

CORE_COURSE = "peer-specialist-core"
CERTIFIED_EMAIL = "avery@example.org"
SUPERVISOR_EMAIL = "supervisor@example.org"


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    if not cohorts:
        return
    supervisor = people.get(SUPERVISOR_EMAIL) or find_user_by_email(SUPERVISOR_EMAIL)
    trainee = people.get(CERTIFIED_EMAIL) or find_user_by_email(CERTIFIED_EMAIL)
    course = db.session.scalar(sa.select(Course).where(Course.slug == CORE_COURSE))
    if course is None or supervisor is None:
        return
    enrolment = db.session.scalar(sa.select(Enrolment).where(
        Enrolment.user_id == trainee.id, Enrolment.course_id == course.id)) if trainee is not None else None
    version = enrolment.course_version if enrolment is not None else None
    if version is None or not version.exam:
        return
    cohort = next((c for c in cohorts if trainee in c.trainees), cohorts[0])
    if db.session.scalar(sa.select(ExamAttempt.id).where(ExamAttempt.enrolment_id == enrolment.id).limit(1)):
        return
    now = utcnow()
    sitting = ExamSitting(cohort_id=cohort.id, course_version_id=version.id, opens_at=now - timedelta(days=45),
                          closes_at=now - timedelta(days=45) + timedelta(hours=3), proctored=True,
                          proctor_name="Sam Supervisor", created_by_id=supervisor.id)
    db.session.add(sitting)
    db.session.flush()
    _passed_attempt(enrolment, sitting, started_at=sitting.opens_at + timedelta(minutes=10))


def _passed_attempt(enrolment: Enrolment, sitting: ExamSitting, *, started_at) -> None:
    """An attempt with its own drawn form, every seventh question answered wrongly: a pass of about 86%."""
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
        answer.selected = wrong if answer.position % 7 == 0 else [o["id"] for o in options if o["correct"]]
        answer.saved_at = started_at + timedelta(minutes=answer.position)
    db.session.flush()
    attempts.submit_attempt(attempt, now=started_at + timedelta(minutes=70))
