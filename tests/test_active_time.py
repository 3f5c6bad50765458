"""Active time: the rules (pure), the reports the browser sends (services and route), the share rule."""

import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.content.loader import load_course
from lms.errors import InvalidInput, NotFound
from lms.learning import active_time, services
from lms.learning.requirements import modules_requirement
from lms.learning.sync import sync_course
from lms.models import ActiveTime, ActivityKind, Lesson, ModuleCompletion, Role, utcnow
from tests import factories
from tests.v2_course import READY, sync_ready_course

# --- the rules, pure -----------------------------------------------------------------------------

def test_the_cap_is_twice_the_declared_minutes():
    assert active_time.cap_seconds(5) == 600
    assert active_time.cap_seconds(0) == 0


@pytest.mark.parametrize(("reported", "elapsed", "recorded", "cap", "credited"), [
    (30, 31.5, 0, 600, 30),  # an honest report
    (1000, 10, 0, 600, 10),  # never more than the clock ran since the last report
    (30, 3600, 0, 600, 30),  # a long pause counts only what the browser counted
    (500, 3600, 0, 600, active_time.BEACON_MAX_SECONDS),  # a report makes up for a lost one or two, no more
    (30, 40, 590, 600, 10),  # stops at the cap
    (30, 40, 600, 600, 0),
    (0, 40, 0, 600, 0),
    (30, -5, 0, 600, 0),  # a clock that went back adds nothing
])
def test_a_report_is_credited_within_the_clock_and_the_cap(reported, elapsed, recorded, cap, credited):
    assert active_time.credited_seconds(reported=reported, elapsed=elapsed, recorded=recorded, cap=cap) == credited


def test_the_share_rule():
    assert active_time.share_met(0, 60, None)  # off by default
    assert not active_time.share_met(29 * 60, 60, 0.5)
    assert active_time.share_met(30 * 60, 60, 0.5)
    assert active_time.share_met(0, 0, 0.5)  # nothing declared, nothing to reach
    assert active_time.minutes_missing(29 * 60 + 30, 60, 0.5) == 1
    assert active_time.minutes_missing(30 * 60, 60, 0.5) == 0


@pytest.mark.parametrize("payload", [
    [], "x", {"kind": "video", "id": 1, "seconds": 1}, {"kind": "lesson", "id": "1", "seconds": 1},
    {"kind": "lesson", "id": 1, "seconds": -1}, {"kind": "lesson", "id": 1, "seconds": True},
    {"kind": "lesson", "id": 2**40, "seconds": 1}, {"kind": "lesson", "seconds": 1},
])
def test_a_malformed_report_is_refused(payload):
    with pytest.raises(InvalidInput):
        active_time.parse_report(payload)


# --- reports, through the services -----------------------------------------------------------------

def lesson_of(version) -> Lesson:
    return version.modules[0].lessons[0]


def test_the_first_report_starts_the_clock_and_the_next_ones_add_what_the_clock_allows(db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    lesson = lesson_of(version)  # 5 declared minutes: at most 600 seconds
    start = utcnow()
    row = active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 999, now=start)
    assert row.seconds == 0
    row = active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 30,
                                    now=start + timedelta(seconds=30))
    assert row.seconds == 30
    row = active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 999,
                                    now=start + timedelta(seconds=40))
    assert row.seconds == 40  # ten seconds of wall time, whatever the browser claims
    for step in range(1, 20):
        row = active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 120,
                                        now=start + timedelta(seconds=40 + 120 * step))
    assert row.seconds == 600  # twice the declared minutes, and no more


def test_two_tabs_share_one_clock(db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    lesson = lesson_of(version)
    start = utcnow()
    active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 0, now=start)
    for step in range(1, 5):  # each tab claims 30 s every 30 s, the two 15 s apart
        row = active_time.record_report(people["trainee"], ActivityKind.LESSON, lesson.id, 30,
                                        now=start + timedelta(seconds=15 * step))
    assert row.seconds == 60


