"""The verification log, written in batches: a lookup does not wait for its own INSERT and COMMIT.

Every lookup (API, bulk, page, PDF, CSV) is logged for abuse detection. Writing and committing one
row per request is what made the public API slow: on SQLite every writer queues for the one
database lock, on PostgreSQL every commit waits for the disk. So, per application and process,
`record` puts the rows in a buffer, and a background thread writes them in one transaction every
VERIFICATION_LOG_FLUSH_SECONDS, or as soon as VERIFICATION_LOG_BUFFER rows wait. Each row keeps the
time of its lookup (`created_at`), so a batch changes when a row becomes visible, never what it says.

Never losing rows:

* a flush that fails logs an error and keeps its rows, in order, for the next flush (at most
  VERIFICATION_LOG_MAX_PENDING rows wait; beyond that the oldest are dropped, with an error);
* a batch that breaks a constraint (its API key deleted with its organization meanwhile) is
  written row by row, and a row the database still refuses is logged in full as an error;
* the buffer is flushed when the process exits: `atexit`, and gunicorn's `worker_exit` hook
  (gunicorn.conf.py) calls `flush_all()`. Only a process killed outright (SIGKILL, a worker timeout)
  loses its last VERIFICATION_LOG_FLUSH_SECONDS of lookups.

The buffer is a fast path: with FAST_PATHS off (or VERIFICATION_LOG_BUFFER = 0) the rows are added to the
caller's transaction, which the caller commits, and no thread runs (the tests use this by default, and it
is the way to log synchronously).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref

import sqlalchemy as sa
from flask import Flask, current_app

from lms.extensions import db
from lms.models import VerificationLog

log = logging.getLogger(__name__)

_EXTENSION = "lms_verification_log"
_INSERT = sa.insert(VerificationLog.__table__)

DEFAULTS = {
    "VERIFICATION_LOG_BUFFER": 500,  # rows that trigger a flush at once; 0: no buffer, the caller's transaction
    "VERIFICATION_LOG_FLUSH_SECONDS": 1.0,  # the longest a row waits; 0: no background thread
    "VERIFICATION_LOG_MAX_PENDING": 100_000,  # rows kept while the database refuses them
}

_buffers: weakref.WeakSet[LogBuffer] = weakref.WeakSet()


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)


def record(rows: list[dict]) -> None:
    """Log lookups (dicts of VerificationLog columns): buffered, or in the caller's transaction."""
    if not rows:
        return
    app = current_app._get_current_object()
    if not app.config.get("FAST_PATHS") or not app.config["VERIFICATION_LOG_BUFFER"]:
        db.session.execute(_INSERT, rows)
        return
    buffer_for(app).add(rows)


def buffer_for(app: Flask) -> LogBuffer:
    buffer = app.extensions.get(_EXTENSION)
    if buffer is None:
        buffer = app.extensions.setdefault(_EXTENSION, LogBuffer(app))
    return buffer


def flush(app: Flask | None = None) -> int:
    """Write the rows waiting in this process for `app` (the current one by default); returns how many."""
    buffer = (app or current_app._get_current_object()).extensions.get(_EXTENSION)
    return buffer.flush() if buffer is not None else 0


def pending(app: Flask | None = None) -> int:
    buffer = (app or current_app._get_current_object()).extensions.get(_EXTENSION)
    return buffer.pending() if buffer is not None else 0


def flush_all() -> None:
    """Stop the background threads and write every buffer of this process (at exit)."""
    for buffer in list(_buffers):
        buffer.close()


class LogBuffer:
    """Rows waiting to be written for one application, and the thread that writes them."""

    def __init__(self, app: Flask):
        self.app = app
        self.size = int(app.config["VERIFICATION_LOG_BUFFER"])
        self.interval = float(app.config["VERIFICATION_LOG_FLUSH_SECONDS"] or 0)
        self.max_pending = int(app.config["VERIFICATION_LOG_MAX_PENDING"])
        self._reset()
        _buffers.add(self)

    def _reset(self) -> None:
        """Empty, without a thread (also in a forked child: what it inherited is its parent's to write)."""
        self.rows: list[dict] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def pending(self) -> int:
        with self.lock:
            return len(self.rows)

    def add(self, rows: list[dict]) -> None:
        with self.lock:
            self.rows.extend(rows)
            if len(self.rows) > self.max_pending:
                self._drop_overflow()
            full = len(self.rows) >= self.size
            start = self.thread is None and self.interval > 0 and not self.stopped.is_set()
            if start:
                self.thread = threading.Thread(target=self._run, name="verification-log", daemon=True)
        if start:
            self.thread.start()
        if full:
            if self.thread is not None and self.thread.is_alive():
                self.wake.set()
            else:
                self.flush()

    def _drop_overflow(self) -> None:
        overflow = len(self.rows) - self.max_pending
        if overflow > 0:
            del self.rows[:overflow]
            log.error("Verification log: %d rows dropped, the oldest, because %d were already waiting "
                      "for the database (see the errors above)", overflow, self.max_pending)

    def flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            write_rows(self.app, rows)
        except sa.exc.IntegrityError:
            return self._write_one_by_one(rows)
        except Exception:
            log.exception("Verification log: could not write %d rows; they are kept for the next flush", len(rows))
            with self.lock:
                self.rows[:0] = rows
                self._drop_overflow()
            return 0
        return len(rows)

    def _write_one_by_one(self, rows: list[dict]) -> int:
        written, kept = 0, []
        for index, row in enumerate(rows):
            try:
                write_rows(self.app, [row])
                written += 1
            except sa.exc.IntegrityError:
                log.error("Verification log: the database refuses this row, which is dropped: %r", row,
                          exc_info=True)
            except Exception:
                log.exception("Verification log: could not write %d rows; they are kept for the next flush",
                              len(rows) - index)
                kept = rows[index:]
                break
        if kept:
            with self.lock:
                self.rows[:0] = kept
                self._drop_overflow()
        return written

    def _run(self) -> None:
        while not self.stopped.is_set():
            self.wake.wait(self.interval)
            self.wake.clear()
            self.flush()

    def close(self) -> None:
        """Stop the thread (it finishes the flush it is doing), then write what is left."""
        self.stopped.set()
        self.wake.set()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self.flush()


def write_rows(app: Flask, rows: list[dict]) -> None:
    """One transaction for a batch of rows, on a connection of its own (not a request's session)."""
    with app.app_context():
        engine = db.engine
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Logged lookups may wait for the disk: a database crash could lose the last few
            # milliseconds of them, never corrupt anything, and no commit waits for the flush.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")
        connection.execute(_INSERT, rows)


def _forget_after_fork() -> None:
    for buffer in list(_buffers):
        buffer._reset()


atexit.register(flush_all)
os.register_at_fork(after_in_child=_forget_after_fork)
