"""The daily reminder to supervisors: what waits for them, and who was told already today."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from lms import audit
from lms.extensions import db
from lms.models import AuditEvent, Role, Submission, User
from lms.roleplay.queue import queue_counts, status_condition
from lms.roleplay.submissions import in_scope

WAITING_NOTICE_EVERY = timedelta(hours=20)  # `notify-waiting` runs daily; a second run the same day is quiet


def waiting_for(supervisor: User) -> dict[str, object]:
    counts = queue_counts(supervisor)
    oldest = db.session.scalar(
        in_scope(sa.select(sa.func.min(Submission.submitted_at)), supervisor)
        .where(sa.or_(status_condition("waiting", supervisor), status_condition("second", supervisor)))
    )
    return {**counts, "oldest": oldest}


def _told_recently(supervisor: User, now: datetime) -> bool:
    return db.session.scalar(
        sa.select(AuditEvent.id).where(
            AuditEvent.action == "roleplay.waiting_notified",
            AuditEvent.target_user_id == supervisor.id,
            AuditEvent.created_at > now - WAITING_NOTICE_EVERY,
        ).limit(1)
    ) is not None


def supervisors_with_waiting_items(now: datetime, *, force: bool = False) -> list[tuple[User, dict]]:
    """Each active supervisor with items waiting, unless told already within the last day."""
    result = []
    supervisors = db.session.scalars(
        sa.select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True), User.erased_at.is_(None),
                              User.email.is_not(None)).order_by(User.id)
    )
    for supervisor in supervisors:
        waiting = waiting_for(supervisor)
        if not (waiting["waiting"] or waiting["second"] or waiting["calibration"]):
            continue
        if not force and _told_recently(supervisor, now):
            continue
        result.append((supervisor, waiting))
    return result


def mark_waiting_notified(supervisor: User, waiting: dict) -> None:
    audit.record("roleplay.waiting_notified", subject=supervisor, target_user=supervisor,
                 waiting=waiting["waiting"], second=waiting["second"], calibration=waiting["calibration"])
