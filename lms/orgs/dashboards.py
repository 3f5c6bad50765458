"""A cohort's dashboard: progress per trainee and module, who is stuck, the grading backlog, charts.

`build_dashboard` reads the facts (`dashboard_queries`, a fixed number of grouped statements), builds
the grid from them (`dashboard_builders`, pure) and draws the charts (`dashboard_charts`, pure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lms.charts import Chart
from lms.models import Cohort, utcnow
from lms.orgs import dashboard_charts as charts
from lms.orgs import dashboard_queries as queries
from lms.orgs.dashboard_builders import ModuleColumn, ProgressFacts, TraineeRow, progress_grid
from lms.orgs.dashboard_queries import BacklogItem, CourseChoice

DEFAULT_STUCK_DAYS = 14


@dataclass
class Dashboard:
    cohort: Cohort
    stuck_days: int
    trainee_count: int
    courses: list[CourseChoice] = field(default_factory=list)
    course: CourseChoice | None = None
    columns: list[ModuleColumn] = field(default_factory=list)
    rows: list[TraineeRow] = field(default_factory=list)
    backlog_count: int = 0
    backlog: list[BacklogItem] = field(default_factory=list)
    certificates: int = 0
    charts: list[Chart] = field(default_factory=list)

    @property
    def enrolled_rows(self) -> list[TraineeRow]:
        return [row for row in self.rows if row.enrolled]

    @property
    def stuck(self) -> list[TraineeRow]:
        return [row for row in self.rows if row.stuck_reasons]

    @property
    def completed(self) -> int:
        return sum(1 for row in self.rows if row.completed_at is not None)

    @property
    def not_enrolled(self) -> int:
        return sum(1 for row in self.rows if not row.enrolled)

    @property
    def mean_percent(self) -> int:
        rows = self.enrolled_rows
        return round(sum(row.percent for row in rows) / len(rows)) if rows else 0


def build_dashboard(cohort: Cohort, *, course_id: int | None = None, stuck_days: int = DEFAULT_STUCK_DAYS,
                    now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    trainees = queries.trainees(cohort.id)
    courses = queries.course_choices(cohort.id)
    dashboard = Dashboard(cohort=cohort, stuck_days=stuck_days, trainee_count=len(trainees), courses=courses)
    if not courses:
        dashboard.rows = progress_grid(trainees, ProgressFacts(), now=now, stuck_days=stuck_days).rows
        return dashboard
    dashboard.course = next((c for c in courses if c.id == course_id), courses[0])
    scope = queries.CourseScope(cohort.id, dashboard.course.id)
    facts = queries.progress_facts(scope)
    grid = progress_grid(trainees, facts, now=now, stuck_days=stuck_days)
    dashboard.columns, dashboard.rows, dashboard.backlog_count = grid.columns, grid.rows, grid.waiting
    dashboard.backlog = queries.backlog(scope, now)
    dashboard.certificates = queries.certificates(scope)
    grades, rubrics = queries.grades(scope), queries.rubrics(scope)
    start = cohort.starts_on or min((e.created_at.date() for e in facts.enrolments), default=now.date())
    dashboard.charts = [
        charts.completion_chart(facts.enrolments, facts.passes, grid.modules_per_version, start, now.date()),
        charts.pass_rate_chart(grid.columns, grid.check_totals),
        charts.rubric_chart(grades, rubrics),
        charts.turnaround_chart(queries.turnaround(scope, now), now.date()),
        charts.agreement_chart(grades, rubrics),
    ]
    return dashboard
