"""Retention of recordings: the file is deleted a set number of days after the final grade; the scores
and the audit trail stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from lms import audit
from lms.extensions import db
from lms.models import Submission
from lms.roleplay import uploads
from lms.roleplay.grading import GRADED_STATES


def purge_recordings(now: datetime, *, retention_days: int, data_dir: str | Path) -> list[Submission]:
    """Delete recording files `retention_days` after the final grade; the scores stay."""
    cutoff = now - timedelta(days=retention_days)
    due = list(db.session.scalars(
        sa.select(Submission).where(
            Submission.recording_path.is_not(None),
            Submission.recording_deleted_at.is_(None),
            Submission.state.in_(GRADED_STATES),
            Submission.graded_at <= cutoff,
        ).order_by(Submission.id)
    ))
    for submission in due:
        uploads.delete_recording_after_commit(db.session(), data_dir, submission.recording_path)
        audit.record("roleplay.recording_purged", subject=submission, target_user=submission.trainee,
                     graded_at=submission.graded_at.isoformat(), retention_days=retention_days)
        submission.recording_path = None
        submission.recording_deleted_at = now
    db.session.flush()
    return due
