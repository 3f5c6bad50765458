"""Supervisors: the grading queue, the rubric decision, concurrent grading, corrections, live role-plays,
notifications and the per-role rules on grading pages."""

import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.models import AuditEvent, Grade, GradeKind, ModuleCompletion, Submission, SubmissionState, utcnow
from tests import factories

SECRECY = {"listening": 4, "validation": 4, "confidentiality": 1, "language": 4}
GOOD = {"listening": 3, "validation": 3, "confidentiality": 3, "language": 3}


def rubric_data(levels, **extra):
    data = {f"level_{cid}": str(level) for cid, level in levels.items()}
    data.update(extra)
    return data


@pytest.fixture
def scenario(db):
    scenario = factories.make_scenario()
    db.session.commit()
    return scenario


@pytest.fixture
def submitted(db, people, scenario):
    submission = factories.make_submission(people["trainee"], scenario)
    db.session.commit()
    return submission


def outbox(app):
    return app.extensions.setdefault("mail_outbox", [])


# -- who may grade ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [
    ("supervisor", 200), ("admin", 200), ("other_supervisor", 403), ("outsider_supervisor", 403),
    ("org_admin", 403), ("trainee", 403),
])
def test_who_may_open_the_grading_page(client, auth, people, submitted, who, status):
    auth.switch_to(people[who])
    assert client.get(f"/grading/submissions/{submitted.id}").status_code == status
    assert client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD)).status_code in (
        {status} if status == 403 else {302})


def test_supervisor_of_another_cohort_cannot_grade_or_correct(client, auth, db, people, submitted):
    auth.switch_to(people["other_supervisor"])
    assert client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD)).status_code == 403
    assert client.get(f"/grading/submissions/{submitted.id}/correct").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == 0


def test_a_draft_cannot_be_graded(client, auth, db, people, scenario):
    draft = factories.make_submission(people["trainee"], scenario, state="draft")
    db.session.commit()
    auth.switch_to(people["supervisor"])
    assert client.get(f"/grading/submissions/{draft.id}").status_code == 404


# -- the queue ---------------------------------------------------------------------------------------------------


def test_queue_lists_own_cohorts_oldest_first_with_waiting_time_and_counts(client, auth, db, people, scenario):
    newer = factories.make_user(org=people["org"], name="Newer Trainee")
    older = factories.make_user(org=people["org"], name="Older Trainee")
    stranger = factories.make_user(org=people["org"], name="Stranger Trainee")
    people["cohort"].trainees.extend([newer, older])
    factories.make_cohort(people["org"], supervisors=[people["other_supervisor"]], trainees=[stranger])
    now = utcnow()
    factories.make_submission(newer, scenario, submitted_at=now - timedelta(hours=3))
    factories.make_submission(older, scenario, submitted_at=now - timedelta(days=2))
    factories.make_submission(stranger, scenario, submitted_at=now - timedelta(days=5))
    graded = factories.make_submission(people["trainee"], scenario, state=SubmissionState.PASSED)
    factories.make_grade(graded, people["supervisor"], GOOD)
    db.session.commit()

    auth.switch_to(people["supervisor"])
    page = client.get("/grading").get_data(as_text=True)
    assert "Stranger Trainee" not in page
    assert page.index("Older Trainee") < page.index("Newer Trainee")
    assert "2 days" in page and "3 hours" in page
    assert '<span class="rp-stat">2</span> waiting for a grade' in page

    graded_page = client.get("/grading?status=graded").get_data(as_text=True)
    assert people["trainee"].name in graded_page and "Older Trainee" not in graded_page

    auth.switch_to(people["admin"])
    assert "Stranger Trainee" in client.get("/grading").get_data(as_text=True)


def test_queue_filters_by_course_and_scenario(client, auth, db, people, scenario):
    other = factories.make_scenario(title="A gift and a friend request")
    factories.make_submission(people["trainee"], scenario)
    factories.make_submission(people["trainee"], other)
    db.session.commit()
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading?scenario={other.id}").get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "A gift and a friend request" in rows and scenario.title not in rows
    rows = client.get(f"/grading?course={scenario.module.course_version.course_id}").get_data(
        as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    assert scenario.title in rows and "A gift and a friend request" not in rows


# -- grading -----------------------------------------------------------------------------------------------------


def test_grade_with_confidentiality_under_its_minimum_is_resubmit_whatever_the_total(
        app, client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    response = client.post(f"/grading/submissions/{submitted.id}",
                           data=rubric_data(SECRECY, comment_confidentiality="Promised secrecy.",
                                            feedback="Explain the limits first.", decision="pass", passed="y"))
    assert response.status_code == 302
    submission = db.session.get(Submission, submitted.id)
    grade = submission.grades[0]
    assert (grade.kind, grade.total, grade.passed) == (GradeKind.PRIMARY, 13, False)
    assert grade.released_at is not None and submission.graded_at is not None
    assert grade.comments == {"confidentiality": "Promised secrecy."}
    assert submission.state == SubmissionState.RESUBMIT
    mail = outbox(app)[-1]
    assert mail["To"] == people["trainee"].email and "resubmit" in mail.get_content()
    assert f"/roleplays/submissions/{submitted.id}" in mail.get_content()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.graded"))
    assert event.actor_id == people["supervisor"].id and event.details["decision"] == "resubmit"


def test_grade_that_passes_marks_the_module_passed(client, auth, db, people, submitted):
    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD))
    submission = db.session.get(Submission, submitted.id)
    assert submission.state == SubmissionState.PASSED
    completion = db.session.scalar(sa.select(ModuleCompletion).where(
        ModuleCompletion.enrolment_id == submission.enrolment_id))
    assert completion is not None and completion.module_id == submission.scenario.module_id


