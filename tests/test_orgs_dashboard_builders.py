"""The cohort dashboard's pure parts, built from facts typed by hand: no database, no request."""

from datetime import datetime, timedelta

from lms.orgs.dashboard_builders import (
    CheckAttempts,
    EnrolmentFact,
    LessonsRead,
    ModuleFact,
    ModulePassed,
    ModuleSteps,
    ProgressFacts,
    RoleplayCount,
    TraineeFact,
    module_cell,
    module_columns,
    progress_grid,
)
from lms.orgs.dashboard_charts import RubricFact, agreement_chart, pass_rate_chart, rubric_chart
from lms.roleplay.agreement_report import GradeFact, blind_pairs

NOW = datetime(2026, 3, 20, 12, 0)
OLD = NOW - timedelta(days=40)


def _facts() -> ProgressFacts:
    # Version 2 (in use by Ann) and version 1 (Bob): version 2 orders the columns.
    modules = [
        ModuleFact(21, "listening", "Active listening", 1, 2, lessons=2, scenarios=1, quizzes=1),
        ModuleFact(22, "validation", "Validation", 2, 2, lessons=1, scenarios=0, quizzes=1),
        ModuleFact(11, "validation", "Validation (v1)", 1, 1, lessons=2, scenarios=1, quizzes=1),
    ]
    return ProgressFacts(
        enrolments=[EnrolmentFact(100, 1, 2, "2.0", OLD, NOW - timedelta(days=1), None),
                    EnrolmentFact(200, 2, 1, "1.0", OLD, OLD, None)],
        modules=modules,
        lessons_read=[LessonsRead(100, 21, 2, NOW - timedelta(days=2)), LessonsRead(200, 11, 1, OLD)],
        checks=[CheckAttempts(100, 21, 1, 0, NOW - timedelta(days=2)), CheckAttempts(200, 11, 0, 3, OLD)],
        passes=[ModulePassed(100, 21, NOW - timedelta(days=2))],
        roleplays=[RoleplayCount(1, 21, "passed", 1, NOW - timedelta(days=2)),
                   RoleplayCount(2, 11, "submitted", 1, OLD)],
    )


def test_module_cell_counts_lessons_check_and_roleplays_as_steps():
    assert module_cell(ModuleSteps(lessons=2, scenarios=1, has_check=True)).state == "not_started"
    started = module_cell(ModuleSteps(lessons=2, scenarios=1, has_check=True, lessons_read=2))
    assert (started.state, started.percent) == ("started", 50)
    nearly = module_cell(ModuleSteps(lessons=1, scenarios=1, has_check=True, lessons_read=1, check_passed=True,
                                     roleplays_passed=1))
    assert (nearly.state, nearly.percent) == ("started", 99)  # only a module pass makes 100
    passed = module_cell(ModuleSteps(lessons=2, scenarios=1, has_check=True, passed_at=NOW))
    assert (passed.state, passed.percent, passed.passed_at) == ("passed", 100, NOW)


def test_the_newest_version_in_use_orders_the_columns():
    assert [c.slug for c in module_columns(_facts().modules)] == ["listening", "validation"]


def test_progress_grid_fills_cells_activity_and_reasons_from_facts():
    trainees = [TraineeFact(1, "Ann", True), TraineeFact(2, "Bob", True), TraineeFact(3, "Cy", False)]
    grid = progress_grid(trainees, _facts(), now=NOW, stuck_days=14)
    ann, bob, cy = grid.rows
    assert [cell.state for cell in ann.cells] == ["passed", "not_started"]
    assert (ann.modules_passed, ann.modules_total, ann.percent) == (1, 2, 50)
    assert not ann.stuck_reasons and ann.last_activity == NOW - timedelta(days=1)
    # Bob follows version 1: its "validation" module sits in the validation column.
    assert [cell.state for cell in bob.cells] == ["not_started", "started"] and bob.cells[1].percent == 25
    assert bob.stuck_reasons[0] == "No activity for 40 days"
    assert "Validation (v1)" in bob.stuck_reasons[1] and "3 times" in bob.stuck_reasons[1]
    assert not cy.enrolled and cy.cells == []
    assert grid.waiting == 1
    assert dict(grid.check_totals) == {0: [1, 1], 1: [0, 3]}
    rows = pass_rate_chart(grid.columns, grid.check_totals).rows
    assert rows == [["Active listening", "100%", "1"], ["Validation", "0%", "3"]]


def test_the_stuck_threshold_is_a_parameter():
    grid = progress_grid([TraineeFact(2, "Bob", True)], _facts(), now=NOW, stuck_days=60)
    assert not any("No activity" in reason for reason in grid.rows[0].stuck_reasons)


RUBRICS = [RubricFact(1, [{"id": "listening", "title": "Listening"}, {"id": "safety", "title": "Safety"}])]


def test_agreement_pairs_are_the_agreement_reports_pairs():
    grades = [
        GradeFact(1, 10, "primary", 7, {"listening": 3, "safety": 4}),
        GradeFact(1, 11, "second", 8, {"listening": 2, "safety": 4}),
        GradeFact(2, 20, "primary", 7, {"listening": 4, "safety": 4}),
        GradeFact(2, 21, "second", 7, {"listening": 1, "safety": 1}),  # the same rater: no pair
        GradeFact(3, 30, "primary", 7, {"listening": 2}),
        GradeFact(3, 31, "correction", 9, {"listening": 3}),
        GradeFact(3, 32, "calibration", 8, {"listening": 3}),  # against the correction, the grade that counts
    ]
    pairs = blind_pairs(grades)
    assert [(p.submission_id, p.criterion_id, p.level_a, p.level_b, p.source) for p in pairs] == [
        (1, "listening", 3, 2, "second"), (1, "safety", 4, 4, "second"), (3, "listening", 3, 3, "calibration")]
    assert {(p.rater_a_id, p.rater_b_id) for p in pairs} == {(7, 8), (9, 8)}
    chart = agreement_chart(grades, RUBRICS)
    assert chart.rows == [["Listening", "0%", "0.00", "1"], ["Safety", "100%", "1.00", "1"]]


def test_rubric_chart_means_the_primary_grades_only():
    grades = [GradeFact(1, 10, "primary", 7, {"listening": 3}), GradeFact(2, 20, "primary", 7, {"listening": 2}),
              GradeFact(1, 11, "second", 8, {"listening": 1})]
    rows = rubric_chart(grades, RUBRICS).rows
    assert rows == [["Listening", "2.5", "2"], ["Safety", "–", "0"]]


def test_course_percent_is_the_share_of_modules_passed():
    from lms.orgs.dashboard_builders import course_percent

    assert (course_percent(1, 3), course_percent(0, 0), course_percent(3, 3)) == (33, 0, 100)
