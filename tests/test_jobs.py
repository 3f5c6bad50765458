"""Background jobs: inline without Redis; on the real Redis (TEST_REDIS_URL) with an RQ worker,
retries, waiting for the caller's commit, recoveries; Redis down means inline, never lost."""

import os
import uuid

import pytest
import redis
import sqlalchemy as sa
from rq import Queue

from lms import jobs
from lms.extensions import db
from lms.models import Organization
from tests import factories

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1 of the loopback


def _redis_or_skip() -> str:
    reason = None
    if not TEST_REDIS_URL:
        reason = "set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run the RQ worker tests against a real Redis"
    else:
        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            reason = f"Redis at TEST_REDIS_URL is unreachable: {error}"
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the RQ worker tests: {reason}")
        pytest.skip(reason)
    return TEST_REDIS_URL


# Job functions: module level, so the worker finds them by name.

CALLS: dict[str, int] = {}


def create_org(name: str) -> int:
    org = Organization(name=name)
    db.session.add(org)
    db.session.flush()
    return org.id


def create_org_failing_first(name: str) -> int:
    CALLS[name] = CALLS.get(name, 0) + 1
    if CALLS[name] == 1:
        raise RuntimeError("the first try fails (a mail server that is down for a moment)")
    return create_org(name)


def always_fails(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1
    raise RuntimeError("this job cannot succeed yet")


def org_names() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Organization.name)))


@pytest.fixture
def app_config(request):
    if "redis_app" in request.fixturenames:
        return {
            "REDIS_URL": _redis_or_skip(),
            "JOB_QUEUE": f"test-{uuid.uuid4().hex[:12]}",  # one queue per test: runs never mix
            "JOB_RETRY_INTERVALS": [0],  # retry at once (production waits 10 s, 60 s, 300 s)
            "RATELIMIT_ENABLED": False,  # its counters would live in the shared Redis, across runs
        }
    return {}


