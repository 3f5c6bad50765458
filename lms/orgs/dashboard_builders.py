"""The cohort dashboard built from plain facts: the progress grid, who is stuck and why, the module
columns. Pure: no Flask request, no database (tests/test_orgs_dashboard_builders.py builds one by hand).

The facts come from `lms.orgs.dashboard_queries`; the charts are drawn by `lms.orgs.dashboard_charts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _

from lms.models import SubmissionState

FAILED_CHECKS_STUCK = 3


# Facts: one tuple per row of a grouped query ---------------------------------------------------

class TraineeFact(NamedTuple):
    user_id: int
    name: str
    active: bool


class EnrolmentFact(NamedTuple):
    enrolment_id: int
    user_id: int
    course_version_id: int
    version: str
    created_at: datetime
    last_activity_at: datetime | None
    completed_at: datetime | None


class ModuleFact(NamedTuple):
    module_id: int
    slug: str
    title: str
    position: int
    course_version_id: int
    lessons: int
    scenarios: int
    quizzes: int


class LessonsRead(NamedTuple):
    enrolment_id: int
    module_id: int
    count: int
    latest: datetime | None


class CheckAttempts(NamedTuple):
    enrolment_id: int
    module_id: int
    passed: int
    failed: int
    latest: datetime | None


class ModulePassed(NamedTuple):
    enrolment_id: int
    module_id: int
    passed_at: datetime


class RoleplayCount(NamedTuple):
    trainee_id: int
    module_id: int
    state: str
    scenarios: int
    latest: datetime | None


@dataclass
class ProgressFacts:
    """What the cohort's trainees did in one course: enrolments, the modules of the versions they follow,
    and per enrolment and module the lessons read, knowledge-check attempts, role-plays and passes."""

    enrolments: list[EnrolmentFact] = field(default_factory=list)
    modules: list[ModuleFact] = field(default_factory=list)
    lessons_read: list[LessonsRead] = field(default_factory=list)
    checks: list[CheckAttempts] = field(default_factory=list)
    passes: list[ModulePassed] = field(default_factory=list)
    roleplays: list[RoleplayCount] = field(default_factory=list)


# What the page shows ---------------------------------------------------------------------------

@dataclass
class ModuleColumn:
    slug: str
    title: str
    position: int


@dataclass
class Cell:
    state: str  # passed | started | not_started
    percent: int = 0
    passed_at: datetime | None = None


@dataclass
class ModuleSteps:
    """One trainee's steps in one module, against the steps the module asks for."""

    lessons: int
    scenarios: int
    has_check: bool
    lessons_read: int = 0
    check_passed: bool = False
    roleplays_passed: int = 0
    passed_at: datetime | None = None


@dataclass
class TraineeRow:
    user_id: int
    name: str
    active: bool
    enrolled: bool = False
    version: str = ""
    course_version_id: int | None = None
    cells: list[Cell] = field(default_factory=list)
    modules_passed: int = 0
    modules_total: int = 0
    completed_at: datetime | None = None
    last_activity: datetime | None = None
    stuck_reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return course_percent(self.modules_passed, self.modules_total)

    def touched(self, at: datetime | None) -> None:
        """Activity at `at` (None: nothing to add)."""
        if at is not None:
            self.last_activity = at if self.last_activity is None else max(self.last_activity, at)


@dataclass
class ProgressGrid:
    columns: list[ModuleColumn]
    rows: list[TraineeRow]
    check_totals: dict[int, list[int]]  # column position -> [attempts passed, attempts]
    modules_per_version: dict[int, int]
    waiting: int  # role-plays of enrolled trainees waiting for a grade (one per trainee and scenario)


def course_percent(modules_passed: int, modules_total: int) -> int:
    """Progress in a course: the share of its modules passed (the grid, the cohort list and the CSV export)."""
    return round(100 * modules_passed / modules_total) if modules_total else 0


def module_cell(steps: ModuleSteps) -> Cell:
    """A module's cell in the grid: passed, or the share of its steps done (lessons, check, role-plays)."""
    if steps.passed_at is not None:
        return Cell("passed", 100, steps.passed_at)
    total = steps.lessons + steps.scenarios + (1 if steps.has_check else 0)
    done = steps.lessons_read + steps.roleplays_passed + (1 if steps.check_passed else 0)
    if not done:
        return Cell("not_started")
    return Cell("started", min(99, round(100 * done / total)) if total else 0)


def module_columns(modules: Iterable[ModuleFact]) -> list[ModuleColumn]:
    """One column per module slug: the newest version in use defines the order; older slugs follow."""
    columns: dict[str, ModuleColumn] = {}
    for module in sorted(modules, key=lambda m: (-m.course_version_id, m.position)):
        columns.setdefault(module.slug, ModuleColumn(module.slug, module.title, len(columns)))
    return list(columns.values())


def _enrol_rows(rows: dict[int, TraineeRow], facts: ProgressFacts, columns: int,
                modules_per_version: dict[int, int]) -> dict[int, TraineeRow]:
    """Fill the rows of enrolled trainees; returns them by enrolment id."""
    by_enrolment = {}
    for e in facts.enrolments:
        row = rows.get(e.user_id)
        if row is None:
            continue
        row.enrolled = True
        row.version = e.version
        row.course_version_id = e.course_version_id
        row.completed_at = e.completed_at
        row.modules_total = modules_per_version.get(e.course_version_id, 0)
        row.last_activity = max(filter(None, (e.created_at, e.last_activity_at)))
        row.cells = [Cell("not_started") for _column in range(columns)]
        by_enrolment[e.enrolment_id] = row
    return by_enrolment


