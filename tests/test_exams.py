"""The summative exam through its routes: sittings, taking it, autosave, the deadline, the result, waits."""

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from lms.exams import attempts
from lms.models import AuditEvent, ExamAnswer, ExamAttempt, ExamItem, ExamSitting, utcnow
from tests.exam_helpers import COURSE, correct_places, expire, finish, open_sitting, start

pytest_plugins = ["tests.exam_fixtures"]  # the fixtures ready_exam, enrolment, sitting

CSRF_META = re.compile(rb'<meta name="csrf-token" content="[^"]*">')


def attempt_url(attempt) -> str:
    return f"{COURSE}/attempts/{attempt.id}"


def only_attempt(db) -> ExamAttempt:
    return db.session.scalars(sa.select(ExamAttempt)).one()


# --- sittings and starting ------------------------------------------------------------------------------

def test_outside_a_sitting_the_exam_cannot_start(client, auth, people, enrolment):
    auth.login(people["trainee"])
    page = client.get(COURSE).get_data(as_text=True)
    assert "none is open for your cohort now" in page and f"{COURSE}/start" not in page
    response = client.post(f"{COURSE}/start", follow_redirects=True)
    assert "The exam can be started only during a sitting" in response.get_data(as_text=True)
    assert attempts.open_attempt(enrolment) is None


def test_an_upcoming_sitting_says_when_it_opens(client, auth, people, enrolment, ready_exam):
    open_sitting(people, ready_exam, starts_in=48)
    auth.login(people["trainee"])
    assert "The next sitting for your cohort opens on" in client.get(COURSE).get_data(as_text=True)


def test_a_sitting_for_another_cohort_does_not_open_the_exam(db, client, auth, people, enrolment, ready_exam):
    from tests import factories

    other = factories.make_cohort(people["org"], supervisors=[people["other_supervisor"]])
    db.session.commit()
    people_other = {**people, "cohort": other}
    open_sitting(people_other, ready_exam)
    auth.login(people["trainee"])
    client.post(f"{COURSE}/start")
    assert attempts.open_attempt(enrolment) is None


def test_starting_draws_a_form_from_the_blueprint_and_a_double_click_gets_the_same_attempt(
        db, client, auth, people, enrolment, sitting):
    auth.login(people["trainee"])
    first = client.post(f"{COURSE}/start")
    second = client.post(f"{COURSE}/start")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    attempt = only_attempt(db)
    competencies = sorted(a.exam_item.competency for a in attempt.answers)
    assert competencies == ["crisis", "crisis", "engagement", "engagement"]
    assert attempt.sitting_id == sitting.id and attempt.number == 1
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=20)
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert page.count('class="card question"') == 4
    assert 'data-remaining="1' in page and "Time left:" in page


def test_a_sitting_with_an_access_code_refuses_a_wrong_one(db, client, auth, people, enrolment, ready_exam):
    sitting = open_sitting(people, ready_exam, code="ROOM-12")
    assert "ROOM-12" not in (sitting.access_code_hash or "")
    auth.login(people["trainee"])
    assert 'name="access_code"' in client.get(COURSE).get_data(as_text=True)
    wrong = client.post(f"{COURSE}/start", data={"access_code": "ROOM-13"}, follow_redirects=True)
    assert "That access code is not right." in wrong.get_data(as_text=True)
    assert attempts.open_attempt(enrolment) is None
    assert client.post(f"{COURSE}/start", data={"access_code": "ROOM-12"}).status_code == 302
    assert attempts.open_attempt(enrolment) is not None


def test_wrong_access_codes_are_throttled_per_person(db, client, auth, people, enrolment, ready_exam):
    open_sitting(people, ready_exam, code="ROOM-12")
    auth.login(people["trainee"])
    for guess in range(5):
        assert client.post(f"{COURSE}/start", data={"access_code": f"ROOM-{guess}"}).status_code == 302
    refused = client.post(f"{COURSE}/start", data={"access_code": "ROOM-12"})
    assert refused.status_code == 429  # even the right code waits, so a guess that hits tells nothing
    assert attempts.open_attempt(enrolment) is None


