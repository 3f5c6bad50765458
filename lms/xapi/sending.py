"""Sending the outbox to an organization's LRS: the job, its retries and the recovery.

`send_pending(organization_id)` (a job, through `lms.jobs`) POSTs the organization's due statements, oldest
first, in batches (a JSON array per request, `XAPI_BATCH_SIZE`). A batch the LRS refuses or cannot take
(down, timeout, an error status) stays pending: each of its rows records the attempt, the LRS's error and
when to try again (exponential backoff: `XAPI_RETRY_BASE_SECONDS` doubled per attempt, at most
`XAPI_RETRY_MAX_SECONDS`); after `XAPI_MAX_ATTEMPTS` a row is "failed" and waits for someone to press
"Retry" on the statements page. When the LRS refuses a batch for its content (400, 409, 413, 422), each
statement is sent alone, so that one it refuses does not hold back the others. Statements keep their ids,
so an LRS that already stored one (an answer lost on the way back) keeps one copy.

The recovery `xapi-unsent` (run by the workers and `flask jobs recover`) enqueues a send for every
organization that has statements due.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lms import jobs
from lms.extensions import db
from lms.models import StatementState, XapiSettings, XapiStatement, utcnow
from lms.secret_box import SecretUnreadable, decrypt
from lms.xapi.statements import XAPI_VERSION

log = logging.getLogger(__name__)

RECOVERY = "xapi-unsent"
ERROR_LENGTH = 1000

DEFAULTS = {
    "XAPI_BATCH_SIZE": 50,
    "XAPI_MAX_ATTEMPTS": 8,
    "XAPI_RETRY_BASE_SECONDS": 60,
    "XAPI_RETRY_MAX_SECONDS": 6 * 3600,
    "XAPI_TIMEOUT": 10,
}


class LrsError(Exception):
    """The LRS did not take the statements; the message says why (status and the LRS's own words).
    `status` is the HTTP status when the LRS answered."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def about_the_statements(self) -> bool:
        """The LRS refused what was sent (invalid, or a conflicting id), not the connection or the
        credentials: another statement of the batch may well be acceptable."""
        return self.status in (400, 409, 413, 422)


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def statements_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/statements"


def post_statements(endpoint: str, key: str, secret: str, statements: list[dict], *, timeout: float) -> None:
    """POST a JSON array of statements with basic authentication; raises `LrsError` unless accepted."""
    url = statements_url(endpoint)
    if not url.startswith(("https://", "http://")):
        raise LrsError("The LRS address must start with https:// or http://")
    body = json.dumps(statements).encode("utf-8")
    token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
    headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}",
               "X-Experience-API-Version": XAPI_VERSION}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http and https only)
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(ERROR_LENGTH).decode("utf-8", "replace").strip()
        raise LrsError(f"HTTP {error.code} {error.reason}: {detail}".strip(": "), error.code) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LrsError(f"Could not reach the LRS: {reason}") from error


def backoff(attempts: int) -> timedelta:
    seconds = setting("XAPI_RETRY_BASE_SECONDS") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, setting("XAPI_RETRY_MAX_SECONDS")))


def due_statements(organization_id: int, now: datetime, limit: int) -> list[XapiStatement]:
    query = (sa.select(XapiStatement)
             .where(XapiStatement.organization_id == organization_id,
                    XapiStatement.state == StatementState.PENDING, XapiStatement.next_attempt_at <= now)
             .order_by(XapiStatement.id).limit(limit)
             .with_for_update(skip_locked=True))  # two workers never send the same rows (PostgreSQL)
    return list(db.session.scalars(query))


def record_failure(rows: list[XapiStatement], message: str, now: datetime) -> None:
    maximum = setting("XAPI_MAX_ATTEMPTS")
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        row.last_error = message[:ERROR_LENGTH]
        if row.attempts >= maximum:
            row.state = StatementState.FAILED
        else:
            row.next_attempt_at = now + backoff(row.attempts)


def record_sent(rows: list[XapiStatement], now: datetime) -> None:
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        row.state = StatementState.SENT
        row.sent_at = now
        row.last_error = None


def credentials(settings: XapiSettings) -> tuple[str, str]:
    """The key and the unsealed secret; raises `LrsError` when the secret cannot be read."""
    if not settings.secret_sealed:
        return settings.key, ""
    try:
        return settings.key, decrypt(settings.secret_sealed)
    except SecretUnreadable as error:
        raise LrsError("The stored LRS secret cannot be read (the server's key changed): enter it again "
                       "on the xAPI settings page.") from error


def send_pending(organization_id: int, *, now: datetime | None = None) -> int:
    """The job: send the organization's due statements in batches; returns how many the LRS took.

    Idempotent and cheap when nothing is due. The first batch that fails stops the run (the LRS is likely
    down); its rows wait for their next attempt.
    """
    settings = db.session.scalar(sa.select(XapiSettings).where(XapiSettings.organization_id == organization_id))
    if settings is None or not settings.enabled or not settings.endpoint:
        return 0
    now = now or utcnow()
    size = max(int(setting("XAPI_BATCH_SIZE")), 1)
    sent = 0
    while True:
        rows = due_statements(organization_id, now, size)
        if not rows:
            break
        try:
            key, secret = credentials(settings)
            post_statements(settings.endpoint, key, secret, [row.payload for row in rows],
                            timeout=setting("XAPI_TIMEOUT"))
        except LrsError as error:
            log.warning("The LRS of organization %s refused %d statements: %s", organization_id, len(rows), error)
            if not (error.about_the_statements and len(rows) > 1):
                record_failure(rows, str(error), now)
                db.session.flush()
                break
            sent += _one_by_one(settings, rows, now)  # find the statement it refuses; send the others
        else:
            record_sent(rows, now)
            sent += len(rows)
        db.session.flush()
        if len(rows) < size:
            break
    return sent


def _one_by_one(settings: XapiSettings, rows: list[XapiStatement], now: datetime) -> int:
    """After the LRS refused a batch for its content: each statement alone, so that one bad statement
    neither holds back nor fails the others. Returns how many were taken."""
    key, secret = credentials(settings)
    taken = 0
    for row in rows:
        try:
            post_statements(settings.endpoint, key, secret, [row.payload], timeout=setting("XAPI_TIMEOUT"))
        except LrsError as error:
            record_failure([row], str(error), now)
            if not error.about_the_statements:
                return taken  # the LRS went away meanwhile: the rest wait for the next run
            continue
        record_sent([row], now)
        taken += 1
    return taken


def enqueue_unsent(now: datetime | None = None) -> int:
    """The recovery: a send for every organization (xAPI on) with statements due; returns how many due."""
    now = now or utcnow()
    counts = db.session.execute(
        sa.select(XapiStatement.organization_id, sa.func.count())
        .join(XapiSettings, XapiSettings.organization_id == XapiStatement.organization_id)
        .where(XapiSettings.enabled.is_(True), XapiStatement.state == StatementState.PENDING,
               XapiStatement.next_attempt_at <= now)
        .group_by(XapiStatement.organization_id)).all()
    for organization_id, _count in counts:
        jobs.enqueue(send_pending, organization_id)
    return sum(count for _organization_id, count in counts)
