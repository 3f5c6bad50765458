"""Live sessions per route and role: scheduling, attendance (one POST, idempotent, audited), make-ups,
the trainee's sessions and calendar, live hours as a certificate requirement, and attendance gaps."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import requirements
from lms.live import services
from lms.live.requirements import live_hours_requirement
from lms.models import Attendance, AuditEvent, LiveMakeUp, LiveSession, Role, utcnow
from tests import factories
from tests.test_live_rules import parse_ics, unescape


@pytest.fixture
def live(db, people):
    """A course with 90 declared live minutes, the trainee enrolled, a second trainee in the cohort,
    one session held two hours ago and one next week."""
    version = factories.make_live_course(live_minutes=(60, 30))
    second = factories.make_user(Role.TRAINEE, org=people["org"], name="Bea Second")
    people["cohort"].trainees.append(second)
    enrolment = factories.make_enrolment(people["trainee"], version)
    held = factories.make_live_session(people["cohort"], version, minutes=60, title="Practice circle")
    upcoming = factories.make_live_session(people["cohort"], version, starts_at=utcnow() + timedelta(days=7),
                                           minutes=30, title="Video check-in", place="",
                                           video_url="https://meet.example.org/peer")
    other_org_admin = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    return {"version": version, "second": second, "enrolment": enrolment, "held": held, "upcoming": upcoming,
            "other_org_admin": other_org_admin}


def schedule_form(version, **overrides):
    data = {"title": "Role-play practice", "course": str(version.course_id), "module": "0", "topic": "",
            "starts_at": (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "duration": "90",
            "place": "Riverside room 2", "video_url": ""}
    data.update(overrides)
    return data


def attendance_form(people, live, first=("present", ""), second=("late", "40")):
    return {f"status_{people['trainee'].id}": first[0], f"minutes_{people['trainee'].id}": first[1],
            f"status_{live['second'].id}": second[0], f"minutes_{live['second'].id}": second[1]}


# -- scheduling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "org_admin", "admin"])
def test_the_cohort_supervisor_and_administrators_schedule_a_session(client, auth, people, live, db, who):
    auth.login(people[who])
    url = f"/live/cohorts/{people['cohort'].id}/schedule"
    assert client.get(url).status_code == 200
    response = client.post(url, data=schedule_form(live["version"], module=str(live["version"].modules[0].id)))
    assert response.status_code == 302
    session = db.session.scalar(sa.select(LiveSession).where(LiveSession.title == "Role-play practice"))
    assert session.cohort_id == people["cohort"].id and session.duration_minutes == 90
    assert session.module_id == live["version"].modules[0].id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "live.session_scheduled"))


@pytest.mark.parametrize("who", ["other_supervisor", "outsider_supervisor", "other_org_admin"])
def test_a_supervisor_of_another_cohort_or_an_administrator_of_another_organization_cannot_schedule(
        client, auth, people, live, who):
    auth.login(people.get(who) or live[who])
    cohort_id = people["cohort"].id
    assert client.get(f"/live/cohorts/{cohort_id}/schedule").status_code == 403
    assert client.post(f"/live/cohorts/{cohort_id}/schedule", data=schedule_form(live["version"])).status_code == 403
    assert client.get(f"/live/cohorts/{cohort_id}").status_code == 403
    assert client.get(f"/live/sessions/{live['held'].id}/attendance").status_code == 403
    assert client.post(f"/live/cohorts/{cohort_id}/make-ups", data={}).status_code == 403


def test_a_trainee_cannot_open_staff_pages(client, auth, people, live):
    auth.login(people["trainee"])
    assert client.get("/live/cohorts").status_code == 403
    assert client.get(f"/live/cohorts/{people['cohort'].id}/schedule").status_code == 403
    assert client.get(f"/live/sessions/{live['held'].id}/attendance").status_code == 403
    response = client.post(f"/live/sessions/{live['held'].id}/attendance", data=attendance_form(people, live))
    assert response.status_code == 403


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ""}, "title", "Give the session a title."),
    ({"place": "", "video_url": ""}, "place", "Give the place or the video link"),
    ({"video_url": "javascript:alert(1)"}, "video_url", "starting with https://"),
    ({"duration": "0"}, "duration", "Enter between 1 and 600 minutes."),
    ({"duration": "99999999999999999999"}, "duration", ""),
    ({"starts_at": "2026-02-30T10:00"}, "starts_at", ""),
    ({"starts_at": "2099-01-01T10:00"}, "starts_at", "within two years"),
    ({"course": "999999"}, "course", "declares live hours"),
    ({"module": "999999"}, "module", "Choose a module"),
])
def test_bad_schedule_input_is_refused_next_to_its_field_and_keeps_what_was_typed(
        client, auth, people, live, db, overrides, field, message):
    auth.login(people["supervisor"])
    response = client.post(f"/live/cohorts/{people['cohort'].id}/schedule",
                           data=schedule_form(live["version"], **overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert 'value="Riverside room 2"' in page or field == "place"
    assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 2


# -- attendance ----------------------------------------------------------------------------------


def test_attendance_is_saved_in_one_post_and_a_double_submit_changes_nothing(client, auth, people, live, db):
    auth.login(people["supervisor"])
    url = f"/live/sessions/{live['held'].id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert people["trainee"].name in page and "Bea Second" in page
    assert client.post(url, data=attendance_form(people, live)).status_code == 302
    assert client.post(url, data=attendance_form(people, live)).status_code == 302  # the double click
    rows = {row.user_id: (row.status, row.minutes) for row in db.session.scalars(sa.select(Attendance))}
    assert rows == {people["trainee"].id: ("present", 60), live["second"].id: ("late", 40)}
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "live.attendance_recorded")).all()
    assert len(events) == 2

    client.post(url, data=attendance_form(people, live, second=("absent", "")))
    changed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "live.attendance_recorded")
                                 .order_by(AuditEvent.id.desc())).first()
    assert changed.target_user_id == live["second"].id and changed.details["previous"] == "late 40"
    assert db.session.get(Attendance, db.session.scalar(
        sa.select(Attendance.id).where(Attendance.user_id == live["second"].id))).minutes == 0


@pytest.mark.parametrize(("second", "message"), [
    (("late", ""), "enter the minutes attended"),
    (("left_early", "60"), "Enter between 1 and 59 minutes"),
    (("late", "abc"), "Not a valid integer value"),
    (("asleep", ""), "Not a valid choice"),
])
def test_bad_attendance_rows_are_refused_next_to_the_row_and_nothing_is_saved(
        client, auth, people, live, db, second, message):
    auth.login(people["supervisor"])
    response = client.post(f"/live/sessions/{live['held'].id}/attendance",
                           data=attendance_form(people, live, second=second))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and (f'id="minutes_{live["second"].id}-error"' in page
                                or f'id="status_{live["second"].id}-error"' in page)
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0


def test_attendance_opens_when_the_session_starts(client, auth, people, live, db):
    auth.login(people["supervisor"])
    url = f"/live/sessions/{live['upcoming'].id}/attendance"
    assert "Attendance opens when the session starts" in client.get(url).get_data(as_text=True)
    data = {f"status_{people['trainee'].id}": "present", f"status_{live['second'].id}": "present"}
    response = client.post(url, data=data, follow_redirects=True)
    assert "Attendance opens when the session starts" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0


def test_attendance_for_someone_outside_the_cohort_is_refused(app, people, live, db):
    from lms.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.record_attendance(live["held"], actor=people["supervisor"],
                                   entries={people["other_supervisor"].id: ("present", None)})


# -- the trainee ---------------------------------------------------------------------------------


def test_the_trainee_sees_their_sessions_their_own_attendance_and_live_hours(client, auth, people, live, db):
    factories.make_attendance(live["held"], people["trainee"], "left_early", 45)
    factories.make_attendance(live["held"], live["second"], "absent")
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get("/live").get_data(as_text=True)
    assert "Practice circle" in page and "Video check-in" in page and "Left early" in page
    assert "Absent" not in page  # the other trainee's attendance is not shown
    assert "45 of 90 live minutes" in page and "<progress" in page


def test_a_trainee_outside_the_cohort_sees_none_of_its_sessions(client, auth, people, live, db):
    stranger = factories.make_user(Role.TRAINEE, org=people["other_org"])
    db.session.commit()
    auth.login(stranger)
    page = client.get("/live").get_data(as_text=True)
    assert "Practice circle" not in page
    assert "BEGIN:VEVENT" not in client.get("/live/calendar.ics").get_data(as_text=True)


def test_the_calendar_download_parses_and_lists_the_trainees_sessions(client, auth, people, live):
    auth.login(people["trainee"])
    response = client.get("/live/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = parse_ics(response.get_data(as_text=True))
    assert [unescape(e["SUMMARY"]) for e in events] == ["Practice circle", "Video check-in"]
    assert events[0]["UID"] == f"live-session-{live['held'].id}@localhost"
    assert events[1]["URL"] == "https://meet.example.org/peer" and events[0]["LOCATION"] == "Riverside room 2"
    assert all(e["DTSTART"].endswith("Z") and e["DTEND"].endswith("Z") for e in events)


# -- live hours as a requirement, make-ups, gaps --------------------------------------------------


def test_live_hours_are_a_requirement_met_by_attendance_and_an_approved_make_up(app, people, live, db):
    enrolment = live["enrolment"]
    with app.test_request_context():
        assert live_hours_requirement in requirements.PROVIDERS
        factories.make_attendance(live["held"], people["trainee"], "late", 50)
        requirement = live_hours_requirement(enrolment)
        assert (requirement.key, requirement.met, requirement.earned_minutes) == ("live-hours", False, 50)
        assert "live-hours" in [r.key for r in requirements.unmet_requirements(enrolment)]
        services.record_make_up(people["cohort"], actor=people["supervisor"], trainee_id=people["trainee"].id,
                                course_id=live["version"].course_id, minutes=120, reason="Watched the recording")
        requirement = live_hours_requirement(enrolment)
        assert requirement.met and requirement.earned_minutes == 90  # capped at the declared minutes


def test_a_course_without_live_minutes_has_no_live_requirement(app, people, db):
    version = factories.make_certifying_course()
    enrolment = factories.make_enrolment(people["trainee"], version)
    assert live_hours_requirement(enrolment) is None


def test_the_supervisor_approves_a_make_up_and_bad_input_stays_next_to_the_field(client, auth, people, live, db):
    auth.login(people["supervisor"])
    url = f"/live/cohorts/{people['cohort'].id}/make-ups"
    data = {"trainee": str(live["second"].id), "course": str(live["version"].course_id), "minutes": "30",
            "reason": ""}
    response = client.post(url, data=data)
    assert response.status_code == 400 and 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(url, data={**data, "trainee": str(people["other_supervisor"].id), "reason": "Recording"})
    assert response.status_code == 400 and 'id="trainee-error"' in response.get_data(as_text=True)
    assert client.post(url, data={**data, "reason": "Watched the recording"}).status_code == 302
    make_up = db.session.scalar(sa.select(LiveMakeUp))
    assert (make_up.user_id, make_up.minutes, make_up.approved_by_id) == (live["second"].id, 30,
                                                                         people["supervisor"].id)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "live.make_up_approved"))


def test_attendance_gaps_list_trainees_short_of_the_sessions_held_with_what_they_missed(app, people, live, db):
    factories.make_attendance(live["held"], people["trainee"], "present")
    factories.make_attendance(live["held"], live["second"], "left_early", 20)
    gaps = services.attendance_gaps(people["cohort"])
    assert [(g.trainee.name, g.expected, g.credited) for g in gaps] == [("Bea Second", 60, 20)]
    assert [(m.session.title, m.status, m.minutes) for m in gaps[0].missed] == [("Practice circle", "left_early", 20)]
    services.record_make_up(people["cohort"], actor=people["supervisor"], trainee_id=live["second"].id,
                            course_id=live["version"].course_id, minutes=40, reason="One-to-one")
    assert services.attendance_gaps(people["cohort"]) == []


def test_a_session_without_attendance_taken_is_nobodys_gap(app, people, live):
    assert services.attendance_gaps(people["cohort"]) == []


def test_the_cohort_page_shows_sessions_gaps_and_the_make_up_form(client, auth, people, live, db):
    factories.make_attendance(live["held"], live["second"], "absent")
    db.session.commit()
    auth.login(people["supervisor"])
    page = client.get(f"/live/cohorts/{people['cohort'].id}").get_data(as_text=True)
    assert "Attendance gaps" in page and "Bea Second" in page and "Approve a make-up" in page
    assert client.get("/live/cohorts").get_data(as_text=True).count(people["cohort"].name) == 1


def test_the_gaps_take_a_constant_number_of_queries(app, people, live, db):
    def run():
        db.session.flush()
        db.session.expire_all()
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            services.attendance_gaps(people["cohort"])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    factories.make_attendance(live["held"], people["trainee"], "absent")
    few = run()
    for n in range(15):
        trainee = factories.make_user(Role.TRAINEE, org=people["org"])
        people["cohort"].trainees.append(trainee)
        session = factories.make_live_session(people["cohort"], live["version"], minutes=30, title=f"S{n}")
        factories.make_attendance(session, trainee, "late", 10)
    db.session.flush()
    assert run() == few


def test_the_demo_seeds_sessions_attendance_and_a_gap(app, people, db):
    from lms.live.demo import seed_demo

    version = factories.make_live_course()
    factories.make_enrolment(people["trainee"], version)
    demo_people = {"trainee@example.org": people["trainee"], "supervisor@example.org": people["supervisor"]}
    seed_demo(demo_people, [people["cohort"]])
    seed_demo(demo_people, [people["cohort"]])  # once only
    assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) >= 1


def test_a_row_inserted_by_a_concurrent_request_is_updated_not_duplicated(app, people, live, db):
    first = factories.make_attendance(live["held"], people["trainee"], "absent")
    row, previous = services._insert_attendance(live["held"], people["trainee"].id, "present", 60,
                                                people["supervisor"])
    assert row.id == first.id and previous == ("absent", 0)
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 1


def test_a_trainee_moved_to_another_organization_leaves_the_attendance_form_and_the_gaps(
        client, auth, people, live, db):
    factories.make_attendance(live["held"], live["second"], "absent")
    live["second"].organization = people["other_org"]  # the cohort membership is left over from the move
    db.session.commit()
    assert [gap.trainee.name for gap in services.attendance_gaps(people["cohort"])] == [people["trainee"].name]
    auth.login(people["supervisor"])
    assert "Bea Second" not in client.get(f"/live/sessions/{live['held'].id}/attendance").get_data(as_text=True)
    auth.switch_to(live["second"])
    assert "Practice circle" not in client.get("/live").get_data(as_text=True)


def test_a_video_session_needs_no_place(client, auth, people, live, db):
    auth.login(people["supervisor"])
    response = client.post(f"/live/cohorts/{people['cohort'].id}/schedule", data=schedule_form(
        live["version"], place="", video_url="https://meet.example.org/circle"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(LiveSession.video_url).where(LiveSession.title == "Role-play practice"))


def test_a_session_scheduled_by_mistake_is_cancelled_but_not_once_attendance_is_recorded(
        client, auth, people, live, db):
    upcoming_id = live["upcoming"].id
    auth.login(people["outsider_supervisor"])
    assert client.post(f"/live/sessions/{upcoming_id}/cancel").status_code == 403
    auth.switch_to(people["supervisor"])
    assert client.post(f"/live/sessions/{upcoming_id}/cancel").status_code == 302
    db.session.expunge(live["upcoming"])
    assert db.session.get(LiveSession, upcoming_id) is None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "live.session_cancelled"))
    factories.make_attendance(live["held"], people["trainee"], "present")
    db.session.commit()
    response = client.post(f"/live/sessions/{live['held'].id}/cancel", follow_redirects=True)
    assert "stays on the trainees" in response.get_data(as_text=True)
    assert db.session.get(LiveSession, live["held"].id) is not None


def test_the_cohort_dashboard_shows_its_attendance_gaps(client, auth, people, live, db):
    auth.login(people["supervisor"])
    url = f"/org/cohorts/{people['cohort'].id}"
    assert "Attendance gaps" not in client.get(url).get_data(as_text=True)  # no attendance taken yet
    factories.make_attendance(live["held"], live["second"], "absent")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Attendance gaps" in page and "Bea Second" in page


# -- changing a session ----------------------------------------------------------------------------


def test_a_supervisor_changes_an_upcoming_session_and_the_change_is_audited(client, auth, people, live, db):
    upcoming = live["upcoming"]
    auth.login(people["supervisor"])
    page = client.get(f"/live/sessions/{upcoming.id}/edit").get_data(as_text=True)
    assert 'value="Video check-in"' in page and "Save changes" in page
    later = upcoming.starts_at + timedelta(days=1)
    response = client.post(f"/live/sessions/{upcoming.id}/edit", data=schedule_form(
        live["version"], title="Video check-in (moved)", starts_at=later.strftime("%Y-%m-%dT%H:%M"), duration="45",
        place="", video_url="https://meet.example.org/peer"))
    assert response.status_code == 302
    db.session.refresh(upcoming)
    assert upcoming.title == "Video check-in (moved)" and upcoming.duration_minutes == 45
    assert upcoming.starts_at.replace(tzinfo=None, second=0, microsecond=0) == later.replace(
        tzinfo=None, second=0, microsecond=0)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "live.session_changed"))
    assert set(event.details["changed"]) == {"title", "starts_at", "duration_minutes"}


def test_once_attendance_is_taken_only_the_title_topic_place_and_link_change(client, auth, people, live, db):
    held = live["held"]
    factories.make_attendance(held, people["trainee"], "present")
    db.session.commit()
    auth.login(people["supervisor"])
    starts = held.starts_at.strftime("%Y-%m-%dT%H:%M")
    longer = client.post(f"/live/sessions/{held.id}/edit", data=schedule_form(
        live["version"], title=held.title, starts_at=starts, duration="120", place=held.place))
    assert longer.status_code == 400
    assert "stay as they were" in longer.get_data(as_text=True)
    db.session.refresh(held)
    assert held.duration_minutes == 60
    renamed = client.post(f"/live/sessions/{held.id}/edit", data=schedule_form(
        live["version"], title="Practice circle, room 4", starts_at=starts, duration="60", place="Room 4"))
    assert renamed.status_code == 302
    db.session.refresh(held)
    assert (held.title, held.place, held.duration_minutes) == ("Practice circle, room 4", "Room 4", 60)


@pytest.mark.parametrize("who", ["trainee", "other_supervisor", "outsider_supervisor", "other_org_admin"])
def test_the_wrong_role_or_organization_cannot_change_a_session(client, auth, people, live, db, who):
    auth.login(people.get(who) or live[who])
    url = f"/live/sessions/{live['upcoming'].id}/edit"
    assert client.get(url).status_code == 403
    assert client.post(url, data=schedule_form(live["version"], title="Taken over")).status_code == 403
    db.session.refresh(live["upcoming"])
    assert live["upcoming"].title == "Video check-in"


def test_bad_input_when_changing_a_session_is_shown_next_to_its_field(client, auth, people, live):
    auth.login(people["supervisor"])
    response = client.post(f"/live/sessions/{live['upcoming'].id}/edit",
                           data=schedule_form(live["version"], duration="0"))
    assert response.status_code == 400
    assert "Enter between 1 and 600 minutes." in response.get_data(as_text=True)
