"""Helpers of the exam tests (the fixtures are in `tests/exam_fixtures.py`, loaded with `pytest_plugins`)."""

from datetime import timedelta

import sqlalchemy as sa

from lms.exams import attempts, sittings
from lms.extensions import db
from lms.models import ExamAttempt, utcnow

COURSE = "/exams/courses/ready-course"


def open_sitting(people, version, *, code: str = "", hours: float = 3, starts_in: float = -0.5, **fields):
    now = utcnow()
    sitting = sittings.open_sitting(people["cohort"], version, opens_at=now + timedelta(hours=starts_in),
                                    closes_at=now + timedelta(hours=starts_in + hours), access_code=code,
                                    by=people["supervisor"], **fields)
    db.session.commit()
    return sitting


def correct_places(attempt: ExamAttempt, *, right: bool = True) -> dict[int, list[int]]:
    """What the test may know and the page never shows: the places of the right (or a wrong) option."""
    chosen = {}
    for answer in attempt.answers:
        options = {o["id"]: o for o in answer.exam_item.question["options"]}
        places = [i for i, oid in enumerate(answer.option_order) if options[oid]["correct"] == right]
        chosen[answer.position] = places if right else places[:1]
    return chosen


def start(enrolment, **kwargs) -> ExamAttempt:
    attempt = attempts.start_attempt(enrolment, **kwargs)
    db.session.commit()
    return attempt


def finish(enrolment, *, right: bool, hours_ago: float = 0) -> ExamAttempt:
    """An attempt answered all right (or all wrong) and submitted `hours_ago`."""
    attempt = start(enrolment)
    attempts.save_answers(attempt, correct_places(attempt, right=right))
    attempts.submit_attempt(attempt)
    if hours_ago:
        attempt.started_at -= timedelta(hours=hours_ago)
        attempt.deadline_at -= timedelta(hours=hours_ago)
        attempt.submitted_at -= timedelta(hours=hours_ago)
    db.session.commit()
    return attempt


def expire(attempt: ExamAttempt, minutes_ago: float = 1) -> None:
    """Move the deadline into the past, as if the trainee had run out of time."""
    db.session.execute(sa.update(ExamAttempt).where(ExamAttempt.id == attempt.id).values(
        deadline_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()
    db.session.expire_all()
