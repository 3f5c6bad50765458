"""Two real transactions that overlap on PostgreSQL, for the tests of what the database decides.

Each writer runs in its own thread, application context and database session. The first writer
writes and keeps its transaction open until the second one is seen waiting on a lock, so the test
proves that the two really overlapped rather than ran one after the other.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from lms.errors import DomainError
from lms.extensions import db

WAIT_SECONDS = 10


@dataclass
class RaceOutcome:
    second_waited: bool = False  # False: the writers never overlapped, so nothing was tested
    first_committed: bool = False
    second_committed: bool = False
    second_refusal: str | None = None  # the message of the domain error the second writer got


def race_two_writers(
    app: Flask, first_write: Callable[[], object], second_write: Callable[[], object], refused: type[DomainError]
) -> RaceOutcome:
    """Run `first_write`, start `second_write` while the first transaction is still open, then commit both.

    `refused` is the domain error the second writer is expected to get when the database turns it down.
    """
    outcome = RaceOutcome()
    first_wrote = threading.Event()
    second_done = threading.Event()

    def first():
        with app.app_context():
            try:
                first_write()  # written, not yet committed: holds the row or index entry
                first_wrote.set()
                # Commit only once the second writer is waiting on ours.
                deadline = time.monotonic() + WAIT_SECONDS
                while time.monotonic() < deadline and not outcome.second_waited:
                    time.sleep(0.02)
                db.session.commit()
                outcome.first_committed = True
            finally:
                first_wrote.set()
                db.session.remove()

    def second():
        with app.app_context():
            first_wrote.wait(WAIT_SECONDS)
            try:
                second_write()
                db.session.commit()
                outcome.second_committed = True
            except refused as error:
                db.session.rollback()
                outcome.second_refusal = error.message
            finally:
                second_done.set()
                db.session.remove()

    def watch():
        # The second transaction blocks on the lock until the first one ends.
        with app.app_context():
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and not second_done.is_set():
                waiting = db.session.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"))
                db.session.rollback()
                if waiting:
                    outcome.second_waited = True
                    break
                time.sleep(0.02)
            db.session.remove()

    threads = [threading.Thread(target=target) for target in (first, second, watch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT_SECONDS)
    return outcome
