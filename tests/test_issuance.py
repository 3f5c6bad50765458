"""Issuance: exactly once, when eligible; PDFs rendered after the row exists; revocation; name corrections."""

import io
import os
import threading
import uuid
from datetime import date, timedelta

import pypdf
import pytest
import sqlalchemy as sa

from lms import jobs
from lms.certificates import documents, issuance, lifecycle, records, settings
from lms.certificates.numbers import is_valid_number
from lms.models import AuditEvent, Certificate, CertificateStatus, ContinuingEducation, Enrolment, Role, utcnow
from lms.signals import course_completed
from tests import factories
from tests.conftest import is_postgres


def certificates(db):
    return list(db.session.scalars(sa.select(Certificate).order_by(Certificate.generation)))


def audit_actions(db, action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def pdf_text(app, certificate) -> str:
    data = (settings.data_dir() / certificate.pdf_path).read_bytes()
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


pytestmark = pytest.mark.usefixtures("quick_pdfs")


@pytest.fixture
def app_config(module_keys_dir):
    return {"KEYS_DIR": str(module_keys_dir)}


@pytest.fixture
def course(db):
    return factories.make_certifying_course(validity_months=24)


def test_trainee_who_completes_the_course_gets_one_certificate_through_the_signal(app, db, people, course, real_pdfs):
    trainee = people["trainee"]
    enrolment = factories.complete_course(trainee, course)

    course_completed.send(enrolment)
    course_completed.send(enrolment)  # a second announcement changes nothing
    db.session.commit()

    [certificate] = certificates(db)
    assert is_valid_number(certificate.number) and certificate.number.startswith("PSS-")
    assert certificate.holder_name == trainee.name
    assert certificate.course_title == course.title and certificate.course_version_label == "1.0"
    assert certificate.hours == 0  # issue 15: hours are earned, and these modules hold no activities
    assert [c["id"] for c in certificate.competencies] == ["engagement", "support"]
    assert certificate.issuer_name == "Riverside"  # the trainee's organization
    assert certificate.issued_on == utcnow().date()
    assert certificate.expires_on == settings.add_months(certificate.issued_on, 24)
    assert certificate.generation == 1 and certificate.reason == "completion"
    assert records.status_of(certificate, utcnow().date()) == CertificateStatus.VALID
    [event] = audit_actions(db, "certificate.issued")
    assert event.subject_id == certificate.number and event.target_user_id == trainee.id
    # The PDF was rendered after the row existed and is stored.
    assert certificate.pdf_path == f"certificates/{certificate.number}.pdf"
    assert certificate.pdf_rendered_at is not None
    text = pdf_text(app, certificate)
    assert trainee.name in text and certificate.number in text


def test_trainee_without_organization_gets_the_program_as_issuer(app, db, course):
    trainee = factories.make_user(Role.TRAINEE)
    certificate = issuance.issue_if_eligible(factories.complete_course(trainee, course))
    assert certificate.issuer_name == app.config["LMS_PROGRAM_NAME"]


def test_an_unfinished_course_issues_nothing(db, people, course):
    enrolment = factories.complete_course(people["trainee"], course, completed=False)
    assert issuance.issue_if_eligible(enrolment) is None
    assert certificates(db) == []


def test_certificate_waits_for_enough_approved_supervised_hours(db, people):
    course = factories.make_certifying_course(supervised_hours_required=100)
    trainee = people["trainee"]
    factories.make_supervised_hours(trainee, 60)
    factories.make_supervised_hours(trainee, 80, state="pending")  # not approved: does not count
    enrolment = factories.complete_course(trainee, course)

    course_completed.send(enrolment)
    assert certificates(db) == []
    check = issuance.eligibility(enrolment)
    assert not check.eligible and "100" in check.reason and "60" in check.reason
    [pending] = issuance.pending_certificates(trainee)
    assert pending.enrolment.id == enrolment.id

    factories.make_supervised_hours(trainee, 40)  # orgs calls issue_if_eligible after approving hours
    certificate = issuance.issue_if_eligible(enrolment)
    assert certificate is not None and certificates(db) == [certificate]
    assert issuance.pending_certificates(trainee) == []


def test_issuing_the_same_generation_twice_returns_the_first_certificate(db, people, course):
    """The unique constraint (user, course, generation) decides, inside a savepoint."""
    trainee = people["trainee"]
    first = issuance.issue_certificate(trainee, course)
    second = issuance.issue_certificate(trainee, course)  # as a racing request would, past any check
    assert second.id == first.id
    assert len(certificates(db)) == 1
    assert len(audit_actions(db, "certificate.issued")) == 1


def test_status_list_indices_are_allocated_once_each(db, people, course):
    other_course = factories.make_certifying_course()
    a = issuance.issue_certificate(people["trainee"], course)
    b = issuance.issue_certificate(people["trainee"], other_course)
    c = issuance.issue_certificate(factories.make_user(), course)
    assert [a.status_list_index, b.status_list_index, c.status_list_index] == [0, 1, 2]


@pytest.mark.postgres
@pytest.mark.skipif(not is_postgres(), reason="two sessions racing need PostgreSQL (SQLite serialises writers)")
def test_two_concurrent_completions_produce_one_certificate_on_postgres(app, db, people, course, monkeypatch):
    enrolment_id = factories.complete_course(people["trainee"], course).id
    db.session.commit()
    barrier = threading.Barrier(2, timeout=20)
    original = records.latest_certificate

    def racing_lookup(user_id, course_id):
        found = original(user_id, course_id)
        barrier.wait()  # both requests have looked and found nothing: now both insert
        return found

    monkeypatch.setattr(issuance, "latest_certificate", racing_lookup)
    numbers, errors = [], []

    def complete():
        try:
            with app.app_context():
                enrolment = db.session.get(Enrolment, enrolment_id)
                certificate = issuance.issue_if_eligible(enrolment)
                db.session.commit()
                numbers.append(certificate.number)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    db.session.expire_all()
    assert [c.number for c in certificates(db)] == [numbers[0]]
    assert len(audit_actions(db, "certificate.issued")) == 1


def test_status_is_valid_then_expired_and_revoked_wins(db, people, course):
    certificate = issuance.issue_certificate(people["trainee"], course, issued_on=date(2024, 1, 10),
                                             expires_on=date(2026, 1, 10))
    assert records.status_of(certificate, date(2026, 1, 10)) == CertificateStatus.VALID  # valid through its last day
    assert records.status_of(certificate, date(2026, 1, 11)) == CertificateStatus.EXPIRED
    lifecycle.revoke_certificate(certificate, "Issued in error")
    assert records.status_of(certificate, date(2025, 1, 1)) == CertificateStatus.REVOKED


def test_expiry_follows_the_course_validity_and_month_ends(db, people):
    course = factories.make_certifying_course(validity_months=12)
    certificate = issuance.issue_certificate(people["trainee"], course, issued_on=date(2024, 2, 29))
    assert certificate.expires_on == date(2025, 2, 28)


def test_a_failed_render_leaves_the_certificate_issued_and_verifiable(app, db, client, people, course, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(documents, "render_certificate_pdf", broken)
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    assert certificate.pdf_path is None
    assert client.get(f"/verify/{certificate.number}").status_code == 200
    assert client.get(f"/api/v1/certificates/{certificate.number}").json["status"] == "valid"
    assert [c.id for c in documents.certificates_needing_pdf(check_files=False)] == [certificate.id]

    monkeypatch.undo()
    assert jobs.recoveries()[jobs.MISSING_PDFS] is documents.enqueue_missing_pdfs
    assert jobs.run_recoveries([jobs.MISSING_PDFS]) == {jobs.MISSING_PDFS: 1}
    db.session.refresh(certificate)
    assert certificate.pdf_path is not None
    assert (settings.data_dir() / certificate.pdf_path).read_bytes().startswith(b"%PDF")
    assert jobs.run_recoveries([jobs.MISSING_PDFS]) == {jobs.MISSING_PDFS: 0}


def test_completing_a_ce_course_credits_its_hours_once(app, db, people):
    ce_course = factories.make_ce_course(ce_hours=6)
    enrolment = factories.complete_course(people["trainee"], ce_course)
    course_completed.send(enrolment)
    course_completed.send(enrolment)
    [entry] = db.session.scalars(sa.select(ContinuingEducation)).all()
    assert entry.user_id == people["trainee"].id and entry.hours == 6
    assert entry.state == "approved" and entry.source == "course" and entry.course_version_id == ce_course.id
    assert certificates(db) == []


# -- revocation --------------------------------------------------------------------------------


def test_admin_revokes_a_certificate_with_a_reason_and_it_is_audited(app, db, client, auth, people, course, real_pdfs):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    auth.login(people["admin"])

    page = client.get(f"/certificates/{certificate.number}/manage")
    assert page.status_code == 200 and b"Revoke certificate" in page.data

    refused = client.post(f"/certificates/{certificate.number}/revoke", data={"reason": "  "})
    assert refused.status_code == 400 and b"Give the reason" in refused.data
    assert db.session.get(Certificate, certificate.id).revoked_at is None

    response = client.post(f"/certificates/{certificate.number}/revoke",
                           data={"reason": "Role-play assessment found to be plagiarised"})
    assert response.status_code == 302
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.revoked_at is not None
    assert records.status_of(certificate, utcnow().date()) == CertificateStatus.REVOKED
    [event] = audit_actions(db, "certificate.revoked")
    assert event.actor_id == people["admin"].id and event.subject_id == certificate.number
    assert event.details["reason"] == "Role-play assessment found to be plagiarised"
    # The stored PDF was regenerated with the watermark.
    assert certificate.pdf_rendered_at >= certificate.revoked_at
    assert "REVOKED" in pdf_text(app, certificate)
    # Still verifiable, as revoked, without the (internal) reason.
    public = client.get(f"/verify/{certificate.number}")
    assert b"Revoked on" in public.data and b"plagiarised" not in public.data
    again = client.post(f"/certificates/{certificate.number}/revoke", data={"reason": "Twice"}, follow_redirects=True)
    assert b"already revoked" in again.data
    assert len(audit_actions(db, "certificate.revoked")) == 1


def test_org_admin_and_supervisor_cannot_revoke(client, auth, db, people, course):
    certificate = issuance.issue_certificate(people["trainee"], course)
    db.session.commit()
    for person in ("org_admin", "supervisor", "trainee"):
        auth.login(people[person])
        assert client.post(f"/certificates/{certificate.number}/revoke", data={"reason": "x"}).status_code == 403
        auth.logout()
    assert db.session.get(Certificate, certificate.id).revoked_at is None


def test_admin_lists_and_searches_certificates(client, auth, db, people, course):
    valid = issuance.issue_certificate(people["trainee"], course, holder_name="Jordan Rivera")
    old = issuance.issue_certificate(factories.make_user(name="Casey Morgan"), course,
                                     issued_on=date(2020, 1, 1), expires_on=date(2022, 1, 1))
    db.session.commit()
    auth.login(people["admin"])
    listing = client.get("/certificates")
    assert valid.number.encode() in listing.data and old.number.encode() in listing.data
    by_name = client.get("/certificates?q=jordan")
    assert valid.number.encode() in by_name.data and old.number.encode() not in by_name.data
    by_number = client.get(f"/certificates?q={old.number.lower()}")
    assert old.number.encode() in by_number.data and valid.number.encode() not in by_number.data
    expired = client.get("/certificates?status=expired")
    assert old.number.encode() in expired.data and valid.number.encode() not in expired.data


# -- the holder's name ---------------------------------------------------------------------------


def test_trainee_sees_download_and_confirms_the_name_before_the_first_download(client, auth, db, people, course):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    auth.login(people["trainee"])
    mine = client.get("/my/certificates")
    assert b"Download certificate" in mine.data and certificate.number.encode() in mine.data
    assert f"/my/certificates/{certificate.number}/confirm".encode() in mine.data

    confirm_page = client.get(f"/my/certificates/{certificate.number}/confirm")
    assert people["trainee"].name.encode() in confirm_page.data

    response = client.post(f"/my/certificates/{certificate.number}/confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/certificates/{certificate.number}.pdf?download=1")
    assert db.session.get(Certificate, certificate.id).name_confirmed_at is not None
    download = client.get(response.headers["Location"])
    assert download.data.startswith(b"%PDF")
    assert "attachment" in download.headers["Content-Disposition"]
    # Once confirmed, the button downloads directly.
    assert f"/certificates/{certificate.number}.pdf?download=1".encode() in client.get("/my/certificates").data


def test_name_correction_reissues_and_keeps_the_history(app, client, auth, db, people, course, real_pdfs):
    trainee = people["trainee"]
    original = issuance.issue_if_eligible(factories.complete_course(trainee, course))
    db.session.commit()
    auth.login(trainee)

    response = client.post(f"/my/certificates/{original.number}/correct-name", data={"name": "Amara  Okafor-Lindqvist"})
    assert response.status_code == 302

    old, new = certificates(db)
    assert old.id == original.id
    assert old.revoked_at is not None and old.revoked_reason == "Re-issued with corrected name"
    assert old.holder_name == trainee.name  # history keeps what was printed
    assert new.generation == 2 and new.reason == "reissue" and new.previous_id == old.id
    assert new.holder_name == "Amara Okafor-Lindqvist" and new.name_confirmed_at is not None
    assert (new.issued_on, new.expires_on) == (old.issued_on, old.expires_on)
    assert "Amara Okafor-Lindqvist" in pdf_text(app, new)
    assert "REVOKED" in pdf_text(app, old)
    assert audit_actions(db, "certificate.reissued")[0].subject_id == new.number

    mine = client.get("/my/certificates").data
    assert new.number.encode() in mine and old.number.encode() in mine  # current, then the history
    assert b"Earlier certificates" in mine
    assert b"Revoked on" in client.get(f"/verify/{old.number}").data


def test_a_confirmed_name_is_corrected_by_an_administrator_only(client, auth, db, people, course):
    certificate = issuance.issue_certificate(people["trainee"], course)
    certificate.name_confirmed_at = utcnow()
    db.session.commit()
    auth.login(people["trainee"])
    response = client.post(f"/my/certificates/{certificate.number}/correct-name", data={"name": "Someone Else"},
                           follow_redirects=True)
    assert b"ask your program" in response.data
    assert len(certificates(db)) == 1
    auth.logout()

    auth.login(people["admin"])
    response = client.post(f"/certificates/{certificate.number}/correct-name", data={"name": "Taylor R. Trainee"})
    assert response.status_code == 302
    assert [c.holder_name for c in certificates(db)] == [people["trainee"].name, "Taylor R. Trainee"]


def test_another_trainee_cannot_open_or_change_someone_elses_certificate(client, auth, db, people, course):
    certificate = issuance.issue_certificate(people["trainee"], course)
    db.session.commit()
    stranger = factories.make_user(Role.TRAINEE)
    db.session.commit()
    auth.login(stranger)
    assert client.get(f"/my/certificates/{certificate.number}/confirm").status_code == 404
    response = client.post(f"/my/certificates/{certificate.number}/correct-name", data={"name": "Mallory"})
    assert response.status_code == 404
    assert client.post(f"/my/certificates/{certificate.number}/renew").status_code == 404
    assert len(certificates(db)) == 1


def test_supervisor_hours_waiting_shows_on_my_certificates(client, auth, db, people):
    course = factories.make_certifying_course(supervised_hours_required=20)
    factories.complete_course(people["trainee"], course)
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get("/my/certificates")
    assert b"20 approved supervised hours" in page.data
    assert b"Download certificate" not in page.data


def test_pdf_is_served_from_the_stored_file_without_rendering_again(client, db, people, course, monkeypatch):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    rendered_at = certificate.pdf_rendered_at
    stored = (settings.data_dir() / certificate.pdf_path).read_bytes()

    def must_not_render(*args, **kwargs):
        raise AssertionError("a download must serve the stored file")

    monkeypatch.setattr(documents, "render_certificate_pdf", must_not_render)
    for _ in range(2):
        response = client.get(f"/certificates/{certificate.number}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == stored and response.data.startswith(b"%PDF")
    assert db.session.get(Certificate, certificate.id).pdf_rendered_at == rendered_at


def test_a_lost_pdf_file_is_rendered_again_on_download(client, db, people, course):
    certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
    db.session.commit()
    (settings.data_dir() / certificate.pdf_path).unlink()
    response = client.get(f"/certificates/{certificate.number}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_expired_and_revoked_pdfs_are_public_too(client, db, people, course):
    expired = issuance.issue_certificate(people["trainee"], course, issued_on=date(2020, 1, 1),
                                         expires_on=date(2022, 1, 1))
    revoked = issuance.issue_certificate(factories.make_user(), course)
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()
    for certificate in (expired, revoked):
        assert client.get(f"/certificates/{certificate.number}.pdf").data.startswith(b"%PDF")
    assert client.get("/certificates/PSS-0000-0000-0000-0.pdf").status_code == 404


def test_issue_date_override_keeps_dates_in_order(db, people, course):
    issued = date.today() - timedelta(days=800)
    certificate = issuance.issue_certificate(people["trainee"], course, issued_on=issued)
    assert certificate.expires_on > certificate.issued_on


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run the RQ worker")
def test_with_redis_the_worker_renders_the_pdf_after_the_issuance_commits(app, db, people, course):
    app.config.update(REDIS_URL=TEST_REDIS_URL, JOB_QUEUE=f"test-certificates-{uuid.uuid4().hex[:8]}")
    queue = jobs.get_queue(app)
    try:
        certificate = issuance.issue_if_eligible(factories.complete_course(people["trainee"], course))
        assert queue.count == 0  # not before the row is committed: the worker must find it
        db.session.commit()
        assert queue.count == 1 and certificate.pdf_path is None
        jobs.make_worker(app, simple=True).work(burst=True, logging_level="WARNING")
        db.session.expire_all()
        certificate = db.session.get(Certificate, certificate.id)
        assert certificate.pdf_path is not None
        assert (settings.data_dir() / certificate.pdf_path).read_bytes().startswith(b"%PDF")
    finally:
        for registry in (queue.failed_job_registry, queue.finished_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)