def test_reports_on_activities_outside_ones_own_enrolments_are_not_found(db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    stranger = factories.make_user(Role.TRAINEE, org=people["org"])
    with pytest.raises(NotFound):
        active_time.record_report(stranger, ActivityKind.LESSON, lesson_of(version).id, 30)
    with pytest.raises(NotFound):
        active_time.record_report(people["trainee"], ActivityKind.LESSON, 999_999, 30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActiveTime)) == 0


def test_minutes_by_module_sums_declared_and_active_time(db, people):
    version, _scenario, exercise = sync_ready_course(people["trainee"])
    enrolment = services.find_enrolment(people["trainee"], version.course)
    start = utcnow()
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 0, now=start)
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 90,
                              now=start + timedelta(seconds=100))
    minutes = active_time.minutes_by_module([enrolment])[version.modules[0].id]
    assert minutes.declared == 5 + 15 + 6 + 30  # lesson, exercise, knowledge check, role-play
    assert (minutes.active_seconds, minutes.active) == (90, 1)


# --- the course setting -------------------------------------------------------------------------

def ready_course_with_share(tmp_path, share: str):
    folder = tmp_path / "courses"
    shutil.copytree(READY, folder)
    manifest = folder / "ready-course" / "course.yaml"
    manifest.write_text(manifest.read_text() + f"minimum_active_share: {share}\n")
    return load_course(folder / "ready-course", folder)


def test_the_loader_reads_and_checks_the_minimum_active_share(tmp_path):
    course, errors, _warnings = ready_course_with_share(tmp_path / "good", "0.5")
    assert not errors and course.minimum_active_share == 0.5
    plain, errors, _warnings = load_course(READY / "ready-course", READY)
    assert not errors and plain.minimum_active_share is None
    for bad in ("1.5", "0", '"half"'):
        _course, errors, _warnings = ready_course_with_share(tmp_path / bad.strip('"'), bad)
        assert any("minimum_active_share" in str(error) for error in errors), (bad, errors)


def test_with_a_share_a_module_counts_only_once_active_time_reaches_it(db, people, tmp_path, monkeypatch):
    factories.stub_certificate_pdfs(monkeypatch)
    spec, errors, _warnings = ready_course_with_share(tmp_path, "0.5")
    assert not errors
    version = sync_course(spec).course_version
    assert version.minimum_active_share == 0.5
    enrolment = factories.make_enrolment(people["trainee"], version)
    module = version.modules[0]
    factories.pass_module(enrolment, module)  # everything done in a script, in no time
    completed = sa.select(ModuleCompletion).where(ModuleCompletion.enrolment_id == enrolment.id)
    assert db.session.scalar(completed) is None
    assert enrolment.completed_at is None

    # 56 declared minutes: 28 active minutes needed. The exercise holds up to 30 of them.
    exercise = module.exercises[0]
    start = utcnow()
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 0, now=start)
    for step in range(1, 14):
        active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 120,
                                  now=start + timedelta(seconds=120 * step))
    assert db.session.scalar(completed) is None  # 26 minutes
    assert modules_requirement(enrolment).detail == "0 of 1 module passed; 2 more minutes of active time needed"
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 120,
                              now=start + timedelta(seconds=120 * 14))
    assert db.session.scalar(completed) is not None  # 28 minutes: the report completes the module
    assert enrolment.completed_at is not None


# --- the route ------------------------------------------------------------------------------------

