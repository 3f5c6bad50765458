"""Files are deleted only after the database commit that stops naming them: when the commit fails,
every row still points at a file that is there."""

from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.models import ContinuingEducation, Role, Submission, User, utcnow
from tests import factories
from tests.org_factories import make_org_record


@contextmanager
def failing_commits(db):
    """Every database commit fails, as a full disk or a lost connection would make it."""
    def refuse(connection):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    sa.event.listen(db.engine, "commit", refuse)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "commit", refuse)


def commit_fails(db) -> None:
    with failing_commits(db), pytest.raises(sa.exc.OperationalError):
        db.session.commit()
    db.session.rollback()


@pytest.fixture
def record(app, db, people):
    trainee = factories.make_user(Role.TRAINEE, org=people["org"], name="Fenna Files", email="fenna@example.org")
    record = make_org_record(trainee, people["supervisor"], data_dir=app.config["DATA_DIR"])
    db.session.commit()
    assert len(record["files"]) == 3 and all(path.exists() for path in record["files"])
    return trainee, record


def test_a_failed_erasure_commit_keeps_every_file(app, db, people, record):
    from lms.records.erasure import erase_user

    trainee, rec = record
    erase_user(trainee, actor=people["admin"], data_dir=app.config["DATA_DIR"], keep_certificate_name=False)
    assert all(path.exists() for path in rec["files"])  # nothing goes before the commit
    commit_fails(db)
    assert all(path.exists() for path in rec["files"])
    assert db.session.get(User, trainee.id).erased_at is None

    erase_user(db.session.get(User, trainee.id), actor=people["admin"], data_dir=app.config["DATA_DIR"],
               keep_certificate_name=False)
    db.session.commit()
    assert not any(path.exists() for path in rec["files"])


def test_a_failed_commit_keeps_the_evidence_of_a_removed_activity(app, db, people, record):
    from lms.continuing.services import delete_continuing_education, log_continuing_education

    trainee, _ = record
    evidence = Path(app.config["DATA_DIR"]) / "evidence" / f"{trainee.id}-outside.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    entry = log_continuing_education(trainee, title="Outside workshop", provider="Network", hours="2",
                                     completed_on=date(2026, 3, 1), evidence_path=f"evidence/{evidence.name}")
    db.session.commit()
    entry_id = entry.id
    delete_continuing_education(entry, actor=trainee)
    commit_fails(db)
    assert evidence.exists() and db.session.get(ContinuingEducation, entry_id) is not None

    delete_continuing_education(db.session.get(ContinuingEducation, entry_id), actor=trainee)
    db.session.commit()
    assert not evidence.exists()


def test_a_failed_commit_keeps_recordings_past_their_retention(app, db, record):
    from lms.roleplay.retention import purge_recordings

    _, rec = record
    recording = next(path for path in rec["files"] if path.parent.name == "recordings")
    later = utcnow() + timedelta(days=400)
    assert purge_recordings(later, retention_days=30, data_dir=app.config["DATA_DIR"])
    commit_fails(db)
    assert recording.exists() and db.session.get(Submission, rec["submission"].id).recording_path is not None

    purge_recordings(later, retention_days=30, data_dir=app.config["DATA_DIR"])
    db.session.commit()
    assert not recording.exists()
