"""Background work: an RQ queue on Redis when `REDIS_URL` is set, inline when it is not.

    from lms import jobs
    jobs.enqueue(render_certificate_pdf_job, certificate.id)

Rules for a job function:

* a module-level function (it is stored by its dotted name, so a lambda or a method is refused
  at once, in inline mode too, so that a test catches it before production does);
* arguments are plain values (ids, strings), never model objects: the worker loads what it needs;
* it runs inside an application context; the job wrapper commits after it returns and rolls back
  if it raises (in inline mode the caller's transaction is used and the caller commits, as usual);
* idempotent: it may run more than once (retries, recoveries), and a row it expects may be gone
  (the request that enqueued it rolled back): then it returns without doing anything.

Never losing the work:

* with Redis, a job that raises is retried (`JOB_RETRY_MAX` times, after `JOB_RETRY_INTERVALS`
  seconds); one that still fails stays in RQ's failed registry (`flask jobs status`, then
  `flask jobs requeue-failed`);
* a job enqueued while the caller's transaction is open is pushed to Redis only once that
  transaction commits (or when the application context ends), so the worker never looks for a row
  that is not committed yet;
* if Redis cannot be reached, the job runs inline, in the caller's process, with a warning;
* the state a job produces is also recorded in the database (a certificate row is stored first,
  with `pdf_path` NULL until its PDF is rendered), and "recoveries" registered here with
  `register_recovery(name, fn)` find such unfinished work and enqueue it again. The worker runs
  them when it starts and every `JOB_RECOVERY_INTERVAL` seconds; `flask jobs recover` (cron, or
  after an outage) runs them by hand when no worker runs.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue, Retry, SimpleWorker, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.extensions import db

__all__ = [
    "MISSING_PDFS",
    "QUEUE_NAME",
    "enqueue",
    "get_queue",
    "init_app",
    "make_worker",
    "perform",
    "recoveries",
    "redis_connection",
    "register_recovery",
    "run_recoveries",
]

log = logging.getLogger(__name__)

QUEUE_NAME = "lms"
MISSING_PDFS = "missing-pdfs"  # the recovery the certificates feature registers
_PENDING = "lms_pending_jobs"  # key in Session.info: jobs waiting for the transaction to commit
_RECOVERY_LOCK = "lms:jobs:{queue}:recoveries-lock"

_recoveries: dict[str, Callable[[], int | None]] = {}

# Settings (override with FLASK_JOB_*, e.g. FLASK_JOB_RETRY_INTERVALS='[5, 30]', or a test mapping).
DEFAULTS = {
    "JOB_QUEUE": QUEUE_NAME,
    "JOB_TIMEOUT": 300,  # seconds a job may run before the worker kills it
    "JOB_RETRY_MAX": 3,
    "JOB_RETRY_INTERVALS": [10, 60, 300],  # seconds before the 1st, 2nd, 3rd retry
    "JOB_RESULT_TTL": 3600,  # keep a finished job's result an hour
    "JOB_FAILURE_TTL": 30 * 24 * 3600,  # keep a failed job a month, for `flask jobs requeue-failed`
    "JOB_REDIS_TIMEOUT": 1.0,  # seconds to connect to Redis before running a job inline
    "JOB_REDIS_RETRY_AFTER": 5.0,  # after Redis failed, run inline this long before trying it again
    "JOB_RECOVERY_INTERVAL": 300,  # seconds between two runs of the recoveries by the workers
}


# -- recoveries -------------------------------------------------------------------------------


def register_recovery(name: str, fn: Callable[[], int | None]) -> None:
    """Register `fn` (no arguments, run in an app context) to find unfinished work and redo it.

    It returns how many items it found (or None). It must be idempotent and cheap when there is
    nothing to do: every worker runs it at start and then every `JOB_RECOVERY_INTERVAL` seconds.
    Registering the same name again replaces the function.
    """
    _recoveries[name] = fn


def recoveries() -> dict[str, Callable[[], int | None]]:
    return dict(_recoveries)


def run_recoveries(names: list[str] | None = None) -> dict[str, int | None]:
    """Run the named recoveries (all by default), each in its own transaction; returns the counts.

    A recovery that raises is logged and reported as -1; the others still run.
    """
    results: dict[str, int | None] = {}
    for name in names or sorted(_recoveries):
        fn = _recoveries[name]
        try:
            results[name] = fn()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("Recovery %r failed", name)
            results[name] = -1
    return results


# -- Redis and the queue ----------------------------------------------------------------------


def redis_connection(app: Flask | None = None) -> redis.Redis:
    """One client per application (it holds a pool); short timeouts so an outage is noticed fast."""
    app = app or current_app._get_current_object()
    state = app.extensions.setdefault("lms_jobs", {})
    url = app.config["REDIS_URL"]
    if state.get("url") != url:
        timeout = app.config["JOB_REDIS_TIMEOUT"]
        state["connection"] = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 5), health_check_interval=30
        )
        state["url"] = url
    return state["connection"]


def get_queue(app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()
    return Queue(app.config["JOB_QUEUE"], connection=redis_connection(app))


def _retry(app: Flask) -> Retry | None:
    maximum = app.config["JOB_RETRY_MAX"]
    if not maximum:
        return None
    return Retry(max=maximum, interval=list(app.config["JOB_RETRY_INTERVALS"]))


def _target(func: Callable) -> str:
    """The dotted name the worker imports; refuses what it could not find again."""
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or not name or "<" in name or "." in name:
        raise TypeError(f"jobs.enqueue needs a module-level function, not {func!r}")
    if _resolve(f"{module}.{name}") is not func:
        raise TypeError(f"jobs.enqueue: {module}.{name} does not name {func!r}")
    return f"{module}.{name}"


def _resolve(target: str) -> Callable:
    module, _, name = target.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _redis_down(app: Flask) -> bool:
    """Whether Redis failed within the last `JOB_REDIS_RETRY_AFTER` seconds (skip it meanwhile)."""
    state = app.extensions.setdefault("lms_jobs", {})
    return time.monotonic() < state.get("down_until", 0.0)


def _mark_redis_down(app: Flask, error: Exception) -> None:
    state = app.extensions.setdefault("lms_jobs", {})
    state["down_until"] = time.monotonic() + app.config["JOB_REDIS_RETRY_AFTER"]
    log.warning("Redis at %s is unreachable (%s): running background jobs inline", _safe_url(app), error)


def _safe_url(app: Flask) -> str:
    url = redis.connection.parse_url(app.config["REDIS_URL"])
    return f"{url.get('host', 'localhost')}:{url.get('port', 6379)}/{url.get('db', 0)}"


# -- enqueue ----------------------------------------------------------------------------------


def enqueue(func: Callable, *args, **kwargs) -> Any:
    """Run `func(*args, **kwargs)` in the background when a queue is configured, else now.

    Returns the function's result when it ran inline, else None (the job is on its way).
    """
    target = _target(func)
    if not has_app_context() or not current_app.config.get("REDIS_URL"):
        return func(*args, **kwargs)
    app = current_app._get_current_object()
    if _redis_down(app):
        return _run_inline(app, func, args, kwargs)
    try:
        redis_connection(app).ping()
    except redis.RedisError as error:
        _mark_redis_down(app, error)
        return _run_inline(app, func, args, kwargs)
    session = db.session()
    if session.in_transaction():
        # Push once the caller commits (or its application context ends): the worker must find
        # the rows this request wrote.
        session.info.setdefault(_PENDING, []).append((target, args, kwargs))
        return None
    if not _push(app, [(target, args, kwargs)]):
        return _run_inline(app, func, args, kwargs)
    return None


def _run_inline(app: Flask, func: Callable, args: tuple, kwargs: dict) -> Any:
    log.warning("Running job %s.%s inline", func.__module__, func.__qualname__)
    return func(*args, **kwargs)


def _push(app: Flask, items: list[tuple[str, tuple, dict]]) -> bool:
    """Put jobs on the queue; False (nothing pushed) if Redis failed."""
    try:
        queue = get_queue(app)
        retry = _retry(app)
        with queue.connection.pipeline() as pipe:
            for target, args, kwargs in items:
                queue.enqueue_call(
                    perform,
                    args=(target, list(args), dict(kwargs)),
                    timeout=app.config["JOB_TIMEOUT"],
                    result_ttl=app.config["JOB_RESULT_TTL"],
                    failure_ttl=app.config["JOB_FAILURE_TTL"],
                    retry=retry,
                    description=target,
                    pipeline=pipe,
                )
            pipe.execute()
    except redis.RedisError as error:
        _mark_redis_down(app, error)
        return False
    return True


def _push_pending_after_commit(session: Session) -> None:
    items = session.info.pop(_PENDING, None)
    if not items or not has_app_context():
        if items:
            session.info[_PENDING] = items
        return
    if not _push(current_app._get_current_object(), items):
        session.info[_PENDING] = items  # Redis failed: run them inline when the context ends


def _flush_pending(exception: BaseException | None = None) -> None:
    """At the end of an application context: push what never saw a commit, or, with Redis unreachable,
    hand each job to `perform`, the job wrapper, which runs it in an application context and a
    transaction of its own, as a worker would. The request's own session is never committed here."""
    if not db.session.registry.has():
        return
    session = db.session()
    items = session.info.pop(_PENDING, None)
    if not items:
        return
    app = current_app._get_current_object()
    if _push(app, items):
        return
    for target, args, kwargs in items:
        log.warning("Running job %s inline: Redis was unreachable", target)
        try:
            perform(target, list(args), dict(kwargs))
        except Exception:
            log.exception("Job %s failed inline while Redis was unreachable", target)


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.teardown_appcontext(_flush_pending)
    if not event.contains(Session, "after_commit", _push_pending_after_commit):
        event.listen(Session, "after_commit", _push_pending_after_commit)


