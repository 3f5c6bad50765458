"""The exam as a certificate requirement, and the demo's passed exam."""

import sqlalchemy as sa

from lms import requirements
from lms.exams import staff
from lms.exams.requirements import exam_requirement
from lms.models import Cohort, ExamAttempt, ExamSitting, User
from tests import factories
from tests.exam_helpers import finish

pytest_plugins = ["tests.exam_fixtures"]  # the fixtures ready_exam, enrolment, sitting


def test_the_exam_provider_is_listed_once():
    import lms.exams  # noqa: F401 - importing it registers the provider

    assert requirements.PROVIDERS.count(exam_requirement) == 1


def test_a_course_without_an_exam_has_no_exam_requirement(db, people):
    version = factories.make_certifying_course()
    enrolment = factories.make_enrolment(people["trainee"], version)
    db.session.commit()
    assert exam_requirement(enrolment) is None


def test_the_requirement_is_unmet_until_a_pass_and_earns_the_exams_minutes(db, people, enrolment, sitting):
    requirement = exam_requirement(enrolment)
    assert (requirement.key, requirement.met, requirement.earned_minutes) == ("exam", False, 0)
    assert requirement.title == "Ready course exam" and "Not taken yet" in requirement.detail
    finish(enrolment, right=False, hours_ago=30)
    assert "1 of 3 attempts used" in exam_requirement(enrolment).detail
    passed = finish(enrolment, right=True)
    requirement = exam_requirement(enrolment)
    assert requirement.met and requirement.earned_minutes == 20 and requirement.detail == "Passed with 100%."
    staff.void_attempt(passed, "Irregularity reported by the proctor.", by=people["supervisor"])
    db.session.commit()
    assert not exam_requirement(enrolment).met  # a voided pass does not pass


def test_the_demo_gives_each_certified_holder_a_passed_proctored_exam_once(db, courses):
    from lms.demo import seed_demo as seed_everything
    from lms.exams.demo import seed_demo

    seed_everything()
    people = {user.email: user for user in db.session.scalars(sa.select(User))}
    cohorts = list(db.session.scalars(sa.select(Cohort).order_by(Cohort.id)))
    seed_demo(people, cohorts)
    db.session.commit()
    seed_demo(people, cohorts)
    db.session.commit()
    attempts = db.session.scalars(sa.select(ExamAttempt).order_by(ExamAttempt.id)).all()
    assert [a.enrolment.user.email for a in attempts] == ["avery@example.org", "kai@example.org", "drew@example.org"]
    for attempt in attempts:
        assert attempt.passed and attempt.score >= 75 and len(attempt.answers) == 60
        assert attempt.sitting.proctored and attempt.sitting.proctor_name == "Robin Supervisor"
        assert exam_requirement(attempt.enrolment).met
    assert len(db.session.scalars(sa.select(ExamSitting).where(ExamSitting.proctored.is_(False))).all()) == 1


def test_the_demo_waits_for_the_synced_course(db):
    from lms.exams.demo import seed_demo

    seed_demo({}, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 0
