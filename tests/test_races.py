"""Check-then-insert races: registration, invitation acceptance, adding trainees to a cohort and a recording
upload. Two requests that both pass the check are decided by the database's unique constraint; the second
gets a message, never a 500.

On PostgreSQL two real transactions overlap (tests/concurrency.py). On SQLite, which has one writer, the
conflicting row is inserted between the check and the insert, so the same path is taken.
"""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from lms.auth import services as auth_services
from lms.errors import Conflict, DomainError
from lms.extensions import db as _db
from lms.models import Cohort, Role, Scenario, Submission, User, cohort_trainees
from lms.orgs import invitations
from lms.orgs import services as org_services
from lms.roleplay import attempts as roleplay_attempts
from lms.roleplay.uploads import StoredRecording
from tests import factories
from tests.concurrency import race_two_writers
from tests.conftest import is_postgres

postgres_only = pytest.mark.skipif(not is_postgres(),
                                   reason="two overlapping transactions need PostgreSQL (set TEST_DATABASE_URL)")
EMAIL_TAKEN = "An account with this email address already exists."
PASSWORD = "a-long-enough-password"


def _meanwhile(monkeypatch, module, name: str, conflicting):
    """`module.name` (the check) answers as before the other request, which then writes `conflicting()`."""
    check = getattr(module, name)
    written = []

    def check_then_someone_else_writes(*args, **kwargs):
        answer = check(*args, **kwargs)
        if not written:  # the other request writes once; later looks (e.g. to mail the owner) find its row
            written.append(conflicting())
            _db.session.flush()
        return answer

    monkeypatch.setattr(module, name, check_then_someone_else_writes)


