"""Two supervisors saving a grade for the same submission: one grade is stored, the other is told.

The database decides (the `uq_grades_one_primary` partial unique index); the service catches the
IntegrityError in a savepoint. On PostgreSQL two real transactions overlap; on SQLite, which has a single
writer, the same path is checked one after the other.
"""

import threading
import time

import pytest
import sqlalchemy as sa

from lms.errors import AlreadyGraded
from lms.extensions import db as _db
from lms.models import Grade, Submission, SubmissionState, User
from lms.roleplay import services
from tests import factories
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
    submission = services.get_submission(submission_id)
    grader = _db.session.get(User, grader_id)
    return services.grade_submission(submission, grader, services.Scores(levels, {}, ""))


@pytest.mark.skipif(not is_postgres(), reason="two overlapping transactions need PostgreSQL (set TEST_DATABASE_URL)")
def test_two_supervisors_saving_at_the_same_time_on_postgresql(app, db, people, race):
    submission_id, first_id, second_id = race
    first_flushed = threading.Event()
    outcome: dict = {}

    def first():
        with app.app_context():
            try:
                grade(submission_id, first_id, GOOD)  # inserted, not yet committed: holds the index entry
                first_flushed.set()
                # Commit only once the second supervisor's insert is waiting on ours.
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not outcome.get("second_waiting"):
                    time.sleep(0.02)
                _db.session.commit()
                outcome["first"] = "saved"
            finally:
                first_flushed.set()
                _db.session.remove()

    def second():
        with app.app_context():
            first_flushed.wait(10)
            try:
                grade(submission_id, second_id, SECRECY)
                _db.session.commit()
                outcome["second"] = "saved"
            except AlreadyGraded as error:
                _db.session.rollback()
                outcome["second"] = error.message
            finally:
                _db.session.remove()

    def watch():
        # The second transaction blocks on the unique index until the first one ends.
        with app.app_context():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "second" not in outcome:
                waiting = _db.session.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"))
                _db.session.rollback()
                if waiting:
                    outcome["second_waiting"] = True
                    break
                time.sleep(0.02)
            _db.session.remove()

    threads = [threading.Thread(target=t) for t in (first, second, watch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert outcome.get("second_waiting"), "the second save never waited on the first: no overlap was tested"
    assert outcome["first"] == "saved"
    supervisor = people["supervisor"].name
    assert outcome["second"] == f"{supervisor} graded this submission first; your grade was not saved."
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
