"""A person's data, shared by the export (`data_export`) and the erasure (`erasure`): their stored files.

The export gives a person everything we hold about them as a ZIP; the erasure removes personal data and
files on request and keeps what must stay (see `erasure`).
"""

from pathlib import Path

import sqlalchemy as sa

from lms.extensions import db
from lms.models import (
    Certificate,
    ContinuingEducation,
    Submission,
    User,
)


def stored_file(data_dir: str | Path, relative: str | None) -> Path | None:
    """A stored file named by a path relative to DATA_DIR, only if it lies inside DATA_DIR."""
    if not relative:
        return None
    root = Path(data_dir).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def person_files(user: User) -> list[tuple[str, str]]:
    """(kind, path relative to DATA_DIR) of every stored file of the person."""
    files = []
    for path in db.session.scalars(
        sa.select(Submission.recording_path).where(Submission.trainee_id == user.id,
                                                   Submission.recording_path.is_not(None))
    ):
        files.append(("recordings", path))
    for path in db.session.scalars(
        sa.select(ContinuingEducation.evidence_path).where(ContinuingEducation.user_id == user.id,
                                                           ContinuingEducation.evidence_path.is_not(None))
    ):
        files.append(("evidence", path))
    for path in db.session.scalars(
        sa.select(Certificate.pdf_path).where(Certificate.user_id == user.id, Certificate.pdf_path.is_not(None))
    ):
        files.append(("certificates", path))
    return files