def test_a_right_access_code_does_not_count_toward_the_throttle(db, client, auth, people, enrolment, ready_exam):
    open_sitting(people, ready_exam, code="ROOM-12")
    auth.login(people["trainee"])
    for guess in range(4):
        client.post(f"{COURSE}/start", data={"access_code": f"ROOM-{guess}"})
    assert client.post(f"{COURSE}/start", data={"access_code": "ROOM-12"}).status_code == 302
    assert attempts.open_attempt(enrolment) is not None


# --- saving answers -----------------------------------------------------------------------------------------

def test_autosave_stores_each_answer_as_option_ids(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    auth.login(people["trainee"])
    answer = attempt.answers[0]
    response = client.post(f"{attempt_url(attempt)}/answers", json={"position": answer.position, "choices": [1]})
    assert response.status_code == 200 and response.json["saved"] is True
    assert 0 < response.json["remaining_seconds"] <= 1200
    db.session.refresh(answer)
    assert answer.selected == [answer.option_order[1]] and answer.saved_at is not None
    page = client.get(attempt_url(attempt)).get_data(as_text=True)
    assert f'name="item-{answer.position}" value="1" checked' in page  # the page resumes with it


def test_autosave_refuses_what_does_not_fit(client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    auth.login(people["trainee"])
    url = f"{attempt_url(attempt)}/answers"
    single = next(a for a in attempt.answers if a.exam_item.question["type"] != "multiple")
    cases = [
        ({"position": 99, "choices": [0]}, "This question is not part of your exam."),
        ({"position": single.position, "choices": [7]}, "That option is not part of this question."),
        ({"position": single.position, "choices": [0, 1]}, "Only one answer can be chosen for this question."),
        ({"position": "1", "choices": [0]}, "Send the question's position"),
        ({"position": 1, "choices": [True]}, "Send the question's position"),
        ([1, 2], "Send the question's position"),
    ]
    for body, message in cases:
        response = client.post(url, json=body)
        assert response.status_code == 400 and message in response.json["message"], body
    response = client.post(url, data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_the_form_without_javascript_saves_and_submits(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    auth.login(people["trainee"])
    right = correct_places(attempt)
    data = {f"item-{p}": [str(x) for x in places] for p, places in right.items()}
    data["shown"] = [str(p) for p in right]
    saved = client.post(attempt_url(attempt), data={**data, "save": "Save my answers"}, follow_redirects=True)
    assert "Your answers are saved." in saved.get_data(as_text=True)
    assert only_attempt(db).submitted_at is None
    done = client.post(attempt_url(attempt), data={**data, "submit": "Submit the exam"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Score: 100%" in page and "Passed" in page and "4 of 4 questions answered correctly" in page
    attempt = only_attempt(db)
    assert attempt.passed and not attempt.auto_submitted and all(a.is_correct for a in attempt.answers)


def test_unchecking_every_box_without_javascript_clears_the_answer(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    attempts.save_answers(attempt, {1: [0]})
    db.session.commit()
    auth.login(people["trainee"])
    client.post(attempt_url(attempt), data={"shown": ["1"], "save": "Save my answers"})
    assert db.session.scalars(sa.select(ExamAnswer).where(ExamAnswer.position == 1)).one().selected == []


# --- the deadline -------------------------------------------------------------------------------------------

def test_after_the_deadline_the_page_shows_the_auto_submitted_result(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    right = correct_places(attempt)
    first = min(right)
    attempts.save_answers(attempt, {first: right[first]})  # one answer saved before time ran out
    db.session.commit()
    expire(attempt)
    auth.login(people["trainee"])
    waiting = client.get(attempt_url(attempt)).get_data(as_text=True)
    assert "Time is up" in waiting and "See my result" in waiting
    assert only_attempt(db).submitted_at is None  # a GET never writes: the button's POST hands it in
    page = client.post(f"{attempt_url(attempt)}/time-up", follow_redirects=True).get_data(as_text=True)
    assert "Time is up: your exam was submitted with the answers saved before the deadline." in page
    assert "Score: 25%" in page and "Not passed" in page and "submitted by itself at the deadline" in page
    assert "How you did in each competency" in page and "1 of 2" in page and "0 of 2" in page
    attempt = only_attempt(db)
    assert attempt.auto_submitted and attempt.submitted_at == attempt.deadline_at and attempt.score == 25


def test_a_save_after_the_deadline_submits_and_is_not_stored(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    expire(attempt)
    auth.login(people["trainee"])
    response = client.post(f"{attempt_url(attempt)}/answers", json={"position": 1, "choices": [0]})
    assert response.status_code == 409 and response.json["submitted"] is True
    assert response.json["result_url"] == attempt_url(attempt)
    attempt = only_attempt(db)
    assert attempt.auto_submitted and attempt.score == 0
    assert all(a.selected == [] for a in attempt.answers)
    late = client.post(attempt_url(attempt), data={"item-1": "0", "submit": "Submit the exam"}, follow_redirects=True)
    assert "already submitted" in late.get_data(as_text=True)


def test_the_overview_offers_the_result_of_an_expired_attempt_then_shows_the_wait(db, client, auth, people,
                                                                                   enrolment, sitting):
    attempt = start(enrolment)
    expire(attempt)
    auth.login(people["trainee"])
    page = client.get(COURSE).get_data(as_text=True)
    assert "Time is up" in page and "Time ran out" in page and f"{attempt_url(attempt)}/time-up" in page
    assert only_attempt(db).submitted_at is None
    client.post(f"{attempt_url(attempt)}/time-up")
    page = client.get(COURSE).get_data(as_text=True)
    assert "Your next attempt opens on" in page and "submitted when time ran out" in page


def test_the_time_up_post_before_the_deadline_changes_nothing(db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    auth.login(people["trainee"])
    assert client.post(f"{attempt_url(attempt)}/time-up").headers["Location"] == attempt_url(attempt)
    assert only_attempt(db).is_open


def test_the_worker_recovery_submits_attempts_whose_time_ran_out_with_the_tab_closed(db, enrolment, sitting):
    from lms import jobs

    attempt = start(enrolment)
    expire(attempt)
    assert jobs.run_recoveries(["expired exam attempts"]) == {"expired exam attempts": 1}
    attempt = only_attempt(db)
    assert attempt.auto_submitted and attempt.submitted_at == attempt.deadline_at
    assert jobs.run_recoveries(["expired exam attempts"]) == {"expired exam attempts": 0}


# --- attempts and waits -------------------------------------------------------------------------------------

def test_a_second_attempt_before_the_wait_is_refused_with_the_date_it_opens(db, client, auth, people, enrolment,
                                                                          sitting):
    finish(enrolment, right=False)
    auth.login(people["trainee"])
    response = client.post(f"{COURSE}/start", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your next attempt opens on" in page and "(24 hours after your last attempt)" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 1


def test_after_the_wait_the_next_attempt_starts_with_the_next_number(db, client, auth, people, enrolment, sitting):
    finish(enrolment, right=False, hours_ago=25)
    auth.login(people["trainee"])
    assert client.post(f"{COURSE}/start").status_code == 302
    assert attempts.open_attempt(enrolment).number == 2


def test_three_failed_attempts_use_up_the_exam_and_a_pass_ends_it(db, client, auth, people, enrolment, sitting):
    for hours in (100, 75, 50):
        finish(enrolment, right=False, hours_ago=hours)
    auth.login(people["trainee"])
    page = client.post(f"{COURSE}/start", follow_redirects=True).get_data(as_text=True)
    assert "You have used all 3 attempts at this exam." in page


def test_a_voided_attempt_does_not_count_toward_the_limit_or_the_wait(db, client, auth, people, enrolment, sitting):
    attempt = finish(enrolment, right=True)
    auth.login(people["supervisor"])
    response = client.post(f"/exams/attempts/{attempt.id}/void", data={"reason": "The video link failed twice."})
    assert response.status_code == 302
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "exam.attempt_voided")).one()
    assert event.details["reason"] == "The video link failed twice." and event.target_user_id == people["trainee"].id
    auth.switch_to(people["trainee"])
    assert client.post(f"{COURSE}/start").status_code == 302
    assert attempts.open_attempt(enrolment).number == 2
    page = client.get(attempt_url(attempt)).get_data(as_text=True)
    assert "Your supervisor voided this attempt" in page and "The video link failed twice." in page


def test_voiding_needs_a_reason_shown_next_to_the_field(db, client, auth, people, enrolment, sitting):
    attempt = finish(enrolment, right=True)
    auth.login(people["supervisor"])
    response = client.post(f"/exams/attempts/{attempt.id}/void", data={"reason": "  "})
    assert response.status_code == 400 and "Give the reason" in response.get_data(as_text=True)
    assert only_attempt(db).voided_at is None


# --- extra time ---------------------------------------------------------------------------------------------

def test_extra_time_applies_at_the_next_attempt_and_is_audited(db, client, auth, people, enrolment, sitting):
    auth.login(people["supervisor"])
    url = f"/exams/enrolments/{enrolment.id}/extra-time"
    refused = client.post(url, data={"time_multiplier": "0.5", "reason": "Dyslexia assessment"})
    assert refused.status_code == 400 and "between 1 (no extra time) and 4" in refused.get_data(as_text=True)
    missing = client.post(url, data={"time_multiplier": "1.5", "reason": ""})
    assert missing.status_code == 400 and "Give the reason" in missing.get_data(as_text=True)
    assert client.post(url, data={"time_multiplier": "1.5", "reason": "Dyslexia assessment"}).status_code == 302
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "exam.extra_time_granted")).one()
    assert event.details["time_multiplier"] == "1.50" and event.target_user_id == people["trainee"].id
    auth.switch_to(people["trainee"])
    assert "30 minutes: you have been granted 1.50 times the usual 20 minutes." in client.get(COURSE).get_data(
        as_text=True)
    client.post(f"{COURSE}/start")
    attempt = only_attempt(db)
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=30)
    assert attempt.time_multiplier == 1.5


# --- the answers never leave the server ---------------------------------------------------------------------

def _flip_every_correct_flag(db, version) -> None:
    for item in db.session.scalars(sa.select(ExamItem).where(ExamItem.course_version_id == version.id)):
        item.question = dict(item.question, options=[dict(o, correct=not o["correct"], feedback="changed")
                                                     for o in item.question["options"]])
    db.session.commit()


def test_the_exam_page_and_autosave_never_contain_a_correct_answer(db, client, auth, people, enrolment, sitting,
                                                                    ready_exam, monkeypatch):
    attempt = start(enrolment)
    frozen = utcnow()
    monkeypatch.setattr("lms.exams.views.utcnow", lambda: frozen)
    auth.login(people["trainee"])
    saved = client.post(f"{attempt_url(attempt)}/answers", json={"position": 1, "choices": [0]}).json
    first = CSRF_META.sub(b"", client.get(attempt_url(attempt)).data)
    text = first.decode()
    for answer in attempt.answers:
        for option in answer.exam_item.question["options"]:
            assert option["feedback"] not in text
    assert "correct" not in text.lower() and answer.exam_item.item_id not in text
    assert not re.search(r'value="(a|b|c|d|true|false)"', text)  # options travel by place, never by id
    _flip_every_correct_flag(db, ready_exam)
    assert CSRF_META.sub(b"", client.get(attempt_url(attempt)).data) == first
    again = client.post(f"{attempt_url(attempt)}/answers", json={"position": 1, "choices": [0]}).json
    assert {k: v for k, v in again.items() if k != "remaining_seconds"} == {
        k: v for k, v in saved.items() if k != "remaining_seconds"}
    assert "correct" not in json.dumps(again)


def test_the_result_page_shows_no_question_option_or_feedback(db, client, auth, people, enrolment, sitting,
                                                             ready_exam):
    attempt = finish(enrolment, right=False)
    auth.login(people["trainee"])
    page = client.get(attempt_url(attempt)).data
    for answer in attempt.answers:
        question = answer.exam_item.question
        assert question["prompt"].encode() not in page
        for option in question["options"]:
            assert option["feedback"].encode() not in page
            assert f">{option['text']}<".encode() not in page
    # Flipping every correct flag and feedback changes the score, nothing else: no item is on the page.
    before = CSRF_META.sub(b"", page).decode()
    _flip_every_correct_flag(db, ready_exam)
    after = CSRF_META.sub(b"", client.get(attempt_url(attempt)).data).decode()
    assert re.sub(r"\d+", "N", before) == re.sub(r"\d+", "N", after)


# --- the cohort's results -----------------------------------------------------------------------------------

def test_the_cohort_page_lists_sittings_and_results(db, client, auth, people, enrolment, sitting):
    finish(enrolment, right=True)
    auth.login(people["supervisor"])
    page = client.get(f"/exams/cohorts/{people['cohort'].id}").get_data(as_text=True)
    assert "A course that passes every check" in page and "Open" in page
    assert people["trainee"].name in page and "100%" in page and "Passed" in page
    assert "counts neither toward passing nor toward the attempt limit" in page


def test_the_cohort_page_shows_an_attempt_whose_time_ran_out_and_submits_it_on_request(
        db, client, auth, people, enrolment, sitting):
    attempt = start(enrolment)
    expire(attempt)
    auth.login(people["supervisor"])
    url = f"/exams/cohorts/{people['cohort'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Time ran out" in page and "Submit them now" in page and only_attempt(db).submitted_at is None
    page = client.post(f"{url}/time-ran-out", follow_redirects=True).get_data(as_text=True)
    assert "1 attempt was submitted" in page and "submitted when time ran out" in page
    assert only_attempt(db).auto_submitted


def test_a_supervisor_of_another_cohort_cannot_submit_its_timed_out_attempts(db, client, auth, people, enrolment,
                                                                             sitting):
    attempt = start(enrolment)
    expire(attempt)
    auth.login(people["outsider_supervisor"])
    assert client.post(f"/exams/cohorts/{people['cohort'].id}/time-ran-out").status_code == 403
    auth.switch_to(people["trainee"])
    assert client.post(f"/exams/cohorts/{people['cohort'].id}/time-ran-out").status_code == 403
    assert only_attempt(db).submitted_at is None


def test_opening_a_sitting_checks_its_fields_next_to_them(db, client, auth, people, ready_exam):
    auth.login(people["supervisor"])
    url = f"/exams/cohorts/{people['cohort'].id}/sittings"
    base = {"course_version": str(ready_exam.id), "opens_at": "2030-05-01T09:00", "closes_at": "2030-05-01T12:00"}
    cases = [
        ({**base, "closes_at": "2030-05-01T08:00"}, "The sitting must close after it opens."),
        ({**base, "opens_at": "not a date"}, "Not a valid datetime value."),
        ({**base, "proctored": "y"}, "Name the proctor of a proctored sitting."),
        ({**base, "course_version": "999999"}, "Not a valid choice."),
        ({**base, "closes_at": "2030-07-01T08:00"}, "A sitting lasts at most 31 days"),
        ({**base, "opens_at": "2020-01-01T09:00", "closes_at": "2020-01-01T10:00"}, "That time has already passed"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamSitting)) == 0
    done = client.post(url, data={**base, "proctored": "y", "proctor_name": "Pat Proctor", "access_code": "R-1"})
    assert done.status_code == 302
    sitting = db.session.scalars(sa.select(ExamSitting)).one()
    assert sitting.proctor_name == "Pat Proctor" and sitting.access_code_hash and "R-1" not in sitting.access_code_hash
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "exam.sitting_opened")).one()


def test_closing_a_sitting_stops_new_starts(db, client, auth, people, enrolment, sitting):
    auth.login(people["supervisor"])
    assert client.post(f"/exams/sittings/{sitting.id}/close").status_code == 302
    auth.switch_to(people["trainee"])
    client.post(f"{COURSE}/start")
    assert attempts.open_attempt(enrolment) is None