def _count(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# -- registration -------------------------------------------------------------------------------------------

def test_registration_racing_another_with_the_same_email_gets_the_field_message(client, db, monkeypatch):
    _meanwhile(monkeypatch, auth_services, "find_user_by_email",
               lambda: factories.make_user(Role.TRAINEE, email="twice@example.org"))
    response = client.post("/auth/register", data={"name": "Robin Twice", "email": "twice@example.org",
                                                   "password": PASSWORD, "confirm": PASSWORD})
    # What the page says is the registration form's business (it may not reveal the account); the race ends
    # in the service's refusal, not a 500, and one account at most.
    assert response.status_code in (200, 302, 400)
    assert _count(User, User.email == "twice@example.org") <= 1


def test_create_user_racing_another_is_refused_by_the_unique_index(db, monkeypatch):
    _meanwhile(monkeypatch, auth_services, "find_user_by_email",
               lambda: factories.make_user(Role.TRAINEE, email="twice@example.org"))
    with pytest.raises(auth_services.EmailTaken) as refused:
        auth_services.create_user(email="twice@example.org", name="Robin Twice", password=PASSWORD)
    assert refused.value.message == EMAIL_TAKEN
    assert _count(User, User.email == "twice@example.org") == 1  # the other request's account, untouched


@postgres_only
def test_two_registrations_with_the_same_email_at_once_on_postgresql(app, db):
    def register():
        return auth_services.register_trainee(email="twice@example.org", name="Robin", password=PASSWORD,
                                              invite_code="", require_code=False)

    outcome = race_two_writers(app, register, register, refused=auth_services.EmailTaken)
    assert outcome.second_waited, "the second registration never waited on the first: no overlap was tested"
    assert outcome.first_committed and not outcome.second_committed
    assert outcome.second_refusal == EMAIL_TAKEN
    db.session.expire_all()
    assert _count(User, User.email == "twice@example.org") == 1


# -- invitation acceptance ----------------------------------------------------------------------------------

@pytest.fixture
def invitation_token(db, people):
    _, token = invitations.invite(people["org"], email="invited@example.org", name="Ina Vited", role="trainee",
                                  cohort=people["cohort"])
    db.session.commit()
    return token


def test_accepting_an_invitation_twice_at_once_gets_a_message(client, db, people, invitation_token, monkeypatch):
    _meanwhile(monkeypatch, auth_services, "find_user_by_email",
               lambda: factories.make_user(Role.TRAINEE, email="invited@example.org"))
    response = client.post(f"/invite/{invitation_token}", data={"name": "Ina Vited", "password": PASSWORD,
                                                                "confirm": PASSWORD})
    assert response.status_code == 200
    assert EMAIL_TAKEN in response.get_data(as_text=True)


@postgres_only
def test_two_acceptances_of_one_invitation_at_once_on_postgresql(app, db, people, invitation_token):
    def accept():
        return invitations.accept_invitation(invitations.find_invitation(invitation_token), name="Ina Vited",
                                             password=PASSWORD)

    outcome = race_two_writers(app, accept, accept, refused=DomainError)
    assert outcome.second_waited, "the second acceptance never waited on the first: no overlap was tested"
    assert outcome.first_committed and not outcome.second_committed
    assert outcome.second_refusal == EMAIL_TAKEN
    db.session.expire_all()
    user_id = db.session.scalar(sa.select(User.id).where(User.email == "invited@example.org"))
    assert _count(cohort_trainees, cohort_trainees.c.user_id == user_id) == 1


# -- adding trainees to a cohort ----------------------------------------------------------------------------

@pytest.fixture
def newcomer(db, people):
    trainee = factories.make_user(Role.TRAINEE, org=people["org"])
    db.session.commit()
    return trainee


def test_adding_a_trainee_someone_else_adds_at_the_same_moment_gets_a_message(client, db, people, auth, newcomer,
                                                                            monkeypatch):
    cohort_id = people["cohort"].id
    _meanwhile(monkeypatch, org_services, "cohort_trainee_ids", lambda: _db.session.execute(
        sa.insert(cohort_trainees).values(cohort_id=cohort_id, user_id=newcomer.id)))
    auth.login(people["org_admin"])
    response = client.post(f"/org/cohorts/{cohort_id}/trainees", data={"trainees-trainees": [str(newcomer.id)]},
                           follow_redirects=True)
    assert response.status_code == 200
    assert str(escape(org_services.TRAINEES_ADDED_MEANWHILE)) in response.get_data(as_text=True)


@postgres_only
def test_two_managers_adding_the_same_trainee_at_once_on_postgresql(app, db, people, newcomer):
    cohort_id, trainee_id = people["cohort"].id, newcomer.id

    def add():
        return org_services.add_trainees(_db.session.get(Cohort, cohort_id), [_db.session.get(User, trainee_id)])

    outcome = race_two_writers(app, add, add, refused=Conflict)
    assert outcome.second_waited, "the second addition never waited on the first: no overlap was tested"
    assert outcome.first_committed and not outcome.second_committed
    assert outcome.second_refusal == org_services.TRAINEES_ADDED_MEANWHILE
    db.session.expire_all()
    assert _count(cohort_trainees, cohort_trainees.c.user_id == trainee_id) == 1


# -- a recording upload -------------------------------------------------------------------------------------

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 2000
RECORDING_REFUSED = "Another attempt was submitted at the same moment"


@pytest.fixture
def recorded_scenario(db, people):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    db.session.commit()
    return scenario


def test_a_recording_uploaded_twice_at_once_gets_a_message_and_keeps_no_stray_file(
        app, client, db, people, auth, recorded_scenario, monkeypatch):
    trainee = people["trainee"]
    _meanwhile(monkeypatch, roleplay_attempts, "attempts_for", lambda: factories.make_submission(
        trainee, recorded_scenario, kind="recorded", recording_path="recordings/other.webm"))
    auth.login(trainee)
    response = client.post(f"/roleplays/{recorded_scenario.id}/recording", follow_redirects=True,
                           data={"recording": (io.BytesIO(MP3), "take.mp3", "audio/mpeg")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert RECORDING_REFUSED in page, page[page.find("<main"):][:1500]
    assert not [path for path in Path(app.config["DATA_DIR"]).rglob("*") if path.is_file()]


@postgres_only
def test_two_recording_uploads_at_once_on_postgresql(app, db, people, recorded_scenario, tmp_path):
    trainee_id, scenario_id = people["trainee"].id, recorded_scenario.id
    stored = []

    def upload():
        def store():
            path = f"recordings/take-{len(stored)}.webm"
            (tmp_path / "recordings").mkdir(exist_ok=True)
            (tmp_path / path).write_bytes(b"take")
            stored.append(path)
            return StoredRecording(path=path, mimetype="video/webm", size=4)

        return roleplay_attempts.submit_recording(_db.session.get(User, trainee_id), _db.session.get(
            Scenario, scenario_id), store, data_dir=tmp_path, share=0)

    outcome = race_two_writers(app, upload, upload, refused=Conflict)
    assert outcome.second_waited, "the second upload never waited on the first: no overlap was tested"
    assert outcome.first_committed and not outcome.second_committed
    assert outcome.second_refusal.startswith(RECORDING_REFUSED)
    db.session.expire_all()
    assert _count(Submission, Submission.trainee_id == trainee_id) == 1
    assert sorted(p.name for p in (tmp_path / "recordings").iterdir()) == ["take-0.webm"]


@pytest.fixture
def empty_draft(db, people, recorded_scenario):
    draft = factories.make_submission(people["trainee"], recorded_scenario, state="draft")
    db.session.commit()
    return draft


def _upload_with(tmp_path, trainee_id: int, scenario_id: int, name: str):
    def store():
        (tmp_path / "recordings").mkdir(exist_ok=True)
        (tmp_path / "recordings" / name).write_bytes(b"take")
        return StoredRecording(path=f"recordings/{name}", mimetype="video/webm", size=4)

    return roleplay_attempts.submit_recording(_db.session.get(User, trainee_id), _db.session.get(
        Scenario, scenario_id), store, data_dir=tmp_path, share=0)


def test_an_empty_draft_taken_by_another_upload_meanwhile_is_refused(db, people, recorded_scenario, empty_draft,
                                                                     tmp_path, monkeypatch):
    draft_id = empty_draft.id
    _meanwhile(monkeypatch, roleplay_attempts, "attempts_for", lambda: _db.session.execute(
        sa.update(Submission).where(Submission.id == draft_id).values(state="submitted")
        .execution_options(synchronize_session=False)))  # another transaction: this one's copy still says draft
    with pytest.raises(Conflict) as refused:
        _upload_with(tmp_path, people["trainee"].id, recorded_scenario.id, "late.webm")
    assert str(refused.value.message).startswith(RECORDING_REFUSED)
    assert not (tmp_path / "recordings" / "late.webm").exists()


@postgres_only
def test_two_uploads_onto_one_empty_draft_at_once_on_postgresql(app, db, people, recorded_scenario, empty_draft,
                                                                tmp_path):
    trainee_id, scenario_id = people["trainee"].id, recorded_scenario.id
    outcome = race_two_writers(app, lambda: _upload_with(tmp_path, trainee_id, scenario_id, "first.webm"),
                               lambda: _upload_with(tmp_path, trainee_id, scenario_id, "second.webm"),
                               refused=Conflict)
    assert outcome.second_waited, "the second upload never waited on the first: no overlap was tested"
    assert outcome.first_committed and not outcome.second_committed
    assert outcome.second_refusal.startswith(RECORDING_REFUSED)
    db.session.expire_all()
    submissions = db.session.scalars(sa.select(Submission).where(Submission.trainee_id == trainee_id)).all()
    assert [(s.id, s.recording_path) for s in submissions] == [(empty_draft.id, "recordings/first.webm")]
    assert sorted(p.name for p in (tmp_path / "recordings").iterdir()) == ["first.webm"]
