"""The cohort dashboard: progress grid, who is stuck, grading backlog, charts, and a constant query count."""

import re

import pytest
import sqlalchemy as sa

from lms.models import Role
from lms.orgs import dashboards
from tests import factories
from tests.org_factories import add_org_trainees, make_org_course


class StatementCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@pytest.fixture
def cohort_data(db, people):
    version = make_org_course(modules=3)
    cohort = people["cohort"]
    add_org_trainees(cohort, version, 20, grader=people["supervisor"], second_grader=people["other_supervisor"])
    db.session.commit()
    return version, cohort


def test_supervisor_dashboard_query_count_is_the_same_for_20_and_2000_trainees(client, auth, db, people):
    supervisor = people["supervisor"]
    version = make_org_course(modules=3)
    small = factories.make_cohort(people["org"], supervisors=[supervisor], name="Small")
    large = factories.make_cohort(people["org"], supervisors=[supervisor], name="Large")
    second = people["other_supervisor"]
    add_org_trainees(small, version, 20, grader=supervisor, second_grader=second)
    add_org_trainees(large, version, 2000, grader=supervisor, start=20, second_grader=second)
    db.session.commit()
    auth.login(supervisor)
    client.get(f"/org/cohorts/{small.id}")  # warm up: the first request compiles templates

    counts = {}
    for name, cohort in (("small", small), ("large", large)):
        with StatementCounter(db.engine) as counter:
            response = client.get(f"/org/cohorts/{cohort.id}")
        assert response.status_code == 200
        counts[name] = len(counter.statements)
        page = response.get_data(as_text=True)
        assert f'org-stat-value">{20 if name == "small" else 2000}<' in page
    assert counts["small"] == counts["large"], counts
    assert counts["large"] < 40  # a fixed, small number of statements


def test_dashboard_shows_progress_per_module_stuck_trainees_and_backlog(db, people, cohort_data):
    version, cohort = cohort_data
    data = dashboards.build_dashboard(cohort, stuck_days=14)
    assert data.trainee_count == 21  # the 20 added and the `people` trainee, who is not enrolled
    assert data.not_enrolled == 1
    assert [c.title for c in data.columns] == ["Foundations", "Active listening", "Validation"]
    enrolled = data.enrolled_rows
    assert len(enrolled) == 20
    first = enrolled[0]  # rows are sorted by name: Bulk Trainee 00000 is i == 0
    assert first.name == "Bulk Trainee 00000"
    assert first.cells[0].state == "passed" and first.modules_passed == 1 and first.percent == 33
    third = next(row for row in enrolled if row.name == "Bulk Trainee 00002")
    # read both lessons of module 1 (2 of 4 steps: 2 lessons, quiz, role-play), failed the check
    assert third.cells[0].state == "started" and third.cells[0].percent == 50
    assert any("No activity for 30 days" in reason for reason in third.stuck_reasons)
    tenth = next(row for row in enrolled if row.name == "Bulk Trainee 00010")
    assert any("Active listening" in reason and "3 times" in reason for reason in tenth.stuck_reasons)
    assert not next(row for row in enrolled if row.name == "Bulk Trainee 00001").stuck_reasons
    # every 7th trainee has a role-play waiting: 0, 7, 14
    assert data.backlog_count == 3 and len(data.backlog) == 3
    assert data.backlog[0].waited_hours >= data.backlog[-1].waited_hours


def test_stuck_threshold_follows_the_days_parameter(db, people, cohort_data):
    _version, cohort = cohort_data
    lenient = dashboards.build_dashboard(cohort, stuck_days=45)
    assert not any("No activity" in reason for row in lenient.rows for reason in row.stuck_reasons)
    assert len(dashboards.build_dashboard(cohort, stuck_days=14).stuck) > len(lenient.stuck)


def test_every_chart_has_a_table_alternative(client, auth, people, cohort_data):
    auth.login(people["supervisor"])
    page = client.get(f"/org/cohorts/{people['cohort'].id}").get_data(as_text=True)
    figures = re.findall(r'<figure class="chart".*?</figure>', page, re.S)
    assert len(figures) == 5
    for figure in figures:
        assert 'role="img"' in figure and "<title id=" in figure and "<desc id=" in figure
        assert '<details class="table-alt">' in figure and "<table" in figure and 'scope="row"' in figure
    assert "Knowledge-check pass rate per module" in page
    assert "Rater agreement per criterion" in page


def test_chart_tables_say_what_the_bars_show(db, people, cohort_data):
    _version, cohort = cohort_data
    charts = {chart.id: chart for chart in dashboards.build_dashboard(cohort).charts}
    pass_rate = charts["chart-pass-rate"]
    # Module 1: 14 of 20 passed on one attempt each; module 2: 3 trainees x 3 failed attempts.
    assert pass_rate.rows[0] == ["Foundations", "70%", "20"]
    assert pass_rate.rows[1] == ["Active listening", "0%", "9"]
    assert pass_rate.rows[2] == ["Validation", "–", "0"]
    rubric = charts["chart-rubric"]
    assert [row[0] for row in rubric.rows] == ["Open questions and reflections", "Validation",
                                               "Confidentiality and its limits"]
    assert rubric.rows[1][1] == "3"
    agreement = charts["chart-agreement"]
    assert agreement.headers == ["Criterion", "Exact agreement", "Weighted kappa", "Pairs"]
    assert int(agreement.rows[0][3]) > 0


def test_supervisor_of_another_cohort_gets_403_on_its_dashboard(client, auth, people):
    auth.login(people["other_supervisor"])
    assert client.get(f"/org/cohorts/{people['cohort'].id}").status_code == 403
    assert client.get(f"/org/cohorts/{people['cohort'].id}/progress.csv").status_code == 403


def test_supervisor_lists_only_the_cohorts_assigned_to_them(client, auth, db, people):
    mine = factories.make_cohort(people["org"], supervisors=[people["supervisor"]], name="Autumn supervised")
    factories.make_cohort(people["org"], supervisors=[people["other_supervisor"]], name="Not mine at all")
    db.session.commit()
    auth.login(people["supervisor"])
    page = client.get("/org/cohorts").get_data(as_text=True)
    assert people["cohort"].name in page and mine.name in page
    assert "Not mine at all" not in page


def test_org_admin_of_another_organization_cannot_open_the_dashboard(client, auth, db, people):
    outsider = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(outsider)
    assert client.get(f"/org/cohorts/{people['cohort'].id}").status_code == 403
    auth.logout()
    auth.login(people["org_admin"])
    assert client.get(f"/org/cohorts/{people['cohort'].id}").status_code == 200


def test_dashboard_of_a_cohort_without_enrolments_offers_to_enrol(client, auth, people):
    auth.login(people["org_admin"])
    page = client.get(f"/org/cohorts/{people['cohort'].id}").get_data(as_text=True)
    assert "Not enrolled in a course yet" in page
    assert f"/org/cohorts/{people['cohort'].id}/manage" in page


def test_staff_home_lists_cohorts_with_completion_bars(client, auth, people, cohort_data):
    auth.login(people["supervisor"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert people["cohort"].name in page
    assert '<progress class="progress"' in page
    other = client.get("/dashboard")
    assert other.status_code == 200
