"""Practice exercises: the trainee's draft and submitted answer, the model answer only after submitting,
module progress, and the supervisor's review (their cohort, their organization only)."""

import pytest
import sqlalchemy as sa

from lms.extensions import db as _db
from lms.learning import catalog, completion, standing
from lms.learning import enrolment as enrolments
from lms.models import ExerciseResponse, ModuleCompletion, QuizAttempt, utcnow
from tests import factories
from tests.v2_course import MODEL_ANSWER, REASON, sync_ready_course

URL = "/courses/ready-course/modules/basics/exercises/rb-ex-reflect"


@pytest.fixture
def ready(db, people):
    version, scenario, exercise = sync_ready_course(people["trainee"])
    return {"version": version, "scenario": scenario, "exercise": exercise}


def submit(client, text="Since the job went, sleep has been hard."):
    return client.post(URL, data={"answer": text, "submit": "1"})


def test_the_trainee_sees_the_task_and_a_labelled_answer_box_but_not_the_model_answer(client, auth, people, ready):
    auth.switch_to(people["trainee"])
    page = client.get(URL).get_data(as_text=True)
    assert "Rewrite the peer" in page and "melatonin" in page  # prompt and material
    assert '<label class="label" for="answer">Your answer</label>' in page and "<textarea" in page
    assert MODEL_ANSWER not in page and REASON not in page


def test_a_saved_draft_keeps_the_model_answer_hidden(client, auth, db, people, ready):
    auth.switch_to(people["trainee"])
    response = client.post(URL, data={"answer": "A first try", "save": "1"})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(ExerciseResponse))
    assert saved.text == "A first try" and saved.submitted_at is None
    page = client.get(URL).get_data(as_text=True)
    assert "A first try" in page and MODEL_ANSWER not in page


def test_autosave_saves_the_draft_as_json(client, auth, db, people, ready):
    auth.switch_to(people["trainee"])
    response = client.post(URL + "/autosave", json={"answer": "typed so far"})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert db.session.scalar(sa.select(ExerciseResponse.text)) == "typed so far"
    assert client.post(URL + "/autosave", json={"answer": 3}).status_code == 400


def test_after_submitting_the_trainee_sees_the_model_answer_and_reasons(client, auth, db, people, ready):
    auth.switch_to(people["trainee"])
    assert submit(client).status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert MODEL_ANSWER in page and REASON in page
    assert "Since the job went, sleep has been hard." in page
    stored = db.session.scalar(sa.select(ExerciseResponse))
    assert stored.submitted_at is not None


def test_a_submitted_answer_is_final_and_an_empty_one_is_refused(client, auth, db, people, ready):
    auth.switch_to(people["trainee"])
    assert submit(client, "   ").status_code == 400
    assert db.session.scalar(sa.select(ExerciseResponse.submitted_at)) is None
    submit(client, "First answer")
    assert client.post(URL, data={"answer": "Changed", "submit": "1"}).status_code == 409
    assert client.post(URL + "/autosave", json={"answer": "Changed"}).status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(ExerciseResponse.text)) == "First answer"


def test_another_trainee_never_sees_someone_elses_answer(client, auth, db, people, ready):
    auth.switch_to(people["trainee"])
    submit(client, "My private words")
    other = factories.make_user(factories.Role.TRAINEE, org=people["org"])
    factories.make_enrolment(other, ready["version"])
    db.session.commit()
    auth.switch_to(other)
    page = client.get(URL).get_data(as_text=True)
    assert "My private words" not in page and MODEL_ANSWER not in page
    outsider = factories.make_user(factories.Role.TRAINEE, org=people["other_org"])
    db.session.commit()
    auth.switch_to(outsider)
    assert client.get(URL).status_code == 302  # not enrolled: sent to the course page
    assert client.post(URL, data={"answer": "x", "submit": "1"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ExerciseResponse.id))) == 1


def _everything_but_the_exercise(people, ready):
    enrolment = enrolments.find_enrolment(people["trainee"], ready["version"].course)
    module = ready["exercise"].module
    for lesson in module.lessons:
        completion.mark_lesson_read(enrolment, lesson)
    _db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=module.quiz.id, submitted_at=utcnow(), score=100,
                                passed=True))
    factories.make_submission(people["trainee"], ready["scenario"], state="passed", enrolment=enrolment)
    _db.session.commit()
    return enrolment, module


def completed(db, enrolment, module) -> bool:
    return db.session.scalar(sa.select(ModuleCompletion.id).where(
        ModuleCompletion.enrolment_id == enrolment.id, ModuleCompletion.module_id == module.id)) is not None


def test_the_module_is_complete_only_once_its_exercise_is_submitted(client, auth, db, people, ready):
    enrolment, module = _everything_but_the_exercise(people, ready)
    assert completion.refresh_module_progress(enrolment, module) is False
    progress = standing.course_progress(enrolment).for_module(module)
    assert progress.steps_total == 4 and progress.steps_done == 3
    auth.switch_to(people["trainee"])
    submit(client)
    assert completed(db, enrolment, module)