def test_missing_levels_are_explained_next_to_the_criterion_and_nothing_is_saved(client, auth, db, people,
                                                                               submitted):
    auth.switch_to(people["supervisor"])
    response = client.post(f"/grading/submissions/{submitted.id}",
                           data=rubric_data({"listening": 3, "validation": 3}))
    assert response.status_code == 400
    assert "Choose a level for this criterion." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == 0


def test_second_supervisor_saving_after_the_first_is_told_and_nothing_is_overwritten(
        client, auth, db, people, submitted):
    people["cohort"].supervisors.append(people["other_supervisor"])
    db.session.commit()
    # Both open the page before either saves.
    auth.switch_to(people["other_supervisor"])
    assert client.get(f"/grading/submissions/{submitted.id}").status_code == 200
    auth.switch_to(people["supervisor"])
    assert client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD)).status_code == 302
    auth.switch_to(people["other_supervisor"])
    response = client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(SECRECY))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"{people['supervisor'].name} graded this submission first; your grade was not saved." in page
    grades = db.session.scalars(sa.select(Grade)).all()
    assert [(g.grader_id, g.passed) for g in grades] == [(people["supervisor"].id, True)]
    assert db.session.get(Submission, submitted.id).state == SubmissionState.PASSED


def test_a_released_grade_is_final_and_a_correction_is_a_new_audited_grade(app, client, auth, db, people,
                                                                          submitted):
    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD))
    page = client.get(f"/grading/submissions/{submitted.id}").get_data(as_text=True)
    assert "Correct the grade" in page and 'name="level_listening"' not in page

    assert client.post(f"/grading/submissions/{submitted.id}/correct", data=rubric_data(SECRECY)).status_code == 400
    response = client.post(f"/grading/submissions/{submitted.id}/correct",
                           data=rubric_data(SECRECY, reason="Missed the secrecy promise in turn 1."))
    assert response.status_code == 302
    submission = db.session.get(Submission, submitted.id)
    primary, correction = submission.grades
    assert (primary.kind, primary.passed, primary.total) == (GradeKind.PRIMARY, True, 12)
    assert (correction.kind, correction.corrects_id, correction.passed) == (GradeKind.CORRECTION, primary.id, False)
    assert submission.state == SubmissionState.RESUBMIT
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "roleplay.grade_corrected"))
    assert event.details["reason"] == "Missed the secrecy promise in turn 1."
    assert event.details["before"]["passed"] is True and event.details["after"]["passed"] is False
    assert "corrected" in outbox(app)[-1]["Subject"]
    auth.switch_to(people["trainee"])
    page = client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)
    assert "Resubmit" in page and "This grade corrects an earlier one." in page


# -- second marking ----------------------------------------------------------------------------------------------


def test_second_marking_assigns_another_supervisor_of_the_same_cohort(app, client, auth, db, people, scenario):
    from lms.roleplay import attempts

    people["cohort"].supervisors.append(people["other_supervisor"])
    factories.make_enrolment(people["trainee"], scenario.module.course_version)
    db.session.commit()
    drafts = [factories.make_submission(people["trainee"], scenario, state="draft", replies=["a"] * 5)]
    assert attempts.submit_attempt(drafts[0], people["trainee"], share=1.0, rng=random.Random(1))
    assert drafts[0].second_marker_id in {people["supervisor"].id, people["other_supervisor"].id}

    never = factories.make_submission(people["trainee"], scenario, state="draft", replies=["a"] * 5)
    # (a second draft needs the first one submitted: it is, so the unique draft index allows it)
    assert attempts.submit_attempt(never, people["trainee"], share=0.0, rng=random.Random(1))
    assert never.second_marker_id is None