@pytest.fixture
def redis_app(app):
    yield app
    queue = jobs.get_queue(app)
    connection = queue.connection
    for registry in (queue.failed_job_registry, queue.finished_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    connection.close()


@pytest.fixture
def recovery():
    before = jobs.recoveries()
    yield jobs.register_recovery
    jobs._recoveries.clear()
    jobs._recoveries.update(before)


def run_worker(app) -> None:
    worker = jobs.make_worker(app, simple=True)
    worker.work(burst=True, logging_level="WARNING")


# -- inline ---------------------------------------------------------------------------------------


def test_without_redis_a_job_runs_at_once_in_the_callers_transaction(app, db):
    assert app.config["REDIS_URL"] is None
    result = jobs.enqueue(create_org, "Inline House")
    assert isinstance(result, int)
    db.session.rollback()  # the caller owns the transaction: nothing was committed behind its back
    assert "Inline House" not in org_names()


def test_enqueue_refuses_what_a_worker_could_not_import(app):
    with pytest.raises(TypeError, match="module-level function"):
        jobs.enqueue(lambda: None)
    with pytest.raises(TypeError, match="module-level function"):
        jobs.enqueue(app.config.get, "X")


def test_status_says_jobs_run_inline_without_redis(runner):
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert "inline" in result.output


def test_worker_refuses_to_start_without_redis(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


# -- Redis down -----------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"REDIS_URL": CLOSED_PORT_URL}])
def test_when_redis_is_down_a_job_runs_inline_and_is_not_lost(app, db, caplog):
    caplog.set_level("WARNING", logger="lms.jobs")
    result = jobs.enqueue(create_org, "Down But Done")
    assert isinstance(result, int)
    db.session.commit()
    assert "Down But Done" in org_names()
    assert "unreachable" in caplog.text
    # Within the back-off, the next job does not wait for Redis again.
    assert isinstance(jobs.enqueue(create_org, "Second While Down"), int)


@pytest.mark.parametrize("app_config", [{"REDIS_URL": CLOSED_PORT_URL, "MAIL_BACKEND": "memory"}])
def test_when_redis_is_down_a_reset_mail_is_still_sent(app, client, db):
    user = factories.make_user(email="forgot@example.org")
    db.session.commit()
    response = client.post("/auth/reset", data={"email": user.email})
    assert response.status_code == 302
    outbox = app.extensions.get("mail_outbox", [])
    assert [message["To"] for message in outbox] == ["forgot@example.org"]


# -- the real Redis -------------------------------------------------------------------------------


@pytest.mark.redis
def test_worker_runs_a_queued_job_in_the_app_context_and_it_writes_to_the_database(redis_app, db):
    db.session.commit()
    assert jobs.enqueue(create_org, "Queued House") is None
    queue = jobs.get_queue(redis_app)
    assert queue.count == 1 and "Queued House" not in org_names()
    run_worker(redis_app)
    assert "Queued House" in org_names()
    assert queue.count == 0 and queue.finished_job_registry.count == 1


@pytest.mark.redis
def test_a_job_that_fails_once_is_retried_and_succeeds(redis_app, db):
    name = f"Retried {uuid.uuid4().hex[:6]}"
    db.session.commit()
    jobs.enqueue(create_org_failing_first, name)
    run_worker(redis_app)
    assert CALLS[name] == 2
    assert name in org_names()
    queue = jobs.get_queue(redis_app)
    assert queue.failed_job_registry.count == 0 and queue.finished_job_registry.count == 1


@pytest.mark.redis
def test_a_job_that_keeps_failing_is_kept_as_failed_and_can_be_requeued(redis_app, db, runner):
    name = f"Failing {uuid.uuid4().hex[:6]}"
    db.session.commit()
    jobs.enqueue(always_fails, name)
    run_worker(redis_app)
    assert CALLS[name] == 1 + redis_app.config["JOB_RETRY_MAX"]
    queue = jobs.get_queue(redis_app)
    assert queue.failed_job_registry.count == 1

    status = runner.invoke(args=["jobs", "status"])
    assert status.exit_code == 0, status.output
    assert "failed     1" in status.output and redis_app.config["JOB_QUEUE"] in status.output

    result = runner.invoke(args=["jobs", "requeue-failed"])
    assert result.exit_code == 0 and "Requeued 1" in result.output, result.output
    assert queue.count == 1 and queue.failed_job_registry.count == 0


@pytest.mark.redis
def test_a_job_enqueued_in_an_open_transaction_waits_for_the_commit(redis_app, db):
    factories.make_org("Written By The Request")  # a write: the transaction is open
    jobs.enqueue(create_org, "After Commit")
    queue = jobs.get_queue(redis_app)
    assert queue.count == 0  # the worker would not find the request's rows yet
    db.session.commit()
    assert queue.count == 1
    run_worker(redis_app)
    assert {"Written By The Request", "After Commit"} <= org_names()


@pytest.mark.redis
def test_a_job_enqueued_by_a_request_is_pushed_when_the_request_ends(redis_app, client, db):
    user = factories.make_user(email="queued-mail@example.org")
    db.session.commit()
    response = client.post("/auth/reset", data={"email": user.email})  # reads, never commits
    assert response.status_code == 302
    assert redis_app.extensions.get("mail_outbox", []) == []  # not sent in the request
    assert jobs.get_queue(redis_app).count == 1
    run_worker(redis_app)
    assert [message["To"] for message in redis_app.extensions["mail_outbox"]] == ["queued-mail@example.org"]


@pytest.mark.redis
def test_the_worker_runs_the_recoveries_when_it_starts(redis_app, db, recovery):
    def find_unfinished() -> int:
        jobs.enqueue(create_org, "Recovered Work")
        return 1

    recovery("test-unfinished", find_unfinished)
    db.session.commit()
    run_worker(redis_app)  # maintenance at start runs the recovery, which queues the work it found
    run_worker(redis_app)
    assert "Recovered Work" in org_names()


def test_recover_command_runs_the_registered_recoveries_and_reports_counts(runner, db, recovery):
    recovery("test-counting", lambda: 3)
    result = runner.invoke(args=["jobs", "recover"])
    assert result.exit_code == 0, result.output
    assert "test-counting: 3" in result.output
    unknown = runner.invoke(args=["jobs", "recover", "no-such-thing"])
    assert unknown.exit_code != 0 and "No recovery named no-such-thing" in unknown.output


def test_a_failing_recovery_does_not_stop_the_others_and_fails_the_command(runner, db, recovery):
    def broken():
        raise RuntimeError("disk full")

    recovery("test-a-broken", broken)
    recovery("test-b-fine", lambda: create_org("Fine Recovery") and 1)
    result = runner.invoke(args=["jobs", "recover"])
    assert result.exit_code == 1
    assert "test-a-broken: failed" in result.output and "test-b-fine: 1" in result.output
    assert "Fine Recovery" in org_names()


def test_retry_missing_pdfs_runs_the_certificates_recovery(runner, db, recovery):
    if jobs.MISSING_PDFS not in jobs.recoveries():
        result = runner.invoke(args=["jobs", "retry-missing-pdfs"])
        assert result.exit_code != 0 and "No recovery named" in result.output
    recovery(jobs.MISSING_PDFS, lambda: 2)
    result = runner.invoke(args=["jobs", "retry-missing-pdfs"])
    assert result.exit_code == 0 and f"{jobs.MISSING_PDFS}: 2" in result.output, result.output


@pytest.mark.redis
def test_worker_command_runs_queued_jobs_in_burst_mode(redis_app, db, runner):
    db.session.commit()
    jobs.enqueue(create_org, "Command Worker")
    result = runner.invoke(args=["jobs", "worker", "--burst", "--simple", "--without-scheduler",
                                 "--logging-level", "WARNING"])
    assert result.exit_code == 0, result.output
    assert "Command Worker" in org_names()
    assert Queue(redis_app.config["JOB_QUEUE"], connection=jobs.redis_connection(redis_app)).count == 0
