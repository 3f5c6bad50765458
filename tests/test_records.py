"""A trainee's transcript: who may see it, what it says, and the PDF."""

import io

import pytest
from pypdf import PdfReader

from lms.models import Role
from lms.records.services import build_transcript
from tests import factories
from tests.org_factories import make_org_record

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads


@pytest.fixture
def record(db, people):
    data = make_org_record(people["trainee"], people["supervisor"])
    db.session.commit()
    return data


def test_transcript_lists_modules_roleplays_hours_education_and_certificates(db, people, record):
    transcript = build_transcript(people["trainee"])
    course = transcript.courses[0]
    assert course.modules_passed == 1 and len(course.modules) == 2
    first = course.modules[0]
    assert first.title == "Foundations" and first.passed_at is not None
    assert first.best_score == 90 and first.attempts == 2
    assert course.modules[1].passed_at is None
    assert [(r.scenario, r.total, r.max_total) for r in transcript.roleplays] == [("Role-play 1", 10, 12)]
    assert transcript.hours_approved == 12
    assert [c.title for c in transcript.continuing_education] == ["Ethics for peer workers"]
    assert transcript.certificates[0].number == record["certificate"].number
    assert transcript.cohorts == [people["cohort"].name]


def test_trainee_reads_their_own_transcript(client, auth, people, record):
    auth.login(people["trainee"])
    page = client.get("/records/transcript").get_data(as_text=True)
    assert f"Transcript of {people['trainee'].name}" in page
    assert "Foundations" in page and "90%" in page and "Role-play 1" in page
    assert "10 / 12" in page and "Ethics for peer workers" in page and record["certificate"].number in page
    assert "12 hours approved by a supervisor" in page


@pytest.mark.parametrize("who", ["trainee", "supervisor", "org_admin", "admin"])
def test_people_allowed_to_see_a_transcript_can_open_it(client, auth, people, record, who):
    auth.login(people[who])
    assert client.get(f"/records/{people['trainee'].id}/transcript").status_code == 200


@pytest.mark.parametrize("who", ["other_supervisor", "outsider_supervisor"])
def test_supervisors_of_other_cohorts_cannot_see_a_transcript(client, auth, people, record, who):
    auth.login(people[who])
    assert client.get(f"/records/{people['trainee'].id}/transcript").status_code == 403
    assert client.get(f"/records/{people['trainee'].id}/transcript.pdf").status_code == 403


def test_another_trainee_and_an_org_admin_elsewhere_cannot_see_a_transcript(client, auth, db, people, record):
    other_trainee = factories.make_user(Role.TRAINEE, org=people["org"])
    other_admin = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    for person in (other_trainee, other_admin):
        auth.login(person)
        assert client.get(f"/records/{people['trainee'].id}/transcript").status_code == 403
        auth.logout()


def test_transcript_pdf_shows_the_record(client, auth, people, record):
    auth.login(people["supervisor"])
    response = client.get(f"/records/{people['trainee'].id}/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert people["trainee"].name in text and "Foundations" in text and record["certificate"].number in text
    assert reader.metadata.title == f"Transcript of {people['trainee'].name}"


def test_trainee_downloads_their_own_pdf(client, auth, people, record):
    auth.login(people["trainee"])
    response = client.get("/records/transcript.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_transcript_of_a_trainee_without_records_says_so(client, auth, db, people):
    auth.login(people["trainee"])
    page = client.get("/records/transcript").get_data(as_text=True)
    assert "Not enrolled in a course yet." in page and "No certificate yet." in page
