"""Privacy: a person downloads all their data; an administrator erases a person on request."""

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import audit
from lms.extensions import db as _db
from lms.models import AuditEvent, Base, Certificate, Role, User, VerificationLog
from lms.orgs import invitations
from tests import factories
from tests.org_factories import make_org_record

NAME = "Quinn Erasmus-Okafor"
EMAIL = "quinn.erasure@example.org"


@pytest.fixture
def person(app, db, people):
    """A trainee with a full record, files on disk, and traces in the audit and verification logs."""
    invitations.invite(people["org"], email=EMAIL, name=NAME, role="trainee", actor=people["org_admin"])
    invitations.invite(people["other_org"], email="robin.other@example.org", name="Robin Other", role="trainee")
    trainee = factories.make_user(Role.TRAINEE, org=people["org"], email=EMAIL, name=NAME)
    people["cohort"].trainees.append(trainee)
    record = make_org_record(trainee, people["supervisor"], data_dir=app.config["DATA_DIR"])
    audit.record("auth.login", actor=trainee, subject=trainee, target_user=trainee)
    audit.record("certificate.name_corrected", actor=people["admin"], subject=record["certificate"],
                 old_name=NAME.upper(), note=f"asked by {NAME} ({EMAIL})")
    db.session.add(VerificationLog(number=record["certificate"].number, found=True, method="page", ip="203.0.113.9"))
    db.session.commit()
    return trainee, record


def text_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.JSON | sa.Text):
                yield table, column