def test_no_second_marking_when_the_cohort_has_one_supervisor(db, people, scenario):
    from lms.roleplay import attempts

    draft = factories.make_submission(people["trainee"], scenario, state="draft", replies=["a"] * 5)
    assert attempts.submit_attempt(draft, people["trainee"], share=1.0, rng=random.Random(3))
    assert draft.second_marker_id is None


def test_submission_route_uses_the_configured_share_and_injected_random_source(app, client, auth, db, people,
                                                                               scenario):
    app.config["SECOND_MARKING_SHARE"] = 1.0
    app.extensions["roleplay_random"] = random.Random(7)
    people["cohort"].supervisors.append(people["other_supervisor"])
    draft = factories.make_submission(people["trainee"], scenario, state="draft", replies=["a reply"] * 5)
    db.session.commit()
    auth.switch_to(people["trainee"])
    client.post(f"/roleplays/attempts/{draft.id}/submit")
    assert db.session.get(Submission, draft.id).second_marker_id is not None


def test_blind_second_marker_does_not_see_the_first_grade_and_does_not_change_the_outcome(
        client, auth, db, people, submitted):
    people["cohort"].supervisors.append(people["other_supervisor"])
    submitted.second_marker_id = people["other_supervisor"].id
    db.session.commit()

    auth.switch_to(people["other_supervisor"])
    queue = client.get("/grading?status=second").get_data(as_text=True)
    assert "Second marking (blind)" in queue and people["trainee"].name in queue
    # Not in their own waiting list: someone else gives the grade that counts.
    assert people["trainee"].name not in client.get("/grading").get_data(as_text=True)
    # The second marker cannot give the grade that counts.
    assert client.get(f"/grading/submissions/{submitted.id}").status_code == 302

    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD, feedback="Solid work overall."))

    auth.switch_to(people["other_supervisor"])
    page = client.get(f"/grading/submissions/{submitted.id}/second").get_data(as_text=True)
    assert "Solid work overall." not in page and "blind" in page
    page = client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)
    assert "Solid work overall." not in page
    response = client.post(f"/grading/submissions/{submitted.id}/second", data=rubric_data(SECRECY))
    assert response.status_code == 302
    submission = db.session.get(Submission, submitted.id)
    assert submission.state == SubmissionState.PASSED  # the first grade stands
    second = next(g for g in submission.grades if g.kind == GradeKind.SECOND)
    assert second.released_at is None and second.passed is False
    # Saving twice is refused; the first second-marking stays.
    assert client.post(f"/grading/submissions/{submitted.id}/second", data=rubric_data(GOOD)).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Grade.id)).where(Grade.kind == GradeKind.SECOND)) == 1

    auth.switch_to(people["trainee"])
    assert "Second marking" not in client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)


def test_the_first_grades_outcome_stays_hidden_from_the_second_marker_until_they_save(
        client, auth, db, people, submitted):
    people["cohort"].supervisors.append(people["other_supervisor"])
    submitted.second_marker_id = people["other_supervisor"].id
    db.session.commit()
    auth.switch_to(people["supervisor"])
    client.post(f"/grading/submissions/{submitted.id}", data=rubric_data(GOOD, feedback="Solid work overall."))
    assert db.session.get(Submission, submitted.id).state == SubmissionState.PASSED

    def outcome_shown(page: str) -> bool:  # the grade's badge (formative "Met" badges are not the grade)
        return re.search(r'badge-(passed|resubmit)">(Pass|Passed|Resubmit)<', page) is not None

    auth.switch_to(people["other_supervisor"])
    submission_page = client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True)
    assert not outcome_shown(submission_page) and "badge-second" in submission_page
    for status in ("second", "all", "graded"):
        queue = client.get(f"/grading?status={status}").get_data(as_text=True)
        assert not outcome_shown(queue), status
    assert people["trainee"].name not in client.get("/grading?status=graded").get_data(as_text=True)
    assert "badge-second" in client.get("/grading?status=all").get_data(as_text=True)

    auth.switch_to(people["supervisor"])  # the first marker sees their outcome
    assert outcome_shown(client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True))

    auth.switch_to(people["other_supervisor"])
    client.post(f"/grading/submissions/{submitted.id}/second", data=rubric_data(SECRECY))
    assert outcome_shown(client.get(f"/roleplays/submissions/{submitted.id}").get_data(as_text=True))
    assert outcome_shown(client.get("/grading?status=graded").get_data(as_text=True))


def test_only_the_assigned_second_marker_may_second_mark(client, auth, people, submitted):
    auth.switch_to(people["supervisor"])
    assert client.get(f"/grading/submissions/{submitted.id}/second").status_code == 403


# -- calibration -------------------------------------------------------------------------------------------------


