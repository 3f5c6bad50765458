"""The demo puts role-plays in the demo supervisors' queues, once, when the courses are synced."""

import sqlalchemy as sa

from lms.demo import seed_demo
from lms.models import Submission, SubmissionState, User
from lms.roleplay import queue


def test_demo_role_plays_wait_in_the_demo_supervisors_queue_and_are_seeded_once(db, courses):
    seed_demo()
    db.session.commit()
    seed_demo()
    db.session.commit()
    submissions = db.session.scalars(sa.select(Submission).order_by(Submission.id)).all()
    assert [(s.trainee.email, s.attempt_no, s.state) for s in submissions] == [
        ("jordan@example.org", 1, SubmissionState.RESUBMIT),
        ("jordan@example.org", 2, SubmissionState.SUBMITTED),
        ("trainee@example.org", 1, SubmissionState.SUBMITTED),
        ("casey@example.org", 1, SubmissionState.SUBMITTED),
    ]
    sam = db.session.scalar(sa.select(User).where(User.email == "supervisor@example.org"))
    alex = db.session.scalar(sa.select(User).where(User.email == "supervisor2@example.org"))
    assert queue.queue_counts(sam)["waiting"] == 2
    assert queue.queue_counts(alex)["waiting"] == 1


def test_demo_without_synced_courses_adds_no_role_plays(db):
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
