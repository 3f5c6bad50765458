"""Stored files that follow the database: a file is deleted only once the transaction that stops
pointing at it has committed. If the commit fails, the rows still name their files, and they are there."""

from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

_PENDING = "lms.files_to_delete"


def delete_after_commit(session: so.Session, *paths: Path | None) -> None:
    """Delete `paths` after `session`'s current transaction commits; forget them if it rolls back."""
    session.info.setdefault(_PENDING, []).extend(path for path in paths if path is not None)


@sa.event.listens_for(so.Session, "after_commit")
def _delete_pending(session: so.Session) -> None:
    for path in session.info.pop(_PENDING, []):
        Path(path).unlink(missing_ok=True)


@sa.event.listens_for(so.Session, "after_rollback")
def _keep_pending(session: so.Session) -> None:
    session.info.pop(_PENDING, None)
