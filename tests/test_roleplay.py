"""Trainees: the scenario page, a written attempt one turn at a time, autosave, instant feedback, submission,
resubmission; and who may see the work."""

import pytest
import sqlalchemy as sa
from markupsafe import escape

from lms.models import AuditEvent, Submission, SubmissionState
from lms.roleplay import feedback as formative
from lms.roleplay import second_opinion
from tests import factories

GOOD_REPLIES = [
    "It sounds like you need to know you're safe before you share. Most of what you tell me stays within the "
    "program, but I do write notes the care team can read, and I'd have to act if someone were in danger.",
    "You're worried your counselor will find out before you're ready to tell her.",
    "Thank you for telling me. Fourteen months took real work, and a return to use doesn't erase it.",
    "What would you want her to understand if she called?",
    "It sounds like you'd rather she heard it from you. What would help you feel ready?",
]


@pytest.fixture
def scenario(db, people):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    db.session.commit()
    return scenario


def start(client, scenario):
    response = client.post(f"/roleplays/{scenario.id}/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_trainee_sees_the_scenario_with_persona_skills_and_rubric_anchors(client, auth, people, scenario):
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/{scenario.id}").get_data(as_text=True)
    assert "Marcus is 38 and in recovery." in page
    assert "explaining confidentiality limits" in page
    assert "Promises absolute secrecy." in page  # the anchors of each level
    assert "Safety-critical" in page
    assert "Start a written role-play" in page


def test_trainee_not_enrolled_cannot_start_an_attempt(client, auth, db, people):
    scenario = factories.make_scenario()
    db.session.commit()
    auth.switch_to(people["trainee"])
    assert "Enrol in" in client.get(f"/roleplays/{scenario.id}").get_data(as_text=True)
    response = client.post(f"/roleplays/{scenario.id}/start", follow_redirects=True)
    assert "Enrol in" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_persona_lines_appear_one_at_a_time_without_javascript(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    page = client.get(f"/roleplays/attempts/{submission_id}").get_data(as_text=True)
    assert scenario.turns[0]["persona"] in page
    assert scenario.turns[1]["persona"] not in page
    assert "This feedback is guidance only; your supervisor's rubric decides." in page

    response = client.post(f"/roleplays/attempts/{submission_id}/reply", data={"turn": 0, "reply": GOOD_REPLIES[0]})
    assert response.status_code == 302 and response.headers["Location"].endswith("#turn-2")
    page = client.get(f"/roleplays/attempts/{submission_id}").get_data(as_text=True)
    assert str(escape(scenario.turns[1]["persona"])) in page
    assert str(escape(scenario.turns[2]["persona"])) not in page
    assert "Reflection" in page  # the feedback on the first reply, beside it

    # A later turn cannot be answered before it is shown.
    client.post(f"/roleplays/attempts/{submission_id}/reply", data={"turn": 3, "reply": "Skipping ahead"})
    assert db.session.get(Submission, submission_id).replies == [GOOD_REPLIES[0]]


def test_starting_twice_opens_one_draft(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    assert start(client, scenario) == start(client, scenario)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_autosave_keeps_the_draft_and_returns_feedback_with_the_secrecy_flag(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    replies = ["Of course. I won't tell anyone, ever.", "You should tell your counselor first."]
    response = client.post(f"/roleplays/attempts/{submission_id}/autosave", json={"replies": replies})
    assert response.status_code == 200
    data = response.get_json()
    assert data["saved"] is True
    assert db.session.get(Submission, submission_id).replies == replies
    first = data["feedback"]["replies"][0]
    secrecy = next(label for label in first["labels"] if label["id"] == "secrecy_promise")
    assert secrecy["flag"] and first["red_flag"]
    assert data["feedback"]["red_flags"][0]["turn"] == 1
    assert data["feedback"]["totals"]["advice"] == 1
    advice = next(check for check in data["feedback"]["targets"] if check["name"] == "max_advice")
    assert advice == {**advice, "value": 1, "target": 0, "met": False}
    assert data["revealed"] == 3  # two replies given: the third line shows
    assert len(data["html"]["turns"]) == 3 and str(escape(scenario.turns[2]["persona"])) in data["html"]["turns"][2]
    assert "Red flag" in data["html"]["replies"][0]
    assert "guidance only" in data["html"]["totals"]


def test_autosave_refuses_malformed_or_too_long_input(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    url = f"/roleplays/attempts/{submission_id}/autosave"
    assert client.post(url, json={"replies": "text"}).status_code == 400
    assert client.post(url, json={"replies": [1, 2]}).status_code == 400
    assert client.post(url, json={"replies": ["x"] * 6}).status_code == 400  # five turns
    assert client.post(url, json={"replies": ["x" * 4001]}).status_code == 400
    assert db.session.get(Submission, submission_id).replies == []


def test_autosave_after_submission_is_refused_and_changes_nothing(client, auth, db, people, scenario):
    submission = factories.make_submission(people["trainee"], scenario, replies=list(GOOD_REPLIES))
    db.session.commit()
    auth.switch_to(people["trainee"])
    response = client.post(f"/roleplays/attempts/{submission.id}/autosave", json={"replies": ["changed"]})
    assert response.status_code == 409
    assert db.session.get(Submission, submission.id).replies == GOOD_REPLIES


def test_another_trainee_cannot_touch_a_draft(client, auth, db, people, scenario):
    draft = factories.make_submission(people["trainee"], scenario, state="draft")
    other = factories.make_user(org=people["org"])
    db.session.commit()
    auth.switch_to(other)
    assert client.get(f"/roleplays/attempts/{draft.id}").status_code == 404
    assert client.post(f"/roleplays/attempts/{draft.id}/autosave", json={"replies": ["x"]}).status_code == 404
    assert client.post(f"/roleplays/attempts/{draft.id}/submit").status_code == 404


def test_submitting_an_incomplete_attempt_is_refused(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    client.post(f"/roleplays/attempts/{submission_id}/autosave", json={"replies": GOOD_REPLIES[:3]})
    response = client.post(f"/roleplays/attempts/{submission_id}/submit", follow_redirects=True)
    assert "Answer all 5 turns before submitting." in response.get_data(as_text=True)
    assert db.session.get(Submission, submission_id).state == SubmissionState.DRAFT


def test_submission_is_idempotent_on_a_double_click(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    client.post(f"/roleplays/attempts/{submission_id}/autosave", json={"replies": GOOD_REPLIES})
    first = client.post(f"/roleplays/attempts/{submission_id}/submit")
    second = client.post(f"/roleplays/attempts/{submission_id}/submit", follow_redirects=True)
    assert first.status_code == 302
    assert "already submitted" in second.get_data(as_text=True)
    submission = db.session.get(Submission, submission_id)
    assert submission.state == SubmissionState.SUBMITTED and submission.submitted_at is not None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.submitted")).all()
    assert len(events) == 1


def test_trainee_cannot_start_again_while_an_attempt_waits_or_after_passing(client, auth, db, people, scenario):
    submission = factories.make_submission(people["trainee"], scenario)
    db.session.commit()
    auth.switch_to(people["trainee"])
    response = client.post(f"/roleplays/{scenario.id}/start", follow_redirects=True)
    assert "waiting for your supervisor" in response.get_data(as_text=True)
    submission.state = SubmissionState.PASSED
    db.session.commit()
    response = client.post(f"/roleplays/{scenario.id}/start", follow_redirects=True)
    assert "You have passed this role-play" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 1


def test_resubmission_starts_attempt_two_and_shows_the_previous_feedback(client, auth, db, people, scenario):
    first = factories.make_submission(people["trainee"], scenario, state=SubmissionState.RESUBMIT)
    factories.make_grade(first, people["supervisor"], {"listening": 4, "validation": 4, "confidentiality": 1,
                                                        "language": 4}, feedback="Never promise secrecy.")
    db.session.commit()
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/{scenario.id}").get_data(as_text=True)
    assert "asked you to resubmit" in page
    second_id = start(client, scenario)
    second = db.session.get(Submission, second_id)
    assert second.attempt_no == 2 and second.state == SubmissionState.DRAFT
    page = client.get(f"/roleplays/attempts/{second_id}").get_data(as_text=True)
    assert "Feedback on attempt 1" in page
    assert "Never promise secrecy." in page
    assert "Confidentiality and its limits" in page
    # Both attempts are kept.
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 2


def test_trainee_can_delete_a_draft(client, auth, db, people, scenario):
    auth.switch_to(people["trainee"])
    submission_id = start(client, scenario)
    response = client.post(f"/roleplays/attempts/{submission_id}/discard")
    assert response.status_code == 302
    assert db.session.get(Submission, submission_id) is None


def test_module_lock_applies_to_role_plays(client, auth, db, people):
    version = factories.make_course_version()
    first = factories.make_module(version, title="Foundations", position=1)
    second = factories.make_module(version, title="Confidentiality", position=2)
    factories.make_scenario(first)
    scenario = factories.make_scenario(second)
    factories.make_enrolment(people["trainee"], version)
    db.session.commit()
    auth.switch_to(people["trainee"])
    response = client.post(f"/roleplays/{scenario.id}/start", follow_redirects=True)
    assert "opens when you have passed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


# -- who may see the work ---------------------------------------------------------------------------


@pytest.fixture
def submitted(db, people, scenario):
    submission = factories.make_submission(people["trainee"], scenario, replies=list(GOOD_REPLIES))
    db.session.commit()
    return submission


@pytest.mark.parametrize(("who", "status"), [
    ("trainee", 200), ("supervisor", 200), ("admin", 200),
    ("other_supervisor", 403), ("outsider_supervisor", 403), ("org_admin", 403),
])
def test_who_may_open_a_submitted_transcript(client, auth, db, people, submitted, who, status):
    auth.switch_to(people[who])
    response = client.get(f"/roleplays/submissions/{submitted.id}")
    assert response.status_code == status
    viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.viewed")).all()
    if status == 200:
        assert str(escape(GOOD_REPLIES[1])) in response.get_data(as_text=True)
        assert [(e.actor_id, e.subject_id) for e in viewed] == [(people[who].id, str(submitted.id))]
    else:
        assert str(escape(GOOD_REPLIES[1])) not in response.get_data(as_text=True)
        assert viewed == []


def test_every_view_of_a_transcript_is_audited(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    client.get(f"/roleplays/submissions/{submitted.id}")
    client.get(f"/grading/submissions/{submitted.id}")
    pages = [e.details["page"] for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "roleplay.viewed").order_by(AuditEvent.id))]
    assert pages == ["submission", "grading"]


def test_trainee_sees_waiting_message_but_no_grades_of_other_kinds(client, auth, db, people, submitted):
    submitted.second_marker_id = people["supervisor"].id
    factories.make_grade(submitted, people["supervisor"], {"listening": 1, "validation": 1, "confidentiality": 1,
                                                           "language": 1}, kind="second")
    db.session.commit()
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)
    assert "Waiting for your supervisor" in page
    assert "Second marking" not in page and "All grades" not in page


def test_formative_feedback_payload_counts_against_the_course_targets(app, db):
    feedback = formative.formative_feedback(
        ["What brings you here today?", "", "It sounds like this has been weighing on you."],
        {"reflections_per_question": 1.0, "max_advice": 0},
    )
    assert feedback["replies"][1] is None
    assert feedback["totals"]["questions"] == 1 and feedback["totals"]["reflections"] == 1
    checks = {check["name"]: check for check in feedback["targets"]}
    assert checks["reflections_per_question"]["met"] and checks["max_advice"]["met"]


def test_grader_sees_the_analyzers_counts_beside_the_transcript(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading/submissions/{submitted.id}").get_data(as_text=True)
    assert "second opinion" in page and "not a grade" in page
    opinion = second_opinion.analyzer_second_opinion(submitted)
    assert opinion["replies"] == len([r for r in GOOD_REPLIES if r.strip()])
    assert opinion["questions"] + opinion["reflections"] > 0
    auth.switch_to(people["trainee"])
    assert "second opinion" not in client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)


def test_the_analyzer_reads_each_reply_against_the_scripted_persona_line(monkeypatch, scenario):
    seen = {}

    def fake(replies, targets, *, contexts=None, analyzer=None):
        seen["contexts"] = contexts
        return real(replies, targets, contexts=contexts)

    real = formative.analyze_transcript
    monkeypatch.setattr(formative, "analyze_transcript", fake)
    replies = ["What has this week been like?", "", "It sounds like it wore you down."]
    formative.formative_feedback(replies, {}, scenario.turns)
    lines = formative.persona_lines(scenario.turns)
    assert seen["contexts"] == [lines[0], lines[2] if len(lines) > 2 else None]
    assert formative.persona_lines([{"persona": ""}, "junk", {"hint": "x"}]) == [None, None, None]