def find_mentions(db, needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) whose text mentions one of the needles, case-insensitively."""
    found = []
    with db.engine.connect() as connection:
        for table, column in text_columns():
            for (value,) in connection.execute(sa.select(column).where(column.is_not(None))):
                text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                if any(needle.lower() in text.lower() for needle in needles):
                    found.append((table.name, column.name, text))
    return found


def test_the_scan_finds_the_person_before_erasure(db, person):
    found = {(table, column) for table, column, _ in find_mentions(db, [NAME, EMAIL])}
    assert {("users", "name"), ("users", "email"), ("submissions", "replies"), ("grades", "feedback"),
            ("grades", "comments"), ("invitations", "email"), ("certificates", "holder_name"),
            ("audit_events", "details")} <= found


def test_trainee_downloads_all_their_data_as_a_zip(app, client, auth, db, person):
    trainee, record = person
    auth.login(trainee)
    assert "Download my data" in client.get("/records/my-data").get_data(as_text=True)
    response = client.post("/records/my-data/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"README.txt", "data.json"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == EMAIL and data["account"]["name"] == NAME
    assert data["roleplays"][0]["replies"] == [f"Hi, I'm {NAME}; you can reach me at {EMAIL}."]
    assert data["roleplays"][0]["grades"][0]["feedback"] == f"Well done {NAME}."
    assert data["enrolments"][0]["knowledge_checks"][1]["score"] == 90
    assert data["supervised_hours"][0]["hours"] == "12.00"
    assert data["certificates"][0]["number"] == record["certificate"].number
    files = {f"files/{path.relative_to(app.config['DATA_DIR']).as_posix()}" for path in record["files"]}
    assert files <= names
    assert archive.read(f"files/recordings/{trainee.id}-roleplay.webm").startswith(b"\x1a\x45\xdf\xa3")
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.exported",
                                                         AuditEvent.actor_id == trainee.id))


def test_the_export_contains_no_one_elses_files(app, client, auth, db, people, person):
    other = factories.make_user(Role.TRAINEE, org=people["org"], name="Other Person", email="other.p@example.org")
    make_org_record(other, people["supervisor"], data_dir=app.config["DATA_DIR"])
    db.session.commit()
    auth.login(person[0])
    names = zipfile.ZipFile(io.BytesIO(client.post("/records/my-data/export").data)).namelist()
    others_files = {f"{other.id}-roleplay.webm", f"{other.id}-certificate.pdf"}
    assert not any(name.rsplit("/", 1)[-1] in others_files for name in names)
    assert any(name.rsplit("/", 1)[-1] == f"{person[0].id}-roleplay.webm" for name in names)


@pytest.mark.parametrize("keep_name", [True, False], ids=["name-kept", "name-withheld"])
def test_admin_erases_a_person_leaving_no_personal_data_and_a_verifiable_certificate(
        app, client, auth, db, people, person, keep_name):
    app.config["ERASURE_KEEP_CERTIFICATE_NAME"] = keep_name
    trainee, record = person
    number = record["certificate"].number
    trainee_id = trainee.id
    auth.login(people["admin"])

    page = client.get(f"/admin/users/{trainee_id}/erase").get_data(as_text=True)
    assert "This cannot be undone" in page
    response = client.post(f"/admin/users/{trainee_id}/erase", data={"confirm_email": "wrong@example.org"})
    assert response.status_code == 400 and db.session.get(User, trainee_id).email == EMAIL

    response = client.post(f"/admin/users/{trainee_id}/erase", data={"confirm_email": EMAIL.upper()})
    assert response.status_code == 302

    # No table keeps the name or the email, except the certificate's holder name when the rules keep it.
    mentions = find_mentions(db, [NAME, EMAIL])
    expected = [("certificates", "holder_name", NAME)] if keep_name else []
    assert mentions == expected
    # No file of theirs remains under DATA_DIR.
    assert not any(path.exists() for path in record["files"])
    assert all(str(trainee_id) + "-" not in p.name for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file())

    erased = db.session.get(User, trainee_id)
    assert erased.name == f"Erased user #{trainee_id}" and erased.email is None and erased.password_hash is None
    assert erased.erased_at is not None and not erased.is_active

    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    assert certificate is not None and certificate.user_id is None
    assert certificate.holder_name == (NAME if keep_name else "Name withheld")
    assert certificate.revoked_at is None and certificate.course_title == record["version"].title
    page = client.get(f"/verify/{number}").get_data(as_text=True)
    assert (NAME in page) is keep_name

    # Their sign-in addresses are gone; verifiers' addresses are not theirs and stay.
    assert db.session.scalar(sa.select(AuditEvent.ip).where(AuditEvent.actor_id == trainee_id,
                                                            AuditEvent.ip.is_not(None))) is None
    assert db.session.scalar(sa.select(VerificationLog.ip).where(VerificationLog.number == number)) == "203.0.113.9"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.erased"))
    assert event.actor_id == people["admin"].id and event.target_user_id == trainee_id
    assert event.details["holder_name_kept"] is keep_name


def test_an_erased_person_cannot_sign_in(client, auth, db, people, person):
    from lms.records.erasure import erase_user

    trainee, _record = person
    erase_user(trainee, actor=people["admin"], data_dir="/nonexistent", keep_certificate_name=True)
    db.session.commit()
    response = client.post("/auth/login", data={"email": EMAIL, "password": factories.PASSWORD})
    assert "do not match" in response.get_data(as_text=True)


def test_an_admin_cannot_erase_themselves_or_erase_twice(db, people, person):
    from lms.errors import DomainError
    from lms.records.erasure import erase_user

    with pytest.raises(DomainError, match="your own account"):
        erase_user(people["admin"], actor=people["admin"], data_dir="/x", keep_certificate_name=True)
    erase_user(person[0], actor=people["admin"], data_dir="/x", keep_certificate_name=True)
    with pytest.raises(DomainError, match="already erased"):
        erase_user(person[0], actor=people["admin"], data_dir="/x", keep_certificate_name=True)


def test_only_administrators_erase(client, auth, people, person):
    auth.login(people["org_admin"])
    assert client.post(f"/admin/users/{person[0].id}/erase", data={"confirm_email": EMAIL}).status_code == 403
    assert _db.session.get(User, person[0].id).email == EMAIL


# Every kind of personal text, seeded and searched for after erasure ----------------------------------

MARKERS = {
    "ce_title": "Zanzibar grief circle",
    "ce_provider": "Okafor family foundation",
    "ce_deleted_title": "Quokka night class",
    "ce_review_note": "evidence shows the Tamarind clinic",
    "correction_reason": "recording revealed the Marigold diagnosis",
    "hours_setting": "Juniper street shelter",
    "hours_activity": "sat with Pemberton after the overdose",
    "hours_review_note": "confirmed with Halvorsen",
    "reply": "my brother Ignatius drinks",
    "grade_comment": "mentioned Sorrento house",
    "grade_feedback": "the Valparaiso story",
}


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def app_config(mail_dir):
    return {"MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(mail_dir)}


def seed_every_kind_of_personal_text(app, db, people, trainee, record):
    from lms.auth.services import make_reset_token
    from lms.continuing.services import delete_continuing_education, log_continuing_education
    from lms.mail import send_mail
    from lms.models import ContinuingEducation, Grade, SupervisedHours
    from lms.roleplay.grading import Scores, correct_grade
    from lms.roleplay.submissions import criteria_for

    m = MARKERS
    submission = record["submission"]
    submission.replies = [f"{m['reply']}, said {NAME}"]
    grade = db.session.scalar(sa.select(Grade).where(Grade.submission_id == submission.id))
    grade.comments = {"listening": m["grade_comment"]}
    grade.feedback = m["grade_feedback"]
    levels = {criterion.id: 3 for criterion in criteria_for(submission.scenario)}
    correct_grade(submission, people["supervisor"], Scores(levels, {}, ""), reason=m["correction_reason"])
    evidence = Path(app.config["DATA_DIR"]) / "evidence" / f"{trainee.id}-outside.pdf"
    evidence.write_bytes(b"%PDF-1.4 outside evidence")
    entry = log_continuing_education(trainee, title=m["ce_title"], provider=m["ce_provider"], hours="3",
                                     completed_on=date(2026, 3, 1),
                                     evidence_path=f"evidence/{trainee.id}-outside.pdf")
    entry.review_note = m["ce_review_note"]
    doomed = log_continuing_education(trainee, title=m["ce_deleted_title"], provider="", hours="1",
                                      completed_on=date(2026, 3, 2), evidence_path="")
    delete_continuing_education(doomed, actor=trainee)
    hours = db.session.scalar(sa.select(SupervisedHours).where(SupervisedHours.user_id == trainee.id))
    hours.setting, hours.activity, hours.review_note = m["hours_setting"], m["hours_activity"], m["hours_review_note"]
    record["certificate"].revoked_reason = f"Issued in error to {NAME}"
    db.session.commit()
    with app.test_request_context():
        token = make_reset_token(trainee, app.config["SECRET_KEY"])
        send_mail(trainee.email, "Reset your password", "reset_password", user=trainee, link=f"http://x/{token}")
    assert db.session.scalar(sa.select(sa.func.count(ContinuingEducation.id)).where(
        ContinuingEducation.user_id == trainee.id)) == 2
    return [evidence]


def files_mentioning(folder: Path, needles: list[str]) -> list[Path]:
    from lms.mail import copies_mentioning

    found = copies_mentioning(folder, needles)  # decoded: headers and text, whatever the transfer encoding
    for path in folder.rglob("*") if folder.exists() else []:
        if path.is_file() and any(n.lower().encode() in path.read_bytes().lower() for n in needles):
            found.append(path)
    return found


def test_erasure_leaves_none_of_the_persons_text_in_any_column_file_or_mail_copy(
        app, client, auth, db, people, person, mail_dir):
    app.config["ERASURE_KEEP_CERTIFICATE_NAME"] = False
    trainee, record = person
    extra_files = seed_every_kind_of_personal_text(app, db, people, trainee, record)
    needles = [NAME, EMAIL, *MARKERS.values()]
    before = {(table, column) for table, column, _ in find_mentions(db, needles)}
    assert {("continuing_education", "title"), ("continuing_education", "provider"),
            ("continuing_education", "review_note"), ("supervised_hours", "setting"),
            ("supervised_hours", "activity"), ("supervised_hours", "review_note"), ("submissions", "replies"),
            ("grades", "comments"), ("grades", "feedback"), ("audit_events", "details"),
            ("certificates", "revoked_reason")} <= before
    assert files_mentioning(mail_dir, needles), "the development mail copy names the person"

    auth.login(people["admin"])
    assert client.post(f"/admin/users/{trainee.id}/erase", data={"confirm_email": EMAIL}).status_code == 302

    assert find_mentions(db, needles) == []
    assert files_mentioning(mail_dir, needles) == []
    assert files_mentioning(Path(app.config["DATA_DIR"]), needles) == []
    assert not any(path.exists() for path in [*record["files"], *extra_files])
