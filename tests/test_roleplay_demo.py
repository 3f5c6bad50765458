"""The demo puts role-plays in the demo supervisors' queues, once, when the courses are synced."""

import pytest
import sqlalchemy as sa

from lms.demo import seed_demo
from lms.errors import CoursesMissing
from lms.models import Submission, SubmissionState, User
from lms.roleplay import queue
from tests import factories


def test_demo_role_plays_wait_in_the_demo_supervisors_queue_and_are_seeded_once(db, courses, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    seed_demo()
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(Submission.id)))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == count
    waiting = db.session.scalars(sa.select(Submission).where(Submission.state == SubmissionState.SUBMITTED)
                                 .order_by(Submission.id)).all()
    assert sorted(s.trainee.email for s in waiting) == ["casey@example.org", "elena@example.org",
                                                        "trainee@example.org"]
    robin = db.session.scalar(sa.select(User).where(User.email == "supervisor@example.org"))
    alex = db.session.scalar(sa.select(User).where(User.email == "supervisor2@example.org"))
    assert queue.queue_counts(robin)["waiting"] == 2  # Taylor's and Elena's (Alex marks Elena's blind)
    assert queue.queue_counts(alex)["waiting"] == 2  # Taylor's and Casey's
    assert db.session.scalar(sa.select(sa.func.count(Submission.id)).where(
        Submission.state == SubmissionState.RESUBMIT)) > 0  # some first attempts were sent back


def test_demo_without_synced_courses_adds_no_role_plays(db):
    with pytest.raises(CoursesMissing):
        seed_demo()
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
