"""Supervised practice hours: trainees log them, supervisors of their cohorts approve or return them."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.models import AuditEvent, Certificate, Enrolment, ReviewState, Role, SupervisedHours, utcnow
from lms.practice import services
from tests import factories
from tests.org_factories import make_org_course, make_org_hours

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads


def log(client, **fields):
    data = {"worked_on": "2026-03-02", "setting": "Riverside drop-in", "activity": "Peer support conversations",
            "hours": "3.5"}
    data.update(fields)
    return client.post("/hours", data=data)


def test_trainee_logs_hours_and_sees_them_waiting(client, auth, db, people):
    auth.login(people["trainee"])
    response = log(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/hours")
    entry = db.session.scalar(sa.select(SupervisedHours))
    assert entry.user_id == people["trainee"].id and entry.hours == Decimal("3.5") and entry.state == "pending"
    page = client.get("/hours").get_data(as_text=True)
    assert "Riverside drop-in" in page and "Waiting" in page and "3.5" in page


def test_hours_in_the_future_or_out_of_range_are_refused_next_to_the_field(client, auth, db, people):
    auth.login(people["trainee"])
    page = log(client, worked_on="2999-01-01").get_data(as_text=True)
    assert 'id="worked_on-error"' in page and "future" in page
    page = log(client, hours="30").get_data(as_text=True)
    assert 'id="hours-error"' in page and "between 0.25 and 24" in page
    assert db.session.scalar(sa.select(sa.func.count(SupervisedHours.id))) == 0


def test_trainee_sees_the_courses_required_hours_with_a_progress_bar(client, auth, db, people):
    version = make_org_course(modules=1, supervised_hours_required=10)
    db.session.add(Enrolment(user_id=people["trainee"].id, course_id=version.course_id, course_version_id=version.id))
    make_org_hours(people["trainee"], 4, state=ReviewState.APPROVED)
    make_org_hours(people["trainee"], 2, state=ReviewState.PENDING)
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get("/hours").get_data(as_text=True)
    assert "4 of 10 approved hours required." in page
    assert 'value="40"' in page
    assert "waiting for approval: 2 hours" in page


def test_supervisor_approves_hours_of_their_cohorts_trainee(client, auth, db, people):
    entry = make_org_hours(people["trainee"], 2.5)
    db.session.commit()
    auth.login(people["supervisor"])
    page = client.get("/hours/review").get_data(as_text=True)
    assert people["trainee"].name in page and "1 entry waits for you." in page
    assert client.post(f"/hours/{entry.id}/approve").status_code == 302
    db.session.refresh(entry)
    assert entry.state == "approved" and entry.reviewed_by_id == people["supervisor"].id
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "hours.approved"))
    assert services.approved_hours(people["trainee"].id) == Decimal("2.5")


def test_supervisor_returns_hours_with_a_note_and_the_trainee_corrects_them(client, auth, db, people):
    entry = make_org_hours(people["trainee"], 2)
    db.session.commit()
    auth.login(people["supervisor"])
    page = client.post(f"/hours/{entry.id}/return", data={"note": ""}).get_data(as_text=True)
    assert 'id="note-error"' in page
    client.post(f"/hours/{entry.id}/return", data={"note": "Please name the setting, not the person."})
    db.session.refresh(entry)
    assert entry.state == "returned" and "name the setting" in entry.review_note
    auth.logout()

    auth.login(people["trainee"])
    assert "name the setting" in client.get("/hours").get_data(as_text=True)
    client.post(f"/hours/{entry.id}/edit", data={"worked_on": "2026-03-03", "setting": "Warmline",
                                                 "activity": "Calls", "hours": "2"})
    db.session.refresh(entry)
    assert entry.state == "pending" and entry.setting == "Warmline"


def test_supervisor_of_another_cohort_cannot_see_or_approve_the_hours(client, auth, db, people):
    entry = make_org_hours(people["trainee"], 2)
    db.session.commit()
    auth.login(people["other_supervisor"])
    assert people["trainee"].name not in client.get("/hours/review").get_data(as_text=True)
    assert client.post(f"/hours/{entry.id}/approve").status_code == 403
    assert client.post(f"/hours/{entry.id}/return", data={"note": "x"}).status_code == 403
    db.session.refresh(entry)
    assert entry.state == "pending"


def test_a_trainee_cannot_touch_someone_elses_hours_or_change_approved_ones(client, auth, db, people):
    other = factories.make_user(Role.TRAINEE, org=people["org"])
    theirs = make_org_hours(other, 2)
    approved = make_org_hours(people["trainee"], 2, state=ReviewState.APPROVED)
    db.session.commit()
    auth.login(people["trainee"])
    assert client.post(f"/hours/{theirs.id}/withdraw").status_code == 404
    assert client.get(f"/hours/{theirs.id}/edit").status_code == 404
    client.post(f"/hours/{approved.id}/withdraw")
    assert db.session.get(SupervisedHours, approved.id) is not None


def test_trainee_withdraws_a_pending_entry(client, auth, db, people):
    entry_id = make_org_hours(people["trainee"], 1).id
    db.session.commit()
    auth.login(people["trainee"])
    client.post(f"/hours/{entry_id}/withdraw")
    assert db.session.get(SupervisedHours, entry_id) is None


def test_approving_the_last_required_hours_issues_the_waiting_certificate(db, people, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    version = make_org_course(modules=1, supervised_hours_required=4)
    trainee = people["trainee"]
    db.session.add(Enrolment(user_id=trainee.id, course_id=version.course_id, course_version_id=version.id,
                             completed_at=utcnow()))
    make_org_hours(trainee, 2, state=ReviewState.APPROVED)
    entry = make_org_hours(trainee, 2)
    db.session.flush()
    assert db.session.scalar(sa.select(Certificate).where(Certificate.user_id == trainee.id)) is None
    services.approve_hours(entry, people["supervisor"])
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == trainee.id))
    assert certificate is not None and certificate.course_id == version.course_id


def test_an_entry_cannot_be_reviewed_twice(db, people):
    import pytest

    from lms.errors import DomainError

    entry = make_org_hours(people["trainee"], 1)
    services.approve_hours(entry, people["supervisor"])
    with pytest.raises(DomainError, match="already reviewed"):
        services.return_hours(entry, people["supervisor"], "late note")


def test_the_staff_home_tile_counts_the_hours_waiting_for_this_supervisor(client, auth, db, people):
    auth.login(people["supervisor"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Hours to review" in page and "Nothing waiting" in page
    make_org_hours(people["trainee"], 2, state=ReviewState.PENDING)
    make_org_hours(people["trainee"], 1, state=ReviewState.PENDING)
    make_org_hours(people["trainee"], 3, state=ReviewState.APPROVED)
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    tile = page[page.index("<h2>Hours to review</h2>"):][:300]
    assert "2 items waiting" in tile
    auth.switch_to(people["outsider_supervisor"])  # another organization's supervisor: none of these are theirs
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Nothing waiting" in page[page.index("<h2>Hours to review</h2>"):][:300]
