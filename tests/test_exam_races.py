"""What the database decides for the exam (races on PostgreSQL), and a results page whose query count does
not grow with the cohort."""

import pytest
import sqlalchemy as sa

from lms.exams import attempts
from lms.extensions import db as _db
from lms.models import ExamAttempt, Role
from tests import factories
from tests.concurrency import race_two_writers
from tests.conftest import is_postgres
from tests.exam_helpers import correct_places, finish, start
from tests.test_orgs_dashboard import StatementCounter

pytest_plugins = ["tests.exam_fixtures"]  # the fixtures ready_exam, enrolment, sitting

ON_POSTGRES = pytest.mark.skipif(not is_postgres(), reason="two overlapping transactions need PostgreSQL")


@ON_POSTGRES
def test_two_starts_at_the_same_time_open_one_attempt(app, db, enrolment, sitting):
    enrolment_id = enrolment.id

    def begin():
        from lms.models import Enrolment

        attempts.start_attempt(_db.session.get(Enrolment, enrolment_id))

    outcome = race_two_writers(app, begin, begin, refused=attempts.AlreadySubmitted)
    assert outcome.second_waited, "the second start never waited on the first: no overlap was tested"
    assert outcome.first_committed and outcome.second_committed
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 1


@ON_POSTGRES
def test_an_answer_saved_while_the_exam_is_submitted_waits_and_is_refused(app, db, enrolment, sitting):
    attempt = start(enrolment)
    attempt_id, wrong = attempt.id, correct_places(attempt, right=False)

    def submit():
        attempts.submit_attempt(_db.session.get(ExamAttempt, attempt_id))

    def save():
        attempts.save_answers(_db.session.get(ExamAttempt, attempt_id), wrong)

    outcome = race_two_writers(app, submit, save, refused=attempts.AlreadySubmitted)
    assert outcome.second_waited and outcome.first_committed
    assert outcome.second_refusal == "This attempt was already submitted; here is its result."
    db.session.expire_all()
    assert all(answer.selected == [] for answer in db.session.get(ExamAttempt, attempt_id).answers)


def _add_trainees(db, people, version, count: int) -> None:
    for _ in range(count):
        trainee = factories.make_user(Role.TRAINEE, org=people["org"])
        people["cohort"].trainees.append(trainee)
        enrolment = factories.make_enrolment(trainee, version)
        db.session.commit()
        finish(enrolment, right=True)


def test_the_cohort_results_page_runs_the_same_queries_for_3_and_12_trainees(app, db, client, auth, people,
                                                                             ready_exam, enrolment, sitting):
    finish(enrolment, right=False)
    _add_trainees(db, people, ready_exam, 2)
    auth.login(people["supervisor"])
    url = f"/exams/cohorts/{people['cohort'].id}"
    client.get(url)
    with StatementCounter(db.engine) as small:
        assert client.get(url).status_code == 200
    _add_trainees(db, people, ready_exam, 9)
    with StatementCounter(db.engine) as large:
        page = client.get(url).get_data(as_text=True)
    assert page.count("Passed") >= 11
    assert len(large.statements) == len(small.statements)