# -- the worker side --------------------------------------------------------------------------


def _job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    # A plain `rq worker` (not `flask jobs worker`): build the app once per process.
    global _standalone_app
    if _standalone_app is None:
        from lms import create_app

        _standalone_app = create_app()
    return _standalone_app


_standalone_app: Flask | None = None


def perform(target: str, args: list, kwargs: dict) -> Any:
    """What the worker runs: `target(*args, **kwargs)` in a fresh app context, then commit."""
    app = _job_app()
    parent = app.extensions.get("lms_jobs", {}).get("worker_pid")
    if parent is not None and parent != os.getpid():
        # A forked work horse: never share the parent's database connections.
        db.engine.dispose(close=False)
    func = _resolve(target)
    with app.app_context():
        try:
            result = func(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return result


class _RecoveringMixin:
    """Runs the registered recoveries with RQ's maintenance: at start, then every
    `JOB_RECOVERY_INTERVAL` seconds (one worker among many per interval)."""

    app: Flask

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if not _recoveries:
            return
        lock_seconds = max(int(self.maintenance_interval) - 1, 1)
        lock = _RECOVERY_LOCK.format(queue=",".join(self.queue_names()))
        if not self.connection.set(lock, self.name, nx=True, ex=lock_seconds):
            return
        with self.app.app_context():
            results = run_recoveries()
        found = {name: count for name, count in results.items() if count}
        if found:
            self.log.info("Recoveries found unfinished work: %s", found)


class AppWorker(_RecoveringMixin, Worker):
    """RQ's forking worker: each job runs in a child process (memory is returned after each)."""


class AppSimpleWorker(_RecoveringMixin, SimpleWorker):
    """Jobs run in the worker's own process (tests, or platforms without fork)."""


def make_worker(app: Flask, *, simple: bool = False, queues: list[str] | None = None) -> Worker:
    """An RQ worker on the app's queue(s) whose maintenance also runs the recoveries."""
    connection = redis_connection(app)
    names = queues or [app.config["JOB_QUEUE"]]
    interval = int(app.config["JOB_RECOVERY_INTERVAL"])
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls(
        [Queue(name, connection=connection) for name in names],
        connection=connection,
        maintenance_interval=interval,
        # The idle wait is worker_ttl - 15 s: wake up in time for the next maintenance.
        worker_ttl=max(30, min(420, interval + 15)),
    )
    worker.app = app
    app.extensions.setdefault("lms_jobs", {})["worker_pid"] = os.getpid()
    return worker
