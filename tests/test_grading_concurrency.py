"""Two supervisors saving a grade for the same submission: one grade is stored, the other is told.

The database decides (the `uq_grades_one_primary` partial unique index); the service catches the
IntegrityError in a savepoint. On PostgreSQL two real transactions overlap; on SQLite, which has a single
writer, the same path is checked one after the other.
"""

import pytest
import sqlalchemy as sa

from lms.errors import AlreadyGraded
from lms.extensions import db as _db
from lms.models import Grade, Submission, SubmissionState, User
from lms.roleplay import grading, submissions
from tests import factories
from tests.concurrency import race_two_writers
from tests.conftest import is_postgres

GOOD = {"listening": 3, "validation": 3, "confidentiality": 3, "language": 3}
SECRECY = {"listening": 4, "validation": 4, "confidentiality": 1, "language": 4}


@pytest.fixture
def race(db, people):
    people["cohort"].supervisors.append(people["other_supervisor"])
    submission = factories.make_submission(people["trainee"], factories.make_scenario())
    db.session.commit()
    return submission.id, people["supervisor"].id, people["other_supervisor"].id


def grade(submission_id: int, grader_id: int, levels: dict) -> Grade:
    submission = submissions.get_submission(submission_id)
    grader = _db.session.get(User, grader_id)
    return grading.grade_submission(submission, grader, grading.Scores(levels, {}, ""))


@pytest.mark.skipif(not is_postgres(), reason="two overlapping transactions need PostgreSQL (set TEST_DATABASE_URL)")
def test_two_supervisors_saving_at_the_same_time_on_postgresql(app, db, people, race):
    submission_id, first_id, second_id = race

    outcome = race_two_writers(
        app,
        lambda: grade(submission_id, first_id, GOOD),
        lambda: grade(submission_id, second_id, SECRECY),
        refused=AlreadyGraded,
    )

    assert outcome.second_waited, "the second save never waited on the first: no overlap was tested"
    assert outcome.first_committed
    supervisor = people["supervisor"].name
    assert outcome.second_refusal == f"{supervisor} graded this submission first; your grade was not saved."
    db.session.expire_all()
    grades = db.session.scalars(sa.select(Grade).where(Grade.submission_id == submission_id)).all()
    assert [(g.grader_id, g.passed) for g in grades] == [(first_id, True)]
    assert db.session.get(Submission, submission_id).state == SubmissionState.PASSED


def test_second_save_after_the_first_is_refused_by_the_index(db, people, race):
    submission_id, first_id, second_id = race
    grade(submission_id, first_id, GOOD)
    db.session.commit()
    with pytest.raises(AlreadyGraded) as refused:
        grade(submission_id, second_id, SECRECY)
    db.session.rollback()
    first = people["supervisor"].name
    assert refused.value.message == f"{first} graded this submission first; your grade was not saved."
    grades = db.session.scalars(sa.select(Grade).where(Grade.submission_id == submission_id)).all()
    assert [(g.grader_id, g.total) for g in grades] == [(first_id, 12)]
