"""A coordinator invites 30 people from a spreadsheet, fixes two bad rows, and reads a cohort dashboard;
an invited person joins; a supervisor sees only their own cohorts. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Role
from tests import factories
from tests.e2e.conftest import open_more_menu
from tests.org_factories import add_org_trainees, make_org_course, org_csv, org_people_rows

pytestmark = pytest.mark.e2e


def coordinator_with_cohorts():
    org = factories.make_org("Harbor Peers E2E")
    admin = factories.make_user(Role.ORG_ADMIN, org=org, email="harbor.coordinator@example.org",
                                name="Harbor Coordinator")
    supervisor = factories.make_user(Role.SUPERVISOR, org=org, email="harbor.supervisor@example.org",
                                     name="Harbor Supervisor")
    other = factories.make_user(Role.SUPERVISOR, org=org, email="harbor.other@example.org", name="Other Supervisor")
    spring = factories.make_cohort(org, supervisors=[supervisor], name="Harbor Spring")
    autumn = factories.make_cohort(org, supervisors=[other], name="Harbor Autumn")
    version = make_org_course(modules=4, title="Peer Specialist Core (E2E)")
    add_org_trainees(spring, version, 25, grader=supervisor, second_grader=other)
    return {"admin": admin.email, "supervisor": supervisor.email, "spring": spring.id, "autumn": autumn.id}


def log_in(page, live_server, email):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def csv_file(rows):
    return {"name": "people.csv", "mimeType": "text/csv", "buffer": org_csv(rows)}


def test_coordinator_invites_30_from_csv_after_fixing_two_rows_and_reads_the_dashboard(
        page, live_server, live_app, seed, axe):
    ids = seed(coordinator_with_cohorts)
    rows = org_people_rows(30, cohort="Harbor Spring", domain="harbor.example.org")
    bad = list(rows)
    bad[4] = ("person05.harbor.example.org", "Person 05", "trainee", "Harbor Spring")
    bad[16] = ("person17@harbor.example.org", "Person 17", "trainee", "Harbor Winter")

    log_in(page, live_server, ids["admin"])
    axe(page, "coordinator home")
    open_more_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    axe(page, "people")

    page.get_by_label("CSV file", exact=True).set_input_files(csv_file(bad))
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("2 rows need fixing. Nothing was saved.")
    expect(alert).to_contain_text("Row 6 (person05.harbor.example.org)")
    expect(alert).to_contain_text("Row 18 (person17@harbor.example.org): Unknown cohort")
    axe(page, "preview with problems")

    page.get_by_label("CSV file", exact=True).set_input_files(csv_file(rows))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("status")).to_contain_text("30 people are ready to be invited.")
    axe(page, "clean preview")
    page.get_by_role("button", name="Send all 30 invitations").click()
    expect(page.get_by_role("status")).to_contain_text("30 invitations sent.")
    expect(page.get_by_role("heading", name="Pending invitations")).to_contain_text("30")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="Harbor Spring").click()
    expect(page.get_by_role("heading", name="Harbor Spring")).to_be_visible()
    expect(page.get_by_role("heading", name="Who is stuck")).to_be_visible()
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(5)
    expect(page.locator("figure.chart details.table-alt")).to_have_count(5)
    axe(page, "dashboard")
    page.locator("#chart-pass-rate summary").click()
    expect(page.locator("#chart-pass-rate table")).to_be_visible()
    expect(page.locator("#chart-pass-rate table")).to_contain_text("Foundations")
    axe(page, "dashboard with a table open")

    # One of the invited people opens the emailed link and joins.
    mail = next(m for m in live_app.extensions["mail_outbox"] if m["To"] == "person01@harbor.example.org")
    link = re.search(r"(/invite/\S+)", mail.get_content()).group(1)
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server + link)
    expect(page.get_by_role("heading", name="Join Harbor Peers E2E")).to_be_visible()
    axe(page, "accept invitation")
    page.get_by_label("Password", exact=True).fill("a-long-enough-password")
    page.get_by_label("Repeat password").fill("a-long-enough-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Welcome, Person 01")).to_be_visible()


def test_supervisor_sees_only_their_cohort(page, live_server, seed, axe):
    ids = seed(coordinator_with_cohorts_for_supervisor)
    log_in(page, live_server, ids["supervisor"])
    expect(page.get_by_role("link", name="Bay Spring")).to_be_visible()
    expect(page.get_by_role("link", name="Bay Autumn")).to_have_count(0)
    axe(page, "supervisor home")
    page.get_by_role("link", name="Bay Spring").click()
    expect(page.get_by_role("heading", name="Bay Spring")).to_be_visible()
    axe(page, "supervisor dashboard")
    response = page.goto(f"{live_server}/org/cohorts/{ids['autumn']}")
    assert response.status == 403


def coordinator_with_cohorts_for_supervisor():
    org = factories.make_org("Bay Peers E2E")
    supervisor = factories.make_user(Role.SUPERVISOR, org=org, email="bay.supervisor@example.org",
                                     name="Bay Supervisor")
    other = factories.make_user(Role.SUPERVISOR, org=org)
    spring = factories.make_cohort(org, supervisors=[supervisor], name="Bay Spring")
    autumn = factories.make_cohort(org, supervisors=[other], name="Bay Autumn")
    version = make_org_course(modules=3, title="Bay course (E2E)")
    add_org_trainees(spring, version, 8, grader=supervisor, second_grader=other)
    return {"supervisor": supervisor.email, "spring": spring.id, "autumn": autumn.id}
