"""Scenarios in the v2 format: the trainee sees only the brief; raters see the notes, branches and reference
transcripts; unscored gates are a required breach check and a breach fails whatever the total; supervisors
calibrate against the authors' reference scores."""

import pytest
import sqlalchemy as sa

from lms.models import Grade, ReferenceRating, ScenarioReference, SubmissionState
from tests import factories
from tests.v2_course import ACTOR_NOTE, BRANCH, RATER_NOTE, sync_ready_course

HIGH = {"level_listening": "4", "level_safety": "4"}


@pytest.fixture
def ready(db, people):
    _version, scenario, _exercise = sync_ready_course(people["trainee"])
    return scenario


@pytest.fixture
def submitted(db, people, ready):
    submission = factories.make_submission(people["trainee"], ready)
    db.session.commit()
    return submission


def notes_in(page: str) -> list[str]:
    return [text for text in (ACTOR_NOTE, RATER_NOTE, BRANCH) if text in page]


def test_the_trainee_sees_the_brief_and_never_the_actor_or_rater_notes(client, auth, people, ready):
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/{ready.id}").get_data(as_text=True)
    assert "Dana calls the program&#39;s peer line in the early evening." in page
    assert "also checks Confidentiality and its limits: a breach" in page
    assert notes_in(page) == []
    response = client.post(f"/roleplays/{ready.id}/start")
    attempt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hi, is this an okay time?" in attempt
    assert notes_in(attempt) == []


def test_the_trainee_does_not_see_the_notes_on_their_submission_either(client, auth, people, submitted):
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)
    assert page and notes_in(page) == []


def test_the_supervisor_grading_page_shows_the_notes_branches_and_a_gate_check(client, auth, people, submitted):
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading/submissions/{submitted.id}").get_data(as_text=True)
    assert notes_in(page) == [ACTOR_NOTE, RATER_NOTE, BRANCH]
    assert 'name="gate_confidentiality"' in page and "Gate: required check" in page
    assert 'name="gate_safety"' not in page  # scored in this scenario


def test_the_live_rating_page_shows_the_notes(client, auth, people, ready):
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading/live?trainee={people['trainee'].id}&scenario={ready.id}").get_data(as_text=True)
    assert notes_in(page) == [ACTOR_NOTE, RATER_NOTE, BRANCH]


def test_a_gate_breach_fails_the_attempt_whatever_the_total(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    response = client.post(f"/grading/submissions/{submitted.id}", data=HIGH | {"gate_confidentiality": "breach"})
    assert response.status_code == 302
    grade = db.session.scalar(sa.select(Grade).where(Grade.submission_id == submitted.id))
    assert grade.total == 8 and grade.total >= submitted.scenario.pass_mark
    assert grade.passed is False and grade.gates == {"confidentiality": "breach"}
    db.session.refresh(submitted)
    assert submitted.state == SubmissionState.RESUBMIT
    page = client.get(f"/grading/submissions/{submitted.id}").get_data(as_text=True)
    assert "Gate breached:" in page


def test_no_breach_with_a_high_total_passes(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}", data=HIGH | {"gate_confidentiality": "no_breach"})
    db.session.refresh(submitted)
    assert submitted.state == SubmissionState.PASSED


def test_the_gate_check_is_required(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    response = client.post(f"/grading/submissions/{submitted.id}", data=HIGH)
    assert response.status_code == 400
    assert "Mark this gate: no breach or breach." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == 0


def test_a_typed_decision_is_ignored_the_server_computes_it(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}",
                data=HIGH | {"gate_confidentiality": "breach", "decision": "pass", "passed": "1"})
    assert db.session.scalar(sa.select(Grade.passed)) is False


def test_supervisors_calibrate_against_the_authors_reference_scores(client, auth, db, people, ready):
    reference = db.session.scalar(sa.select(ScenarioReference).where(ScenarioReference.slug == "rb-call-ref-b"))
    auth.switch_to(people["supervisor"])
    listing = client.get("/grading/references").get_data(as_text=True)
    assert f"/grading/references/{reference.id}" in listing
    blind = client.get(f"/grading/references/{reference.id}").get_data(as_text=True)
    assert "nothing you say leaves this call." in blind  # the transcript
    assert "Endorses drinking" not in blind and "Fails — promises secrecy" not in blind  # rationale, label: after
    response = client.post(f"/grading/references/{reference.id}",
                           data={"level_listening": "2", "level_safety": "1", "gate_confidentiality": "no_breach"})
    assert response.status_code == 302
    rating = db.session.scalar(sa.select(ReferenceRating))
    assert rating.decision == "resubmit"  # computed: listening 2 is under its minimum 3
    after = client.get(f"/grading/references/{reference.id}").get_data(as_text=True)
    assert "Endorses drinking and does not check risk." in after
    assert "+1" in after  # listening: 2 against the authors' 1
    assert "decision: resubmit. Yours: resubmit." in after
    again = client.post(f"/grading/references/{reference.id}",
                        data={"level_listening": "4", "level_safety": "4", "gate_confidentiality": "no_breach"})
    assert again.status_code == 200 and db.session.scalar(sa.select(sa.func.count(ReferenceRating.id))) == 1


def test_trainees_cannot_open_the_reference_transcripts(client, auth, db, people, ready):
    reference = db.session.scalar(sa.select(ScenarioReference))
    auth.switch_to(people["trainee"])
    assert client.get("/grading/references").status_code in (302, 403)
    assert client.get(f"/grading/references/{reference.id}").status_code in (302, 403)
    assert client.post(f"/grading/references/{reference.id}", data={"level_listening": "4"}).status_code in (302, 403)
    assert db.session.scalar(sa.select(sa.func.count(ReferenceRating.id))) == 0
    auth.switch_to(people["supervisor"])
    assert client.get("/grading/references/999999").status_code == 404
