"""A supervisor schedules a live session and takes attendance; the trainee sees it, downloads the .ics
calendar and signs the code of ethics. axe-core checks every page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.models import Role, utcnow
from tests import factories
from tests.e2e.conftest import open_more_menu
from tests.test_live_rules import parse_ics, unescape

pytestmark = pytest.mark.e2e


def cohort_with_trainee():
    from lms.learning import services

    org = factories.make_org("Lakeside Peers E2E (live)")
    supervisor = factories.make_user(Role.SUPERVISOR, org=org, email="live.supervisor@example.org",
                                     name="Lake Supervisor")
    trainee = factories.make_user(Role.TRAINEE, org=org, email="live.trainee@example.org", name="Noor Haddad")
    cohort = factories.make_cohort(org, supervisors=[supervisor], trainees=[trainee], name="Lakeside Winter")
    services.enrol(trainee, services.find_course("peer-specialist-core").versions[-1])
    return {"supervisor": supervisor.email, "trainee": trainee.email, "cohort": cohort.id}


def log_in(page, live_server, email):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_supervisor_schedules_and_takes_attendance_then_the_trainee_sees_it_and_signs_the_code(
        page, live_server, seed, axe, tmp_path):
    page.set_default_timeout(8000)
    ids = seed(cohort_with_trainee)

    log_in(page, live_server, ids["supervisor"])
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Live sessions").click()
    axe(page, "live sessions: cohorts")
    page.get_by_role("link", name="Lakeside Winter").click()
    page.get_by_role("link", name="Schedule a session").click()
    axe(page, "schedule form")
    page.get_by_label("Title").fill("Confidentiality practice circle")
    page.get_by_label("Module").select_option(label="5. Confidentiality")
    page.get_by_label("Starts at").fill((utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Duration in minutes").fill("60")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_text("Give the place or the video link")).to_be_visible()  # next to the field
    expect(page.get_by_label("Title")).to_have_value("Confidentiality practice circle")
    axe(page, "schedule form with an error")
    page.get_by_label("Place").fill("Lakeside library, room 3; east entrance")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_text("The session was scheduled")).to_be_visible()

    page.get_by_role("link", name="Change · Confidentiality practice circle").click()
    axe(page, "change a session")
    page.get_by_label("Place").fill("Lakeside library, room 4; east entrance")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The session was changed")).to_be_visible()
    expect(page.get_by_text("room 4")).to_be_visible()

    page.get_by_role("link", name=re.compile("Take attendance")).click()
    axe(page, "attendance form")
    page.get_by_label("Attendance of Noor Haddad").select_option("left_early")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("enter the minutes attended")).to_be_visible()
    page.get_by_label("Minutes attended by Noor Haddad").fill("40")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved (1 changed).")).to_be_visible()
    gaps = page.get_by_role("region", name="Attendance gaps")
    expect(gaps.get_by_text("Noor Haddad")).to_be_visible()
    expect(gaps.get_by_text("40 of 60")).to_be_visible()
    axe(page, "cohort live sessions with a gap")
    log_out(page)

    log_in(page, live_server, ids["trainee"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My live sessions").click()
    past = page.get_by_role("region", name="Past sessions and your attendance")
    expect(past.get_by_text("Confidentiality practice circle")).to_be_visible()
    expect(past.get_by_text("Left early")).to_be_visible()
    expect(page.get_by_text(re.compile(r"40 of \d+ live minutes"))).to_be_visible()
    axe(page, "my live sessions")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    path = tmp_path / "live.ics"
    download_info.value.save_as(path)
    events = parse_ics(path.read_bytes().decode("utf-8"))
    assert [unescape(e["SUMMARY"]) for e in events] == ["Confidentiality practice circle"]
    assert unescape(events[0]["LOCATION"]) == "Lakeside library, room 4; east entrance"  # as changed

    open_more_menu(page)  # the code is signed once: under "More", beside the pages used less often
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Code of ethics").click()
    axe(page, "code of ethics list")
    page.get_by_role("link", name=re.compile("Read and sign")).click()
    axe(page, "sign the code")
    page.get_by_label("Your full name").fill("Noor H.")
    page.get_by_label(re.compile("I have read the code of ethics")).check()
    page.get_by_role("button", name="Sign the code of ethics").click()
    expect(page.get_by_text("Type your full name as it is on your account: Noor Haddad.")).to_be_visible()
    axe(page, "sign the code with an error")
    page.get_by_label("Your full name").fill("noor  haddad")
    page.get_by_label(re.compile("I have read the code of ethics")).check()
    page.get_by_role("button", name="Sign the code of ethics").click()
    expect(page.get_by_text("You signed the code of ethics.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^[0-9a-f]{64}$"))).to_be_visible()
    axe(page, "signed code")
