"""xAPI through the real job queue (Redis and an RQ worker): the event's page never waits for the LRS. The
statements are written with the event, the send is pushed only once the event commits, and a worker sends."""

import uuid

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.learning import completion
from lms.models import StatementState, XapiStatement
from tests.test_jobs import _redis_or_skip, run_worker
from tests.test_xapi import switch_on

pytest_plugins = ["tests.exam_fixtures", "tests.lrs_server"]
pytestmark = pytest.mark.redis


@pytest.fixture
def app_config():
    return {"REDIS_URL": _redis_or_skip(), "JOB_QUEUE": f"test-xapi-{uuid.uuid4().hex[:12]}",
            "JOB_RETRY_INTERVALS": [0], "RATELIMIT_ENABLED": False}


@pytest.fixture
def queue(app):
    queue = jobs.get_queue(app)
    yield queue
    for registry in (queue.failed_job_registry, queue.finished_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    queue.connection.close()


def test_the_worker_sends_what_the_committed_event_wrote(app, db, lrs, people, enrolment, queue):
    switch_on(db, lrs, people["org"], people["org_admin"])
    assert completion.mark_lesson_read(enrolment, enrolment.course_version.modules[0].lessons[0])
    [row] = db.session.scalars(sa.select(XapiStatement)).all()
    assert queue.count == 0  # nothing leaves before the event commits
    db.session.commit()
    assert queue.count == 1
    db.session.refresh(row)
    assert row.state == StatementState.PENDING and row.attempts == 0  # the event did not wait for the LRS
    assert lrs.statement(row.statement_id) is None

    run_worker(app)
    db.session.expire_all()
    assert row.state == StatementState.SENT
    assert lrs.statement(row.statement_id)["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
