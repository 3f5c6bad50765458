"""The xAPI statement builders (lms/xapi/statements.py), alone: plain values in, statements out."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lms.xapi import statements as xs

WHEN = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
COURSE = xs.Activity("https://lms.example.org/courses/core", "course", "Peer Specialist Core Training")
MODULE = xs.Activity("https://lms.example.org/courses/core/modules/listening", "module", "Listening")
ACTOR = xs.account_actor("https://lms.example.org", "4f1c0d2e9a")
ENVELOPE = xs.Envelope(actor=ACTOR, course=COURSE, parent=MODULE, timestamp=WHEN,
                       registration=xs.registration_for("https://lms.example.org/enrolments/7"))
QUIZ = xs.Activity("https://lms.example.org/courses/core/modules/listening/quiz", "assessment", "Listening: check")


def test_a_completed_lesson_names_the_lesson_the_module_and_the_course():
    lesson = xs.Activity("https://lms.example.org/courses/core/modules/listening/lessons/oars", "lesson", "OARS")
    statement = xs.lesson_completed("0b6f3b7e-5b1e-4a4f-9d63-2d1f2b9f0a11", ENVELOPE, lesson)
    assert statement["id"] == "0b6f3b7e-5b1e-4a4f-9d63-2d1f2b9f0a11"
    assert statement["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
    assert statement["object"] == {"objectType": "Activity", "id": lesson.id, "definition": {
        "type": "http://adlnet.gov/expapi/activities/lesson", "name": {"en-US": "OARS"}}}
    context = statement["context"]
    assert context["contextActivities"]["parent"][0]["id"] == MODULE.id
    assert context["contextActivities"]["grouping"][0]["id"] == COURSE.id
    assert context["registration"] == ENVELOPE.registration
    assert statement["timestamp"] == "2026-12-02T09:30:15.123Z"
    assert statement["result"] == {"completion": True}


def test_without_a_module_the_course_is_the_parent():
    envelope = xs.Envelope(actor=ACTOR, course=COURSE, timestamp=WHEN)
    statement = xs.certificate_issued("id-1", envelope, xs.Activity("https://lms.example.org/verify/PC-1", "badge",
                                                                    "Certificate PC-1"))
    assert statement["context"]["contextActivities"] == {"parent": [COURSE.as_object()]}
    assert "registration" not in statement["context"]
    assert statement["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert statement["object"]["definition"]["type"] == "http://id.tincanapi.com/activitytype/badge"


@pytest.mark.parametrize(("passed", "verb"), [(True, "passed"), (False, "failed")])
def test_an_assessment_outcome_carries_the_score_and_success(passed, verb):
    statement = xs.assessment_outcome("id-2", ENVELOPE, QUIZ, xs.Score(85, 0, 100), passed)
    assert statement["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"
    assert statement["result"] == {"score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
                                   "success": passed, "completion": True}


def test_an_attempt_has_the_score_but_no_verdict():
    statement = xs.assessment_attempted("id-3", ENVELOPE, QUIZ, xs.Score(40, 0, 100))
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attempted"
    assert "success" not in statement["result"]
    assert statement["result"]["score"]["scaled"] == 0.4


@pytest.mark.parametrize(("raw", "low", "high", "scaled"), [
    (12, 4, 16, 0.6667),  # a rubric of four criteria, levels 1 to 4
    (4, 4, 16, 0.0),
    (16, 4, 16, 1.0),
    (0, 0, 0, 0.0),  # nothing to score: no division by zero
])
def test_scaled_scores_run_from_the_minimum_to_the_maximum(raw, low, high, scaled):
    assert xs.Score(raw, low, high).as_result()["scaled"] == scaled


def test_a_graded_role_play_is_scored_and_a_correction_says_so():
    scenario = xs.Activity("https://lms.example.org/roleplays/3", "performance", "Can you promise?")
    first = xs.roleplay_graded("id-4", ENVELOPE, scenario, xs.Score(12, 4, 16), True)
    corrected = xs.roleplay_graded("id-5", ENVELOPE, scenario, xs.Score(9, 4, 16), False, correction=True)
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/scored"
    assert first["result"]["success"] is True and "extensions" not in first["result"]
    assert corrected["result"]["success"] is False
    assert corrected["result"]["extensions"] == {"https://peercert.org/xapi/extensions/correction": True}
    assert first["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/performance"


def test_a_submitted_role_play_uses_the_activity_streams_verb():
    scenario = xs.Activity("https://lms.example.org/roleplays/3", "performance", "Can you promise?")
    statement = xs.roleplay_submitted("id-6", ENVELOPE, scenario, attempt=2)
    assert statement["verb"] == {"id": "http://activitystrea.ms/schema/1.0/submit", "display": {"en-US": "submitted"}}


def test_attendance_reports_the_minutes_as_a_duration():
    session = xs.Activity("https://lms.example.org/live/sessions/5", "meeting", "Practice circle")
    statement = xs.session_attended("id-7", ENVELOPE, session, minutes=45)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert statement["result"]["duration"] == "PT45M"
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"


def test_a_revoked_certificate_is_lost_with_the_reason():
    certificate = xs.Activity("https://lms.example.org/verify/PC-1", "badge", "Certificate PC-1")
    statement = xs.certificate_revoked("id-8", ENVELOPE, certificate, reason="Issued in error.")
    assert statement["verb"]["id"] == "http://activitystrea.ms/schema/1.0/lose"
    assert statement["result"] == {"response": "Issued in error."}


def test_voiding_refers_to_the_voided_statement():
    statement = xs.voiding("id-9", ACTOR, "id-2", WHEN)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert statement["object"] == {"objectType": "StatementRef", "id": "id-2"}


def test_actors_are_accounts_unless_an_email_is_given():
    assert ACTOR == {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "4f1c0d2e9a"}}
    assert "mbox" not in ACTOR and "name" not in ACTOR
    assert xs.email_actor("ana@example.com", "Ana") == {"objectType": "Agent", "mbox": "mailto:ana@example.com",
                                                        "name": "Ana"}


def test_a_registration_is_stable_per_enrolment():
    first = xs.registration_for("https://lms.example.org/enrolments/7")
    assert first == xs.registration_for("https://lms.example.org/enrolments/7")
    assert first != xs.registration_for("https://lms.example.org/enrolments/8")
    assert len(first) == 36


def test_timestamps_are_utc_whatever_zone_they_come_in():
    eastern = WHEN.astimezone(timezone(timedelta(hours=-5)))
    assert xs.timestamp_text(eastern) == "2026-12-02T09:30:15.123Z"
    assert xs.timestamp_text(WHEN.replace(tzinfo=None)) == "2026-12-02T09:30:15.123Z"