def test_the_beacon_records_the_trainees_own_activity(client, auth, db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    lesson_id = lesson_of(version).id
    auth.login(people["trainee"])
    response = client.post("/active-time", json={"kind": "lesson", "id": lesson_id, "seconds": 0})
    assert response.status_code == 200 and response.get_json() == {"seconds": 0}
    assert db.session.scalar(sa.select(ActiveTime.activity_id)) == lesson_id


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400), (b'{"kind": "lesson", "id": 1}', 400), (b'{"kind": "film", "id": 1, "seconds": 3}', 400),
    (b"[" * 100 + b"]" * 100, 400), (b'{"kind": "lesson", "id": 1, "seconds": 1, "pad": "' + b"x" * 2000 + b'"}', 413),
])
def test_the_beacon_refuses_bad_json(client, auth, db, people, body, status):
    auth.login(people["trainee"])
    response = client.post("/active-time", data=body, content_type="application/json")
    assert response.status_code == status and "message" in response.get_json()


def test_the_beacon_refuses_other_peoples_activities_and_other_roles(client, auth, db, people):
    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    report = {"kind": "lesson", "id": lesson_of(version).id, "seconds": 0}
    stranger = factories.make_user(Role.TRAINEE, org=people["other_org"])
    db.session.commit()
    auth.login(stranger)
    assert client.post("/active-time", json=report).status_code == 404
    auth.switch_to(people["supervisor"])
    assert client.post("/active-time", json=report).status_code == 403
    auth.logout()
    assert client.post("/active-time", json=report).status_code == 302  # to the login page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActiveTime)) == 0


def test_activity_pages_carry_the_counter_for_enrolled_trainees_only(client, auth, db, people):
    version, scenario, exercise = sync_ready_course(people["trainee"])
    lesson = lesson_of(version)
    base = f"/courses/{version.course.slug}/modules/{version.modules[0].slug}"
    auth.login(people["trainee"])
    page = client.get(f"{base}/lessons/{lesson.slug}").get_data(as_text=True)
    assert f'data-active-time data-url="/active-time" data-kind="lesson" data-id="{lesson.id}"' in page
    assert "js/active_time.js" in page
    page = client.get(f"{base}/exercises/{exercise.slug}").get_data(as_text=True)
    assert f'data-kind="exercise" data-id="{exercise.id}"' in page
    enrolment = services.find_enrolment(people["trainee"], version.course)
    draft = factories.make_submission(people["trainee"], scenario, state="draft", enrolment=enrolment)
    db.session.commit()
    page = client.get(f"/roleplays/attempts/{draft.id}").get_data(as_text=True)
    assert f'data-kind="scenario" data-id="{scenario.id}"' in page
    auth.switch_to(people["supervisor"])  # a preview records nothing
    assert "data-active-time" not in client.get(f"{base}/lessons/{lesson.slug}").get_data(as_text=True)


def test_the_transcript_shows_declared_and_active_minutes_per_module(client, auth, db, people):
    version, _scenario, exercise = sync_ready_course(people["trainee"])
    start = utcnow()
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 0, now=start)
    active_time.record_report(people["trainee"], ActivityKind.EXERCISE, exercise.id, 120,
                              now=start + timedelta(seconds=150))
    db.session.commit()
    for viewer in (people["trainee"], people["supervisor"]):
        auth.switch_to(viewer) if viewer is people["supervisor"] else auth.login(viewer)
        page = client.get(f"/records/{people['trainee'].id}/transcript").get_data(as_text=True)
        assert "Declared minutes" in page and "Active minutes" in page
        assert '<td class="num">56</td><td class="num">2</td>' in page
    auth.switch_to(people["outsider_supervisor"])
    assert client.get(f"/records/{people['trainee'].id}/transcript").status_code == 403


def test_the_demo_gives_read_lessons_active_time_once(db, people):
    from lms.requirements_demo import seed_demo

    version, _scenario, _exercise = sync_ready_course(people["trainee"])
    enrolment = services.find_enrolment(people["trainee"], version.course)
    services.mark_lesson_read(enrolment, lesson_of(version))
    demo_people = {"trainee@example.org": people["trainee"]}
    seed_demo(demo_people, [people["cohort"]])
    seed_demo(demo_people, [people["cohort"]])
    assert db.session.scalars(sa.select(ActiveTime.seconds)).all() == [int(0.4 * 5 * 60)]
