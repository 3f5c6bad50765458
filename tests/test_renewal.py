"""Continuing education (logged, evidenced, approved by a supervisor) and renewal with enough approved hours."""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.certificates import issuance, lifecycle, settings
from lms.continuing import services as continuing_services
from lms.errors import NotEligible
from lms.models import AuditEvent, Certificate, ContinuingEducation, Role
from lms.signals import course_completed
from tests import factories

PDF_BYTES = b"%PDF-1.4\n% attendance certificate\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


pytestmark = pytest.mark.usefixtures("quick_pdfs")


@pytest.fixture
def app_config(module_keys_dir):
    return {"KEYS_DIR": str(module_keys_dir)}


@pytest.fixture
def certificate(db, people):
    """The trainee's certificate, issued a year ago, renewable with 20 hours."""
    course = factories.make_certifying_course(renewal_ce_hours=20, validity_months=24)
    issued_on = date.today() - timedelta(days=365)
    certificate = issuance.issue_certificate(people["trainee"], course, issued_on=issued_on)
    certificate.name_confirmed_at = certificate.created_at
    db.session.commit()
    return certificate


def log_activity(client, *, title="Trauma-informed care workshop", hours="8", completed_on=None,
                 evidence=(PDF_BYTES, "attendance.pdf")):
    data = {"title": title, "provider": "State peer network", "hours": hours,
            "completed_on": (completed_on or date.today() - timedelta(days=30)).isoformat()}
    if evidence is not None:
        data["evidence"] = (io.BytesIO(evidence[0]), evidence[1])
    return client.post("/my/continuing-education", data=data, content_type="multipart/form-data")


def entries(db):
    return db.session.scalars(sa.select(ContinuingEducation).order_by(ContinuingEducation.id)).all()


def test_holder_logs_an_activity_with_evidence_and_it_waits_for_approval(app, client, auth, db, people, certificate):
    auth.login(people["trainee"])
    page = client.get("/my/continuing-education")
    assert page.status_code == 200 and b"0 of 20 hours approved" in page.data

    response = log_activity(client)
    assert response.status_code == 302
    [entry] = entries(db)
    assert (entry.title, entry.hours, entry.state, entry.source) == ("Trauma-informed care workshop", 8, "pending",
                                                                     "outside")
    stored = settings.data_dir() / entry.evidence_path
    assert entry.evidence_path.startswith("evidence/") and stored.read_bytes() == PDF_BYTES
    assert client.get(f"/continuing-education/{entry.id}/evidence").data == PDF_BYTES
    page = client.get("/my/continuing-education")
    assert b"Waiting for approval" in page.data and b"0 of 20 hours approved" in page.data


@pytest.mark.parametrize(("evidence", "message"), [
    (None, b"Attach a certificate of attendance"),
    ((b"MZ\x90\x00 not a pdf", "attendance.pdf"), b"do not match its type"),
    ((PDF_BYTES, "attendance.exe"), b"Upload a PDF, PNG or JPEG"),
])
def test_evidence_must_be_a_real_pdf_or_image(client, auth, db, people, certificate, evidence, message):
    auth.login(people["trainee"])
    response = log_activity(client, evidence=evidence)
    assert response.status_code == 400 and message in response.data
    assert entries(db) == []


@pytest.mark.parametrize("app_config", [{"EVIDENCE_MAX_BYTES": 100}])
def test_evidence_has_a_size_limit(client, auth, db, people, certificate, app_config, module_keys_dir):
    auth.login(people["trainee"])
    response = log_activity(client, evidence=(PDF_BYTES + b"0" * 200, "big.pdf"))
    assert response.status_code == 400 and b"larger than" in response.data
    assert entries(db) == []


def test_future_dates_and_silly_hours_are_refused(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    assert log_activity(client, completed_on=date.today() + timedelta(days=3)).status_code == 400
    assert log_activity(client, hours="0").status_code == 400
    assert log_activity(client, hours="500").status_code == 400
    assert entries(db) == []


def test_supervisor_of_the_cohort_approves_and_returns_activities(client, auth, db, people, certificate):
    trainee = people["trainee"]
    approve_me = factories.make_continuing_education(trainee, 12, completed_on=date.today(), state="pending")
    return_me = factories.make_continuing_education(trainee, 5, completed_on=date.today(), state="pending",
                                                    title="Online module")
    db.session.commit()
    auth.login(people["supervisor"])
    queue = client.get("/continuing-education/review")
    assert b"Trauma-informed care workshop" in queue.data and b"Online module" in queue.data

    client.post(f"/continuing-education/{approve_me.id}/review", data={"approve": "Approve"})
    refused = client.post(f"/continuing-education/{return_me.id}/review", data={"send_back": "Send back"},
                          follow_redirects=True)
    assert b"Say what is missing" in refused.data
    client.post(f"/continuing-education/{return_me.id}/review",
                data={"send_back": "Send back", "note": "The attendance letter has no hours on it."})

    approved, returned = entries(db)
    assert approved.state == "approved" and approved.reviewed_by_id == people["supervisor"].id
    assert returned.state == "returned" and returned.review_note == "The attendance letter has no hours on it."
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("continuing_education.%")))
    assert sorted(actions) == ["continuing_education.approved", "continuing_education.returned"]
    assert b"Nothing waits for your review" in client.get("/continuing-education/review").data
    auth.logout()

    auth.login(trainee)
    page = client.get("/my/continuing-education")
    assert b"no hours on it" in page.data and b"12 of 20 hours approved" in page.data