def _module_steps(facts: ProgressFacts, by_enrolment: dict[int, TraineeRow]) -> dict[tuple[int, int], ModuleSteps]:
    """Per (enrolment, module) of the version each trainee follows: the steps asked for and done."""
    modules_by_version: dict[int, list[ModuleFact]] = defaultdict(list)
    for module in facts.modules:
        modules_by_version[module.course_version_id].append(module)
    steps = {
        (enrolment_id, m.module_id): ModuleSteps(lessons=m.lessons, scenarios=m.scenarios, has_check=bool(m.quizzes))
        for enrolment_id, row in by_enrolment.items() for m in modules_by_version.get(row.course_version_id, [])
    }
    enrolment_of = {(row.user_id): enrolment_id for enrolment_id, row in by_enrolment.items()}
    for read in facts.lessons_read:
        if (read.enrolment_id, read.module_id) in steps:
            steps[(read.enrolment_id, read.module_id)].lessons_read += read.count
    for check in facts.checks:
        if check.passed and (check.enrolment_id, check.module_id) in steps:
            steps[(check.enrolment_id, check.module_id)].check_passed = True
    for roleplay in facts.roleplays:
        key = (enrolment_of.get(roleplay.trainee_id), roleplay.module_id)
        if roleplay.state == SubmissionState.PASSED and key in steps:
            steps[key].roleplays_passed += roleplay.scenarios
    for passed in facts.passes:
        if (passed.enrolment_id, passed.module_id) in steps:
            steps[(passed.enrolment_id, passed.module_id)].passed_at = passed.passed_at
    return steps


def _note_activity_and_failed_checks(facts: ProgressFacts, by_enrolment: dict[int, TraineeRow],
                                     titles: dict[int, str]) -> None:
    """Latest activity per row, and a reason to look at a trainee who keeps failing a check."""
    for read in facts.lessons_read:
        if read.enrolment_id in by_enrolment:
            by_enrolment[read.enrolment_id].touched(read.latest)
    for check in facts.checks:
        row = by_enrolment.get(check.enrolment_id)
        if row is None or check.module_id not in titles:
            continue
        if not check.passed and check.failed >= FAILED_CHECKS_STUCK:
            row.stuck_reasons.append(_("Failed the knowledge check of “%(module)s” %(count)d times",
                                       module=titles[check.module_id], count=check.failed))
        row.touched(check.latest)
    by_user = {row.user_id: row for row in by_enrolment.values()}
    for roleplay in facts.roleplays:
        if roleplay.trainee_id in by_user:
            by_user[roleplay.trainee_id].touched(roleplay.latest)


def check_totals(facts: ProgressFacts, columns: list[ModuleColumn], enrolled: Iterable[int]) -> dict[int, list[int]]:
    """Knowledge-check attempts per column: [passed, all], over the enrolments shown."""
    position = {column.slug: column.position for column in columns}
    column_of = {m.module_id: position[m.slug] for m in facts.modules}
    enrolled = set(enrolled)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for check in facts.checks:
        if check.enrolment_id in enrolled and check.module_id in column_of:
            passed, failed = int(check.passed or 0), int(check.failed or 0)
            totals[column_of[check.module_id]][0] += passed
            totals[column_of[check.module_id]][1] += passed + failed
    return totals


def _mark_inactive(rows: Iterable[TraineeRow], now: datetime, stuck_days: int) -> None:
    threshold = now - timedelta(days=stuck_days)
    for row in rows:
        if row.completed_at is None and row.last_activity is not None and row.last_activity < threshold:
            row.stuck_reasons.insert(0, _("No activity for %(days)d days", days=(now - row.last_activity).days))


def progress_grid(trainees: Iterable[TraineeFact], facts: ProgressFacts, *, now: datetime,
                  stuck_days: int) -> ProgressGrid:
    """Every trainee's row: enrolled or not, a cell per module column, activity and reasons to look."""
    rows = {t.user_id: TraineeRow(user_id=t.user_id, name=t.name, active=t.active) for t in trainees}
    columns = module_columns(facts.modules)
    modules_per_version: dict[int, int] = defaultdict(int)
    for module in facts.modules:
        modules_per_version[module.course_version_id] += 1
    by_enrolment = _enrol_rows(rows, facts, len(columns), modules_per_version)
    position = {column.slug: column.position for column in columns}
    slug_of = {m.module_id: m.slug for m in facts.modules}
    for (enrolment_id, module_id), steps in _module_steps(facts, by_enrolment).items():
        row = by_enrolment[enrolment_id]
        row.cells[position[slug_of[module_id]]] = module_cell(steps)
        row.modules_passed += steps.passed_at is not None
    _note_activity_and_failed_checks(facts, by_enrolment, {m.module_id: m.title for m in facts.modules})
    _mark_inactive(by_enrolment.values(), now, stuck_days)
    enrolled_users = {row.user_id for row in by_enrolment.values()}
    waiting = sum(r.scenarios for r in facts.roleplays
                  if r.state == SubmissionState.SUBMITTED and r.trainee_id in enrolled_users)
    return ProgressGrid(columns, list(rows.values()), check_totals(facts, columns, by_enrolment),
                        dict(modules_per_version), waiting)