def test_a_required_review_holds_the_module_until_the_supervisor_reviews(client, auth, db, people, ready):
    ready["exercise"].review = "required"
    db.session.commit()
    enrolment, module = _everything_but_the_exercise(people, ready)
    auth.switch_to(people["trainee"])
    submit(client)
    assert not completed(db, enrolment, module)
    response = db.session.scalar(sa.select(ExerciseResponse))
    auth.switch_to(people["supervisor"])
    listing = client.get("/courses/reviews/exercises").get_data(as_text=True)
    assert f"/courses/reviews/exercises/{response.id}" in listing
    assert client.post(f"/courses/reviews/exercises/{response.id}", data={"comment": ""}).status_code == 400
    assert client.post(f"/courses/reviews/exercises/{response.id}",
                       data={"comment": "Good reflection; keep it shorter."}).status_code == 302
    assert completed(db, enrolment, module)
    auth.switch_to(people["trainee"])
    assert "Good reflection; keep it shorter." in client.get(URL).get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_supervisor", "outsider_supervisor", "trainee", "org_admin"])
def test_only_a_supervisor_of_the_trainees_cohort_can_review(client, auth, db, people, ready, who):
    auth.switch_to(people["trainee"])
    submit(client)
    response = db.session.scalar(sa.select(ExerciseResponse))
    auth.switch_to(people[who])
    assert client.get(f"/courses/reviews/exercises/{response.id}").status_code in (302, 403)
    assert client.post(f"/courses/reviews/exercises/{response.id}", data={"comment": "x"}).status_code in (302, 403)
    if who.endswith("supervisor"):
        assert f"/courses/reviews/exercises/{response.id}" not in client.get("/courses/reviews/exercises").get_data(
            as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(ExerciseResponse.reviewed_at)) is None


def test_a_supervisor_of_the_same_cohort_in_another_organization_is_refused(client, auth, db, people, ready):
    intruder = factories.make_user(factories.Role.SUPERVISOR, org=people["other_org"])
    people["cohort"].supervisors.append(intruder)
    db.session.commit()
    auth.switch_to(people["trainee"])
    submit(client)
    response = db.session.scalar(sa.select(ExerciseResponse))
    auth.switch_to(intruder)
    assert client.get(f"/courses/reviews/exercises/{response.id}").status_code == 403


def test_an_exercise_without_review_cannot_be_reviewed(client, auth, db, people, ready):
    ready["exercise"].review = "none"
    db.session.commit()
    auth.switch_to(people["trainee"])
    submit(client)
    response = db.session.scalar(sa.select(ExerciseResponse))
    auth.switch_to(people["supervisor"])
    assert client.post(f"/courses/reviews/exercises/{response.id}", data={"comment": "x"}).status_code == 409
    assert client.get("/courses/reviews/exercises/99999").status_code == 404


def test_the_course_page_shows_the_hour_breakdown_the_certificate_hours_come_from(client, auth, people, ready):
    auth.switch_to(people["trainee"])
    page = client.get("/courses/ready-course").get_data(as_text=True)
    assert "Where the hours come from" in page
    # reading 5 min, practice 15 + 30 + 6 = 51 min, live 30 min, exam 20 min; declared 1.75 hours
    rows = [("Self-paced reading (lessons)", "0.08"), ("Practice (exercises, role-plays, knowledge checks)", "0.85"),
            ("Live sessions delivered by the program", "0.5"), ("Final exam", "0.33"), ("Total", "1.76")]
    for label, value in rows:
        assert f'<th scope="row">{label}</th><td class="num">{value}</td>' in page
    assert "The certificate prints 1.75 hours of instruction" in page
    breakdown = catalog.hour_breakdown(ready["version"])
    assert abs(breakdown.total - breakdown.certified) <= 0.1 * breakdown.certified


def test_the_answer_is_in_the_privacy_export_and_erased_with_the_person(app, client, auth, db, people, ready):
    from lms.records import data_export, erasure

    auth.switch_to(people["trainee"])
    submit(client, "My own words about sleep")
    data = data_export.personal_data(people["trainee"])
    exported = data["enrolments"][0]["practice_exercises"]
    assert [(e["exercise"], e["answer"]) for e in exported] == [("Rewrite a reply as a reflection",
                                                                 "My own words about sleep")]
    erasure.erase_user(people["trainee"], actor=people["admin"], data_dir=app.config["DATA_DIR"],
                       keep_certificate_name=False)
    db.session.commit()
    stored = db.session.scalar(sa.select(ExerciseResponse))
    assert stored.text == "" and stored.submitted_at is not None


def test_sync_stores_the_exam_pool_the_exam_and_the_ethics_code(db, ready):
    from lms.models import ExamItem, Quiz

    version = ready["version"]
    items = db.session.scalars(sa.select(ExamItem).where(ExamItem.course_version_id == version.id)).all()
    assert sorted(item.item_id for item in items) == [f"rb-x{n}" for n in range(1, 7)]
    assert {item.competency for item in items} == {"engagement", "crisis"}
    quiz_ids = {q["id"] for q in db.session.scalar(sa.select(Quiz.questions))}
    assert not quiz_ids & {item.item_id for item in items}  # never shown in the knowledge check
    assert version.exam["blueprint"] == {"engagement": 2, "crisis": 2} and version.exam["pass_mark"] == 75
    assert version.ethics_code["title"] == "Code of ethics" and "<ol>" in version.ethics_code["html"]
    assert version.hour_breakdown == {"reading": 5, "practice": 51, "live": 30, "exam": 20}
