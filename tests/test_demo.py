"""The demo tells one consistent story: what the progress grid says passed has the knowledge checks and
graded role-plays behind it, the agreement page has pairs, and every review state is shown."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import url_for

from lms.certificates.records import latest_certificate
from lms.demo import SEEDERS, seed_certification_steps, seed_demo
from lms.demo import _world as demo_world
from lms.errors import CoursesMissing
from lms.exams import attempts as exam_attempts
from lms.learning.demo import live_version
from lms.live.services import attendance_gaps
from lms.models import (
    Attendance,
    Cohort,
    ContinuingEducation,
    Course,
    Enrolment,
    EthicsSignature,
    ExamAccommodation,
    ExamAttempt,
    ExamSitting,
    Grade,
    GradeKind,
    LiveMakeUp,
    LiveSession,
    Module,
    ModuleCompletion,
    QuizAttempt,
    Submission,
    SubmissionState,
    SupervisedHours,
    User,
    utcnow,
)
from lms.orgs.dashboards import build_dashboard
from lms.requirements import requirements_for, unmet_requirements
from lms.roleplay.agreement_report import agreement_report
from lms.roleplay.calibration import calibration_samples
from lms.roleplay.queue import queue_counts
from lms.roleplay.submissions import attempts_for, effective_grade
from tests import factories
from tests.conftest import FreshContextClient

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads

SCENARIO_CHARACTERS = {"Jordan", "Dana", "Priya", "Sam", "Lee", "Jamie", "Noor", "Lena"}


@pytest.fixture
def demo(db, courses, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    logins = seed_demo()
    db.session.commit()
    return logins


def _user(db, email) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _spring(db) -> Cohort:
    return db.session.scalar(sa.select(Cohort).where(Cohort.name == "Spring 2026"))


def test_the_demo_refuses_without_courses_and_says_to_run_setup(db, runner):
    with pytest.raises(CoursesMissing, match="flask --app lms setup"):
        seed_demo()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "flask --app lms setup" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_the_demo_loads_once_with_courses_and_prints_every_login(demo, db, runner):
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    submissions = db.session.scalar(sa.select(sa.func.count(Submission.id)))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in ("admin@example.org", "elena@example.org", "tomas@example.org", "avery@example.org"):
        assert email in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == submissions


def check_every_passed_module_has_its_reads_checks_and_graded_role_plays(demo, db, courses):
    version = courses["peer-specialist-core"]
    completions = db.session.scalars(sa.select(ModuleCompletion)).all()
    assert completions
    for completion in completions:
        module = db.session.get(Module, completion.module_id)
        enrolment = db.session.get(Enrolment, completion.enrolment_id)
        if module.quiz is not None:
            assert db.session.scalar(sa.select(QuizAttempt.id).where(
                QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == module.quiz.id,
                QuizAttempt.passed.is_(True)).limit(1)), module.slug
        for scenario in module.scenarios:
            passed = [s for s in attempts_for(enrolment.user_id, scenario.id)
                      if s.state == SubmissionState.PASSED]
            assert passed and effective_grade(passed[0]).passed, (enrolment.user.email, scenario.slug)
    certified = [e for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.completed_at.is_not(None)))]
    assert len(certified) == 3
    for enrolment in certified:
        assert len([c for c in completions if c.enrolment_id == enrolment.id]) == len(version.modules) == 15


def check_the_dashboard_rates_match_the_progress_grid(demo, db, courses):
    dashboard = build_dashboard(_spring(db), course_id=courses["peer-specialist-core"].course_id)
    assert dashboard.completed == 3 and dashboard.certificates == 3
    charts = {chart.id: chart for chart in dashboard.charts}
    pass_rates = charts["chart-pass-rate"] if "chart-pass-rate" in charts else next(
        c for c in dashboard.charts if "knowledge" in c.title.lower())
    # Every module with a knowledge check has a pass rate: three trainees passed them all.
    assert all(row[1] not in ("", "–", "—") for row in pass_rates.rows), pass_rates.rows
    rubric = next(c for c in dashboard.charts if c.id == "chart-rubric")
    means = [float(row[1]) for row in rubric.rows if row[1] not in ("", "–", "—")]
    assert means and min(means) >= 2 and max(means) >= 3, means  # passes at 3-4, a few resubmissions
    turnaround = next(c for c in dashboard.charts if c.id == "chart-turnaround")
    hours = [float(row[1]) for row in turnaround.rows if row[1] not in ("", "–", "—")]
    assert hours and max(hours) > 1, hours
    assert [row.name for row in dashboard.stuck] == ["Tomás Reyes"]


def check_the_agreement_page_has_pairs_and_flags_a_criterion(demo, db, client):
    admin = _user(db, "admin@example.org")
    report = agreement_report(admin)
    assert report.pairs > 20 and len(report.by_pair) >= 1
    kinds = {grade.kind for grade in db.session.scalars(sa.select(Grade))}
    assert {GradeKind.SECOND, GradeKind.CALIBRATION} <= kinds
    readings = [(row.key, row.n, row.kappa, row.flagged) for row in report.by_criterion]
    assert any(row.flagged for row in report.by_criterion), readings
    assert not all(row.flagged for row in report.by_criterion), readings
    client.post("/auth/login", data={"email": "admin@example.org", "password": "peer-support-demo"})
    page = client.get("/grading/agreement")
    assert page.status_code == 200


def check_calibration_samples_are_graded_by_the_supervisors(demo, db):
    supervisor = _user(db, "supervisor2@example.org")
    samples = calibration_samples(supervisor)
    assert samples and any(sample.own_grade is not None for sample in samples)


def check_hours_and_continuing_education_come_in_every_state(demo, db):
    assert set(db.session.scalars(sa.select(SupervisedHours.state).distinct())) == {"pending", "approved",
                                                                                    "returned"}
    assert set(db.session.scalars(sa.select(ContinuingEducation.state).where(
        ContinuingEducation.source == "outside").distinct())) == {"pending", "approved", "returned"}


def check_grading_queues_have_work_and_a_blind_second_mark_waits(demo, db):
    robin, alex = _user(db, "supervisor@example.org"), _user(db, "supervisor2@example.org")
    assert queue_counts(robin)["waiting"] >= 1
    assert queue_counts(alex)["waiting"] >= 1
    assert db.session.scalar(sa.select(sa.func.count(Submission.id)).where(
        Submission.state == SubmissionState.SUBMITTED, Submission.second_marker_id == alex.id)) == 1


def check_no_demo_person_shares_a_name_with_a_scenario_character(demo, db):
    first_names = {name.split()[0] for name in db.session.scalars(sa.select(User.name))}
    assert not first_names & SCENARIO_CHARACTERS


def test_seeders_are_a_list_features_extend():
    assert all(callable(seeder) for seeder in SEEDERS) and len(SEEDERS) >= 4


def check_each_demo_role_sees_its_pages(demo, db, app):
    app.test_client_class = FreshContextClient
    spring = _spring(db).id
    pages = {"supervisor@example.org": [("main.dashboard", {}), ("roleplay.queue", {}), ("roleplay.agreement", {}),
                                        ("roleplay.calibration", {}), ("orgs.dashboard", {"cohort_id": spring})],
             "coordinator@example.org": [("orgs.cohorts", {}), ("orgs.dashboard", {"cohort_id": spring})],
             "trainee@example.org": [("main.dashboard", {}), ("records.mine", {}), ("practice.mine", {})],
             "avery@example.org": [("certificates.mine", {})]}
    for email, endpoints in pages.items():
        client = app.test_client()
        client.post("/auth/login", data={"email": email, "password": "peer-support-demo"})
        for endpoint, values in endpoints:
            with app.test_request_context():
                url = url_for(endpoint, **values)
            assert client.get(url).status_code == 200, (email, url)


def test_the_demo_story_is_consistent(demo, db, courses, client, app):
    """One demo (it takes seconds to build), every promise checked on it."""
    check_every_passed_module_has_its_reads_checks_and_graded_role_plays(demo, db, courses)
    check_the_dashboard_rates_match_the_progress_grid(demo, db, courses)
    check_calibration_samples_are_graded_by_the_supervisors(demo, db)
    check_hours_and_continuing_education_come_in_every_state(demo, db)
    check_grading_queues_have_work_and_a_blind_second_mark_waits(demo, db)
    check_no_demo_person_shares_a_name_with_a_scenario_character(demo, db)
    check_the_agreement_page_has_pairs_and_flags_a_criterion(demo, db, client)
    check_each_demo_role_sees_its_pages(demo, db, app)


# --- the certification steps (issue 15): the certified holders meet every requirement, the others part-way ---

CERTIFIED = ("avery@example.org", "kai@example.org", "drew@example.org")
CERTIFICATION_ROWS = (ExamSitting, ExamAttempt, ExamAccommodation, LiveSession, Attendance, LiveMakeUp,
                      EthicsSignature)


def _core_enrolment(db, email) -> Enrolment:
    return db.session.scalar(sa.select(Enrolment).join(Course).where(
        Enrolment.user_id == _user(db, email).id, Course.slug == "peer-specialist-core"))


def check_every_certified_holder_meets_every_requirement_before_the_certificate(db):
    for email in CERTIFIED:
        enrolment = _core_enrolment(db, email)
        assert unmet_requirements(enrolment) == [], email
        assert {r.key for r in requirements_for(enrolment)} >= {"modules", "exam", "live-hours", "ethics-code"}
        issued = datetime.combine(latest_certificate(enrolment.user_id, enrolment.course_id).issued_on,
                                  datetime.min.time(), tzinfo=UTC)
        passed = [a for a in exam_attempts.attempts_of(enrolment) if a.passed]
        assert passed and passed[0].sitting.proctored and _aware(passed[0].submitted_at) < issued, email
        signature = db.session.scalar(sa.select(EthicsSignature).where(EthicsSignature.user_id == enrolment.user_id))
        assert _aware(signature.signed_at) < issued, email
        make_ups = db.session.scalars(sa.select(LiveMakeUp).where(LiveMakeUp.user_id == enrolment.user_id)).all()
        assert make_ups and all(_aware(m.created_at) < issued for m in make_ups), email


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_trainees_part_way_show_partial_requirements(db):
    taylor = {r.key: r for r in requirements_for(_core_enrolment(db, "trainee@example.org"))}
    assert not taylor["modules"].met and not taylor["exam"].met and not taylor["ethics-code"].met
    assert 0 < taylor["live-hours"].earned_minutes < 640
    elena = {r.key: r for r in requirements_for(_core_enrolment(db, "elena@example.org"))}
    assert elena["ethics-code"].met and not elena["live-hours"].met
    accommodation = db.session.scalar(sa.select(ExamAccommodation).where(
        ExamAccommodation.enrolment_id == _core_enrolment(db, "elena@example.org").id))
    assert accommodation.time_multiplier == Decimal("1.5") and accommodation.reason


def check_attendance_gaps_and_a_session_coming_for_each_cohort(db, app):
    spring = _spring(db)
    gaps = {gap.trainee.email: gap for gap in attendance_gaps(spring)}
    assert set(gaps) == {"trainee@example.org", "tomas@example.org"}
    assert [m.status for m in gaps["tomas@example.org"].missed] == ["absent", "absent"]
    assert [m.status for m in gaps["trainee@example.org"].missed] == ["late"]
    now = utcnow()
    for cohort in db.session.scalars(sa.select(Cohort)):
        starts = [_aware(s.starts_at) for s in db.session.scalars(
            sa.select(LiveSession).where(LiveSession.cohort_id == cohort.id))]
        assert any(start > now for start in starts), cohort.name
    app.test_client_class = FreshContextClient
    supervisor = app.test_client()
    supervisor.post("/auth/login", data={"email": "supervisor@example.org", "password": "peer-support-demo"})
    with app.test_request_context():
        dashboard_url, live_url = url_for("orgs.dashboard", cohort_id=spring.id), url_for("live.mine")
    page = supervisor.get(dashboard_url).get_data(as_text=True)
    gaps_section = page.split('id="gaps-heading"', 1)[1].split("</section>", 1)[0]
    assert "Tomás Reyes" in gaps_section and "Taylor Trainee" in gaps_section
    trainee = app.test_client()
    trainee.post("/auth/login", data={"email": "trainee@example.org", "password": "peer-support-demo"})
    live_page = trainee.get(live_url).get_data(as_text=True)
    assert "Active listening practice in pairs" in live_page and "Confidentiality and its limits" in live_page


def check_a_sitting_is_open_now_for_spring_and_the_course_page_leads_to_it(db, app):
    now = utcnow()
    sitting = db.session.scalar(sa.select(ExamSitting).where(
        ExamSitting.cohort_id == _spring(db).id, ExamSitting.proctored.is_(False)))
    assert _aware(sitting.opens_at) <= now < _aware(sitting.closes_at) <= now + timedelta(days=15)
    app.test_client_class = FreshContextClient
    client = app.test_client()
    client.post("/auth/login", data={"email": "trainee@example.org", "password": "peer-support-demo"})
    with app.test_request_context():
        course_url = url_for("learning.course", course_slug="peer-specialist-core")
        overview_url = url_for("exams.overview", course_slug="peer-specialist-core")
        start_url = url_for("exams.start", course_slug="peer-specialist-core")
    assert overview_url in client.get(course_url).get_data(as_text=True)
    overview = client.get(overview_url).get_data(as_text=True)
    assert "A sitting is open until" in overview and f'action="{start_url}"' in overview


def check_the_requirements_pages_say_met_for_a_holder_and_part_way_for_a_trainee(app):
    app.test_client_class = FreshContextClient
    with app.test_request_context():
        url = url_for("requirements.mine", course_slug="peer-specialist-core")
    pages = {}
    for email in ("avery@example.org", "trainee@example.org"):
        client = app.test_client()
        client.post("/auth/login", data={"email": email, "password": "peer-support-demo"})
        response = client.get(url)
        assert response.status_code == 200, email
        pages[email] = response.get_data(as_text=True)
    assert "Every requirement is met." in pages["avery@example.org"]
    assert "requirements are not met yet." in pages["trainee@example.org"]


def test_the_demo_certification_steps_are_consistent(demo, db, app):
    check_every_certified_holder_meets_every_requirement_before_the_certificate(db)
    check_trainees_part_way_show_partial_requirements(db)
    check_attendance_gaps_and_a_session_coming_for_each_cohort(db, app)
    check_a_sitting_is_open_now_for_spring_and_the_course_page_leads_to_it(db, app)
    check_the_requirements_pages_say_met_for_a_holder_and_part_way_for_a_trainee(app)


def test_the_certification_seeders_run_again_add_nothing(demo, db):
    def counts():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in CERTIFICATION_ROWS}

    before = counts()
    assert all(before.values()), before
    seed_demo()  # the whole demo a second time: it sees the people and adds nothing
    # each feature's seeder on its own: idempotent too
    seed_certification_steps(demo_world(live_version("peer-specialist-core")))
    db.session.commit()
    assert counts() == before
