"""Recorded role-plays: server-side checks on uploads, permission-checked streaming, and retention."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.errors import InvalidUpload
from lms.models import AuditEvent, Grade, Submission, SubmissionState, utcnow
from lms.roleplay import uploads
from tests import factories

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 2000
HEADS = {
    "mp3": MP3[:64],
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 40,
    "mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00" + b"\x00" * 40,
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 30,
    "ogg": b"OggS\x00\x02" + b"\x00" * 58,
    "wav": b"RIFF\x24\x08\x00\x00WAVEfmt " + b"\x00" * 48,
}


@pytest.fixture
def app_config():
    return {"RECORDING_MAX_BYTES": 4096}


@pytest.fixture
def scenario(db, people):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    db.session.commit()
    return scenario


def recordings(app) -> list[str]:
    folder = Path(app.config["DATA_DIR"]) / "recordings"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def upload(client, scenario, data: bytes, filename: str):
    return client.post(f"/roleplays/{scenario.id}/recording",
                       data={"recording": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize("ext", sorted(HEADS))
def test_each_accepted_format_is_recognised_by_its_first_bytes(ext):
    assert ext in uploads.sniff(HEADS[ext])
    assert ext not in uploads.sniff(b"plain text, not a recording" + b" " * 40)


@pytest.mark.parametrize("name", ["../../x.mp3", "..\\x.mp3", "a\x00.mp3", "/etc/passwd.mp3", ".hidden.mp3",
                                  "x\n.mp3", ""])
def test_crafted_or_missing_file_names_are_refused(name):
    with pytest.raises(InvalidUpload):
        uploads.check_filename(name)


def test_trainee_uploads_a_recording_stored_under_a_random_name(app, client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    response = upload(client, scenario, MP3, "My role-play with Sam.MP3")
    assert response.status_code == 200
    assert "submitted for grading" in response.get_data(as_text=True)
    submission = db.session.scalar(sa.select(Submission))
    assert (submission.kind, submission.state) == ("recorded", SubmissionState.SUBMITTED)
    assert submission.recording_mimetype == "audio/mpeg" and submission.recording_size == len(MP3)
    stored = recordings(app)
    assert len(stored) == 1 and stored[0].endswith(".mp3") and "Sam" not in stored[0]
    assert submission.recording_path == f"recordings/{stored[0]}"
    static = Path(app.static_folder)
    assert not any(static.rglob(stored[0]))


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"MZ\x90\x00" + b"\x00" * 100, "roleplay.exe", "This type of file is not accepted"),
    (b"just some text" * 10, "roleplay.txt", "This type of file is not accepted"),
    (b"<html>not audio</html>" * 5, "roleplay.mp3", "does not contain MP3 audio or video"),
    (HEADS["ogg"] + b"\x00" * 100, "roleplay.wav", "does not contain WAV"),
    (MP3 + b"\x00" * 5000, "roleplay.mp3", "This file is too large"),
    (MP3, "../../etc/roleplay.mp3", "That file name is not allowed"),
    (MP3, "..\\..\\roleplay.mp3", "That file name is not allowed"),
    (b"", "roleplay.mp3", "empty"),
])
def test_bad_uploads_are_refused_with_a_message_and_store_nothing(app, client, auth, db, people, scenario, data,
                                                                  filename, message):
    auth.switch_to(people["trainee"])
    response = upload(client, scenario, data, filename)
    assert message in response.get_data(as_text=True)
    assert recordings(app) == []
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_an_upload_without_a_file_is_refused(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    response = client.post(f"/roleplays/{scenario.id}/recording", data={}, follow_redirects=True)
    assert "Choose a recording to upload." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_a_written_draft_in_progress_blocks_an_upload(app, client, auth, db, people, scenario):
    factories.make_submission(people["trainee"], scenario, state="draft", replies=["I hear you."])
    db.session.commit()
    auth.switch_to(people["trainee"])
    response = upload(client, scenario, MP3, "roleplay.mp3")
    assert "written attempt in progress" in response.get_data(as_text=True)
    assert recordings(app) == []


@pytest.fixture
def recorded(app, client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    upload(client, scenario, MP3, "roleplay.mp3")
    auth.logout()
    return db.session.scalar(sa.select(Submission))


@pytest.mark.parametrize(("who", "status"), [
    ("trainee", 200), ("supervisor", 200), ("admin", 200),
    ("other_supervisor", 403), ("outsider_supervisor", 403), ("org_admin", 403),
])
def test_recording_streams_only_to_those_allowed(client, auth, db, people, recorded, who, status):
    auth.switch_to(people[who])
    response = client.get(f"/roleplays/submissions/{recorded.id}/recording")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "audio/mpeg" and response.data == MP3
        assert response.headers["Cache-Control"] == "private, no-store"
        response.close()
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.viewed")).all()
        assert [e.actor_id for e in events if e.details["page"] == "recording"] == [people[who].id]


def test_recording_supports_range_requests_for_seeking(client, auth, people, recorded):
    auth.switch_to(people["supervisor"])
    response = client.get(f"/roleplays/submissions/{recorded.id}/recording", headers={"Range": "bytes=3-9"})
    assert response.status_code == 206
    assert response.data == MP3[3:10]
    assert response.headers["Content-Range"] == f"bytes 3-9/{len(MP3)}"
    response.close()


def test_grading_page_shows_the_recording_player(client, auth, people, recorded):
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading/submissions/{recorded.id}").get_data(as_text=True)
    assert f'<audio controls preload="metadata" src="/roleplays/submissions/{recorded.id}/recording"' in page


def test_purge_deletes_recordings_after_the_retention_period_and_keeps_the_scores(app, runner, db, people,
                                                                                  recorded):
    grade = factories.make_grade(recorded, people["supervisor"],
                                 {"listening": 3, "validation": 3, "confidentiality": 3, "language": 3})
    recorded.state = SubmissionState.PASSED
    recorded.graded_at = utcnow() - timedelta(days=app.config["RECORDING_RETENTION_DAYS"] - 1)
    db.session.commit()
    result = runner.invoke(args=["roleplay", "purge-recordings"])
    assert "Deleted 0 recording(s)" in result.output and len(recordings(app)) == 1

    recorded.graded_at = utcnow() - timedelta(days=app.config["RECORDING_RETENTION_DAYS"] + 1)
    db.session.commit()
    result = runner.invoke(args=["roleplay", "purge-recordings"])
    assert result.exit_code == 0 and "Deleted 1 recording(s)" in result.output
    assert recordings(app) == []
    submission = db.session.get(Submission, recorded.id)
    assert submission.recording_deleted_at is not None and submission.recording_path is None
    assert db.session.get(Grade, grade.id).total == 12
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.recording_purged"))


def test_a_purged_recording_answers_410_gone(client, auth, db, people, recorded):
    recorded.recording_deleted_at = utcnow()
    db.session.commit()
    auth.switch_to(people["trainee"])
    assert client.get(f"/roleplays/submissions/{recorded.id}/recording").status_code == 410
    assert "deleted on" in client.get(f"/roleplays/submissions/{recorded.id}").get_data(as_text=True)