def test_calibration_sample_graded_blind_then_compared_with_the_reference(client, auth, db, people, submitted):
    factories.make_grade(submitted, people["supervisor"], GOOD)
    submitted.state = SubmissionState.PASSED
    db.session.commit()

    auth.switch_to(people["supervisor"])
    assert client.post(f"/grading/submissions/{submitted.id}/calibration", data={"value": "1"}).status_code == 403
    auth.switch_to(people["admin"])
    client.post(f"/grading/submissions/{submitted.id}/calibration", data={"value": "1"})
    assert db.session.get(Submission, submitted.id).is_calibration

    # A supervisor of the same organization, not of the trainee's cohort, may grade the sample blind.
    auth.switch_to(people["other_supervisor"])
    listing = client.get("/grading/calibration").get_data(as_text=True)
    assert f"Sample {submitted.id}" in listing and people["trainee"].name not in listing
    page = client.get(f"/grading/calibration/{submitted.id}").get_data(as_text=True)
    assert people["trainee"].name not in page and 'name="level_listening"' in page
    response = client.post(f"/grading/calibration/{submitted.id}",
                           data=rubric_data({"listening": 4, "validation": 3, "confidentiality": 2, "language": 3}))
    assert response.status_code == 302
    page = client.get(f"/grading/calibration/{submitted.id}").get_data(as_text=True)
    assert "+1" in page and "-1" in page
    assert db.session.get(Submission, submitted.id).state == SubmissionState.PASSED
    assert "1.0" in client.get("/grading/calibration").get_data(as_text=True)

    # The reference author does not grade their own sample; another organization cannot see it.
    auth.switch_to(people["supervisor"])
    assert f"Sample {submitted.id}" not in client.get("/grading/calibration").get_data(as_text=True)
    auth.switch_to(people["outsider_supervisor"])
    assert client.get(f"/grading/calibration/{submitted.id}").status_code == 403


def test_an_ungraded_submission_cannot_be_a_calibration_sample(client, auth, db, people, submitted):
    auth.switch_to(people["admin"])
    response = client.post(f"/grading/submissions/{submitted.id}/calibration", data={"value": "1"},
                           follow_redirects=True)
    assert "Only a graded submission" in response.get_data(as_text=True)
    assert not db.session.get(Submission, submitted.id).is_calibration


# -- live role-plays ---------------------------------------------------------------------------------------------


def test_supervisor_scores_a_live_role_play_of_their_trainee(app, client, auth, db, people, scenario):
    factories.make_enrolment(people["trainee"], scenario.module.course_version)
    db.session.commit()
    auth.switch_to(people["supervisor"])
    page = client.get(f"/grading/live?trainee={people['trainee'].id}&scenario={scenario.id}").get_data(as_text=True)
    assert 'name="level_confidentiality"' in page
    response = client.post("/grading/live", data=rubric_data(SECRECY, trainee=people["trainee"].id,
                                                             scenario=scenario.id, feedback="Observed in class."))
    assert response.status_code == 302
    submission = db.session.scalar(sa.select(Submission))
    assert (submission.kind, submission.state) == ("live", SubmissionState.RESUBMIT)
    assert submission.grades[0].grader_id == people["supervisor"].id
    assert outbox(app)[-1]["To"] == people["trainee"].email


def test_live_role_play_of_a_trainee_of_another_cohort_is_refused(client, auth, db, people, scenario):
    stranger = factories.make_user(org=people["org"])
    factories.make_enrolment(stranger, scenario.module.course_version)
    db.session.commit()
    auth.switch_to(people["supervisor"])
    assert stranger.name not in client.get("/grading/live").get_data(as_text=True)
    response = client.post("/grading/live", data=rubric_data(GOOD, trainee=stranger.id, scenario=scenario.id))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


# -- reminders ---------------------------------------------------------------------------------------------------


def test_notify_waiting_emails_each_supervisor_with_waiting_items_once_a_day(app, runner, db, people, submitted):
    result = runner.invoke(args=["roleplay", "notify-waiting"])
    assert result.exit_code == 0, result.output
    mails = [m for m in outbox(app) if m["To"] == people["supervisor"].email]
    assert len(mails) == 1 and "1 waiting for a grade" in mails[0].get_content()
    assert "/grading" in mails[0].get_content()
    assert not [m for m in outbox(app) if m["To"] == people["other_supervisor"].email]
    assert "Reminded 1 supervisor" in result.output
    runner.invoke(args=["roleplay", "notify-waiting"])
    assert len([m for m in outbox(app) if m["To"] == people["supervisor"].email]) == 1
    runner.invoke(args=["roleplay", "notify-waiting", "--force"])
    assert len([m for m in outbox(app) if m["To"] == people["supervisor"].email]) == 2