def test_a_supervisor_of_another_cohort_cannot_see_or_review_activities(client, auth, db, people, certificate):
    entry = factories.make_continuing_education(people["trainee"], 12, completed_on=date.today(), state="pending")
    entry.evidence_path = continuing_services.store_evidence(io.BytesIO(PNG_BYTES), "scan.png")
    db.session.commit()
    for outsider in ("other_supervisor", "outsider_supervisor"):
        auth.login(people[outsider])
        assert b"Trauma-informed" not in client.get("/continuing-education/review").data
        assert client.post(f"/continuing-education/{entry.id}/review", data={"approve": "Approve"}).status_code == 404
        assert client.get(f"/continuing-education/{entry.id}/evidence").status_code == 404
        auth.logout()
    stranger = factories.make_user(Role.TRAINEE)
    db.session.commit()
    auth.login(stranger)
    assert client.get(f"/continuing-education/{entry.id}/evidence").status_code == 404
    auth.logout()
    assert entries(db)[0].state == "pending"
    auth.login(people["admin"])
    assert client.get(f"/continuing-education/{entry.id}/evidence").data == PNG_BYTES
    assert b"Trauma-informed" in client.get("/continuing-education/review").data


def test_holder_removes_a_pending_activity_but_not_an_approved_one(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    log_activity(client)
    [pending] = entries(db)
    path = settings.data_dir() / pending.evidence_path
    approved = factories.make_continuing_education(people["trainee"], 4, completed_on=date.today())
    db.session.commit()
    client.post(f"/my/continuing-education/{pending.id}/delete")
    client.post(f"/my/continuing-education/{approved.id}/delete")
    assert [entry.id for entry in entries(db)] == [approved.id]
    assert not path.exists()


def test_renewal_needs_enough_approved_hours_within_the_validity_period(db, people, certificate):
    trainee = people["trainee"]
    factories.make_continuing_education(trainee, 15, completed_on=certificate.issued_on - timedelta(days=1))  # before
    factories.make_continuing_education(trainee, 10, completed_on=date.today(), state="pending")  # not approved
    factories.make_continuing_education(trainee, 12, completed_on=certificate.issued_on)  # counts
    progress = lifecycle.renewal_progress(certificate, latest=certificate)
    assert progress.offered and progress.required == 20 and progress.approved == 12 and not progress.can_renew
    with pytest.raises(NotEligible, match="8 more approved hours"):
        lifecycle.renew_certificate(certificate, actor=trainee)

    factories.make_continuing_education(trainee, 8, completed_on=date.today())
    assert lifecycle.renewal_progress(certificate, latest=certificate).can_renew


def test_holder_renews_and_gets_a_new_linked_certificate(client, auth, db, people, certificate):
    trainee = people["trainee"]
    factories.make_continuing_education(trainee, 14, completed_on=date.today() - timedelta(days=10))
    ce_course = factories.make_ce_course(ce_hours=6)  # the shipped CE course counts automatically
    course_completed.send(factories.complete_course(trainee, ce_course))
    db.session.commit()
    auth.login(trainee)
    page = client.get("/my/certificates")
    assert b"Renew my certificate" in page.data and b"20 of 20 hours approved" in page.data

    assert client.post(f"/my/certificates/{certificate.number}/renew").status_code == 302
    old, new = db.session.scalars(sa.select(Certificate).order_by(Certificate.generation)).all()
    assert old.id == certificate.id and old.revoked_at is None  # the old one simply runs out
    assert (new.generation, new.reason, new.previous_id) == (2, "renewal", old.id)
    assert new.issued_on == date.today()
    assert new.expires_on == settings.add_months(old.expires_on, 24)  # renewing early loses nothing
    assert new.holder_name == old.holder_name and new.number != old.number
    assert new.pdf_path is not None
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate.renewed")).one()

    # The hours were used: renewing the old certificate again, or the new one at once, is refused.
    assert client.post(f"/my/certificates/{old.number}/renew", follow_redirects=True).data.count(
        b"already been renewed") == 1
    assert not lifecycle.renewal_progress(new, latest=new).can_renew
    page = client.get("/my/certificates").data
    assert new.number.encode() in page and b"Earlier certificates" in page


def test_a_revoked_certificate_cannot_be_renewed(db, people, certificate):
    factories.make_continuing_education(people["trainee"], 25, completed_on=date.today())
    lifecycle.revoke_certificate(certificate, "Misconduct")
    progress = lifecycle.renewal_progress(certificate, latest=certificate)
    assert not progress.can_renew and "revoked" in progress.reason


def test_an_expired_certificate_renews_with_hours_earned_while_it_was_valid(db, people):
    course = factories.make_certifying_course(renewal_ce_hours=20, validity_months=24)
    old = issuance.issue_certificate(people["trainee"], course, issued_on=date.today() - timedelta(days=800),
                                     expires_on=date.today() - timedelta(days=70))
    factories.make_continuing_education(people["trainee"], 20, completed_on=date.today() - timedelta(days=100))
    renewed = lifecycle.renew_certificate(old, actor=people["trainee"])
    assert renewed.issued_on == date.today()
    assert renewed.expires_on == settings.add_months(date.today(), 24)


def test_a_course_without_renewal_hours_is_not_renewed_with_ce(db, people):
    course = factories.make_certifying_course(renewal_ce_hours=0)
    certificate = issuance.issue_certificate(people["trainee"], course)
    progress = lifecycle.renewal_progress(certificate, latest=certificate)
    assert not progress.offered and not progress.can_renew
