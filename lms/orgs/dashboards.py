"""A cohort's dashboard: progress per trainee and module, who is stuck, the grading backlog, charts.

Every number comes from a fixed set of grouped queries joined on the cohort's membership, so the
number of SQL statements does not depend on the number of trainees (see tests/test_orgs_dashboard.py).
Nothing here loads a relationship per trainee.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.permissions import cohort_trainee_ids
from lms.extensions import db
from lms.models import (
    Certificate,
    Cohort,
    Course,
    CourseVersion,
    Enrolment,
    Grade,
    GradeKind,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Quiz,
    QuizAttempt,
    Rubric,
    Scenario,
    Submission,
    SubmissionState,
    User,
    cohort_trainees,
    utcnow,
)
from lms.charts import Chart, bar_chart, line_chart

DEFAULT_STUCK_DAYS = 14
FAILED_CHECKS_STUCK = 3
BACKLOG_SHOWN = 10
TURNAROUND_WEEKS = 12
MAX_TIMELINE_POINTS = 26


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
        return round(100 * self.modules_passed / self.modules_total) if self.modules_total else 0


@dataclass
class BacklogItem:
    submission_id: int
    trainee_name: str
    scenario_title: str
    attempt_no: int
    submitted_at: datetime | None
    waited_hours: float


@dataclass
class CourseChoice:
    id: int
    title: str
    enrolled: int


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


def _members(cohort_id: int):
    """The cohort's trainees as a subquery to join on."""
    return cohort_trainee_ids(cohort_id).subquery()


def course_choices(cohort_id: int) -> list[CourseChoice]:
    members = _members(cohort_id)
    query = (
        sa.select(Course.id, Course.title, sa.func.count(Enrolment.id))
        .join(Enrolment, Enrolment.course_id == Course.id)
        .join(members, members.c.user_id == Enrolment.user_id)
        .group_by(Course.id, Course.title)
        .order_by(sa.func.count(Enrolment.id).desc(), Course.title)
    )
    return [CourseChoice(*row) for row in db.session.execute(query)]


def build_dashboard(cohort: Cohort, *, course_id: int | None = None, stuck_days: int = DEFAULT_STUCK_DAYS,
                    now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    members = _members(cohort.id)
    trainees = db.session.execute(
        sa.select(User.id, User.name, User.active, User.erased_at)
        .join(members, members.c.user_id == User.id).order_by(User.name, User.id)
    ).all()
    dashboard = Dashboard(cohort=cohort, stuck_days=stuck_days, trainee_count=len(trainees))
    rows = {uid: TraineeRow(user_id=uid, name=name, active=active and erased is None)
            for uid, name, active, erased in trainees}
    dashboard.rows = list(rows.values())
    dashboard.courses = course_choices(cohort.id)
    if not dashboard.courses:
        return dashboard
    dashboard.course = next((c for c in dashboard.courses if c.id == course_id), dashboard.courses[0])
    course_id = dashboard.course.id

    # Enrolments of the cohort in this course, and the modules of the versions they follow.
    enrolments = db.session.execute(
        sa.select(Enrolment.id, Enrolment.user_id, Enrolment.course_version_id, CourseVersion.version,
                  Enrolment.created_at, Enrolment.last_activity_at, Enrolment.completed_at)
        .join(members, members.c.user_id == Enrolment.user_id)
        .join(CourseVersion, CourseVersion.id == Enrolment.course_version_id)
        .where(Enrolment.course_id == course_id)
    ).all()
    in_course = (
        sa.select(Enrolment.id).join(members, members.c.user_id == Enrolment.user_id)
        .where(Enrolment.course_id == course_id).subquery()
    )
    versions_used = sa.select(Enrolment.course_version_id).where(Enrolment.id.in_(sa.select(in_course))).distinct()
    lesson_count = sa.select(sa.func.count(Lesson.id)).where(Lesson.module_id == Module.id).scalar_subquery()
    scenario_count = sa.select(sa.func.count(Scenario.id)).where(Scenario.module_id == Module.id).scalar_subquery()
    quiz_count = sa.select(sa.func.count(Quiz.id)).where(Quiz.module_id == Module.id).scalar_subquery()
    modules = db.session.execute(
        sa.select(Module.id, Module.slug, Module.title, Module.position, Module.course_version_id,
                  lesson_count.label("lessons"), scenario_count.label("scenarios"), quiz_count.label("quizzes"))
        .where(Module.course_version_id.in_(versions_used))
        .order_by(Module.course_version_id.desc(), Module.position)
    ).all()
    module_info = {m.id: m for m in modules}
    columns: dict[str, ModuleColumn] = {}
    for m in modules:  # the newest version in use defines the order; older slugs follow
        columns.setdefault(m.slug, ModuleColumn(m.slug, m.title, len(columns)))
    dashboard.columns = list(columns.values())
    slug_index = {slug: column.position for slug, column in columns.items()}
    modules_by_version: dict[int, list] = defaultdict(list)
    for m in modules:
        modules_by_version[m.course_version_id].append(m)
    modules_per_version = {version_id: len(items) for version_id, items in modules_by_version.items()}

    # Per enrolment and module: lessons read, knowledge-check attempts, role-plays passed, completion.
    lessons_read = db.session.execute(
        sa.select(LessonProgress.enrolment_id, Lesson.module_id, sa.func.count(), sa.func.max(LessonProgress.read_at))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrolment_id.in_(sa.select(in_course)))
        .group_by(LessonProgress.enrolment_id, Lesson.module_id)
    ).all()
    passed_sum = sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0))
    failed_sum = sa.func.sum(sa.case((QuizAttempt.passed.is_(False), 1), else_=0))
    quiz_stats = db.session.execute(
        sa.select(QuizAttempt.enrolment_id, Quiz.module_id, passed_sum, failed_sum,
                  sa.func.max(QuizAttempt.submitted_at))
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(QuizAttempt.enrolment_id.in_(sa.select(in_course)), QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.enrolment_id, Quiz.module_id)
    ).all()
    completions = db.session.execute(
        sa.select(ModuleCompletion.enrolment_id, ModuleCompletion.module_id, ModuleCompletion.passed_at)
        .where(ModuleCompletion.enrolment_id.in_(sa.select(in_course)))
    ).all()
    course_scenarios = (
        sa.select(Scenario.id).join(Module, Module.id == Scenario.module_id)
        .where(Module.course_version_id.in_(versions_used))
    )
    roleplays = db.session.execute(
        sa.select(Submission.trainee_id, Scenario.module_id, Submission.state,
                  sa.func.count(sa.distinct(Submission.scenario_id)), sa.func.max(Submission.updated_at))
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(members, members.c.user_id == Submission.trainee_id)
        .where(Submission.scenario_id.in_(course_scenarios))
        .group_by(Submission.trainee_id, Scenario.module_id, Submission.state)
    ).all()

    by_enrolment = {}
    for e in enrolments:
        row = rows.get(e.user_id)
        if row is None:
            continue
        row.enrolled = True
        row.version = e.version
        row.course_version_id = e.course_version_id
        row.completed_at = e.completed_at
        row.modules_total = modules_per_version.get(e.course_version_id, 0)
        row.last_activity = max(filter(None, (e.created_at, e.last_activity_at)))
        row.cells = [Cell("not_started") for _ in dashboard.columns]
        by_enrolment[e.id] = row

    done: dict[tuple[int, int], int] = defaultdict(int)  # (user_id, module_id) -> steps done
    for enrolment_id, module_id, count, latest in lessons_read:
        row = by_enrolment.get(enrolment_id)
        if row is None:
            continue
        done[(row.user_id, module_id)] += count
        row.last_activity = max(row.last_activity, latest) if latest else row.last_activity
    check_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # module slug index -> [passed, attempts]
    for enrolment_id, module_id, passed, failed, latest in quiz_stats:
        row = by_enrolment.get(enrolment_id)
        info = module_info.get(module_id)
        if row is None or info is None:
            continue
        passed, failed = int(passed or 0), int(failed or 0)
        if passed:
            done[(row.user_id, module_id)] += 1
        elif failed >= FAILED_CHECKS_STUCK:
            row.stuck_reasons.append(
                _("Failed the knowledge check of “%(module)s” %(count)d times", module=info.title, count=failed)
            )
        totals = check_totals[slug_index[info.slug]]
        totals[0] += passed
        totals[1] += passed + failed
        if latest:
            row.last_activity = max(row.last_activity, latest)
    user_rows = {row.user_id: row for row in by_enrolment.values()}
    backlog_total = 0
    for trainee_id, module_id, state, count, latest in roleplays:
        row = user_rows.get(trainee_id)
        if row is None:
            continue
        if state == SubmissionState.PASSED:
            done[(trainee_id, module_id)] += count
        if state == SubmissionState.SUBMITTED:
            backlog_total += count
        if latest:
            row.last_activity = max(row.last_activity, latest)
    passed_at = {(enrolment_id, module_id): at for enrolment_id, module_id, at in completions}
    for enrolment_id, _module_id in passed_at:
        row = by_enrolment.get(enrolment_id)
        if row is not None:
            row.modules_passed += 1
    for enrolment_id, row in by_enrolment.items():
        for info in modules_by_version.get(row.course_version_id, []):
            index = slug_index[info.slug]
            at = passed_at.get((enrolment_id, info.id))
            if at is not None:
                row.cells[index] = Cell("passed", 100, at)
                continue
            steps = info.lessons + info.scenarios + (1 if info.quizzes else 0)
            count = done.get((row.user_id, info.id), 0)
            if count:
                row.cells[index] = Cell("started", min(99, round(100 * count / steps)) if steps else 0)
    threshold = now - timedelta(days=stuck_days)
    for row in by_enrolment.values():
        if row.completed_at is None and row.last_activity is not None and row.last_activity < threshold:
            days = (now - row.last_activity).days
            row.stuck_reasons.insert(0, _("No activity for %(days)d days", days=days))

    # The grading backlog: the oldest waiting submissions, and how many wait.
    waiting = (
        sa.select(Submission.id, User.name, Scenario.title, Submission.attempt_no, Submission.submitted_at)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(User, User.id == Submission.trainee_id)
        .join(members, members.c.user_id == Submission.trainee_id)
        .where(Submission.state == SubmissionState.SUBMITTED, Submission.scenario_id.in_(course_scenarios))
        .order_by(Submission.submitted_at.asc().nulls_last(), Submission.id)
        .limit(BACKLOG_SHOWN)
    )
    dashboard.backlog = [
        BacklogItem(sid, name, title, attempt, at, round((now - at).total_seconds() / 3600, 1) if at else 0.0)
        for sid, name, title, attempt, at in db.session.execute(waiting)
    ]
    dashboard.backlog_count = backlog_total
    dashboard.certificates = db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).join(members, members.c.user_id == Certificate.user_id)
        .where(Certificate.course_id == course_id)
    ) or 0

    # Grades for the rubric, turnaround and agreement charts.
    grades = db.session.execute(
        sa.select(Grade.submission_id, Grade.kind, Grade.levels, Scenario.rubric_id)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(Scenario, Scenario.id == Submission.scenario_id)
        .join(members, members.c.user_id == Submission.trainee_id)
        .where(Submission.scenario_id.in_(course_scenarios),
               Grade.kind.in_([GradeKind.PRIMARY, GradeKind.SECOND]))
    ).all()
    rubric_criteria = db.session.execute(
        sa.select(Rubric.id, Rubric.criteria).where(Rubric.course_version_id.in_(versions_used))
    ).all()
    turnaround = db.session.execute(
        sa.select(Submission.submitted_at, Submission.graded_at)
        .join(members, members.c.user_id == Submission.trainee_id)
        .where(Submission.scenario_id.in_(course_scenarios), Submission.graded_at.is_not(None),
               Submission.submitted_at.is_not(None), Submission.graded_at >= now - timedelta(weeks=TURNAROUND_WEEKS))
    ).all()

    start = cohort.starts_on or min((e.created_at.date() for e in enrolments), default=now.date())
    dashboard.charts = [
        completion_chart(enrolments, completions, modules_per_version, start, now.date()),
        pass_rate_chart(dashboard.columns, check_totals),
        rubric_chart(grades, rubric_criteria),
        turnaround_chart(turnaround, now.date()),
        agreement_chart(grades, rubric_criteria),
    ]
    return dashboard


# Charts ---------------------------------------------------------------------------------------

def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def completion_chart(enrolments, completions, modules_per_version, start: date, today: date) -> Chart:
    """Cumulative share of trainees who completed the course and of module passes, week by week."""
    first = _week_start(min(start, today))
    weeks = [first + timedelta(weeks=i) for i in range((_week_start(today) - first).days // 7 + 1)]
    if len(weeks) > MAX_TIMELINE_POINTS:  # keep the chart readable: thin out evenly, keep the last week
        step = -(-len(weeks) // MAX_TIMELINE_POINTS)
        weeks = weeks[::-1][::step][::-1]
    enrolled = len(enrolments)
    possible = sum(modules_per_version.get(e.course_version_id, 0) for e in enrolments)
    course_done = sorted(e.completed_at.date() for e in enrolments if e.completed_at)
    module_done = sorted(at.date() for _, _, at in completions)
    series_course, series_modules = [], []
    for week in weeks:
        end = week + timedelta(days=6)
        series_course.append(100 * sum(1 for d in course_done if d <= end) / enrolled if enrolled else 0)
        series_modules.append(100 * sum(1 for d in module_done if d <= end) / possible if possible else 0)
    labels = [week.strftime("%d %b") for week in weeks]
    last_course = series_course[-1] if series_course else 0
    last_modules = series_modules[-1] if series_modules else 0
    return line_chart(
        "chart-completion",
        _("Completion over time"),
        labels,
        [(_("Trainees who completed the course (%)"), series_course),
         (_("Module passes out of all modules (%)"), series_modules)],
        x_header=_("Week starting"),
        max_value=100,
        unit="%",
        summary=_("By the last week, %(course)s%% of enrolled trainees completed the course and "
                  "%(modules)s%% of all modules were passed.", course=round(last_course), modules=round(last_modules)),
    )


def pass_rate_chart(columns: list[ModuleColumn], check_totals: dict[int, list[int]]) -> Chart:
    items = []
    attempts = []
    for column in columns:
        passed, total = check_totals.get(column.position, [0, 0])
        items.append((column.title, 100 * passed / total if total else None))
        attempts.append(str(total))
    lowest = min((item for item in items if item[1] is not None), key=lambda item: item[1], default=None)
    summary = (_("Lowest pass rate: %(module)s, %(rate)s%% of attempts.", module=lowest[0], rate=round(lowest[1]))
               if lowest else _("No knowledge check has been taken yet."))
    return bar_chart(
        "chart-pass-rate", _("Knowledge-check pass rate per module"), items,
        label_header=_("Module"), value_header=_("Attempts passed"), max_value=100, unit="%", digits=0,
        summary=summary, extra_columns=[(_("Attempts"), attempts)],
    )


def _criteria_titles(rubric_criteria) -> dict[str, str]:
    titles: dict[str, str] = {}
    for _rubric_id, criteria in rubric_criteria:
        for criterion in criteria or []:
            titles.setdefault(str(criterion.get("id")), criterion.get("title") or str(criterion.get("id")))
    return titles


def rubric_chart(grades, rubric_criteria) -> Chart:
    titles = _criteria_titles(rubric_criteria)
    levels: dict[str, list[int]] = defaultdict(list)
    for _submission_id, kind, grade_levels, _rubric_id in grades:
        if kind != GradeKind.PRIMARY:
            continue
        for criterion_id, level in (grade_levels or {}).items():
            levels[str(criterion_id)].append(int(level))
    order = list(titles) + sorted(set(levels) - set(titles))
    items = [(titles.get(cid, cid), statistics.fmean(levels[cid]) if levels.get(cid) else None) for cid in order]
    counts = [str(len(levels.get(cid, []))) for cid in order]
    scored = [item for item in items if item[1] is not None]
    lowest = min(scored, key=lambda item: item[1], default=None)
    summary = (_("Lowest mean level: %(criterion)s, %(level)s out of 4.", criterion=lowest[0],
                 level=f"{lowest[1]:.1f}") if lowest else _("No role-play has been graded yet."))
    return bar_chart(
        "chart-rubric", _("Role-play rubric scores per criterion (mean level, 1 to 4)"), items,
        label_header=_("Criterion"), value_header=_("Mean level"), max_value=4, digits=1,
        summary=summary, extra_columns=[(_("Grades"), counts)],
    )


def turnaround_chart(turnaround, today: date) -> Chart:
    by_week: dict[date, list[float]] = defaultdict(list)
    for submitted_at, graded_at in turnaround:
        by_week[_week_start(graded_at.date())].append((graded_at - submitted_at).total_seconds() / 3600)
    first = _week_start(today) - timedelta(weeks=TURNAROUND_WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range(TURNAROUND_WEEKS)]
    items = [(week.strftime("%d %b"), statistics.median(by_week[week]) if by_week.get(week) else None)
             for week in weeks]
    counts = [str(len(by_week.get(week, []))) for week in weeks]
    graded = [hours for week in weeks for hours in by_week.get(week, [])]
    summary = (_("Median time to grade over these weeks: %(hours)s hours.", hours=f"{statistics.median(graded):.1f}")
               if graded else _("Nothing was graded in these weeks."))
    return bar_chart(
        "chart-turnaround", _("Grading turnaround (median hours from submission to grade, by week)"), items,
        label_header=_("Week starting"), value_header=_("Median hours"), digits=1, summary=summary,
        extra_columns=[(_("Graded"), counts)],
    )


def _agreement_functions():
    try:
        from lms.roleplay import agreement
        from lms.roleplay.rubric import LEVELS
    except ImportError:  # the role-play feature is not installed: exact agreement only
        return None, None
    return getattr(agreement, "weighted_kappa", None), LEVELS


def agreement_chart(grades, rubric_criteria) -> Chart:
    """Blind second marks against the primary grade: exact agreement and weighted kappa per criterion."""
    titles = _criteria_titles(rubric_criteria)
    primary: dict[int, dict] = {}
    second: dict[int, list[dict]] = defaultdict(list)
    for submission_id, kind, grade_levels, _rubric_id in grades:
        if kind == GradeKind.PRIMARY:
            primary[submission_id] = grade_levels or {}
        else:
            second[submission_id].append(grade_levels or {})
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for submission_id, marks in second.items():
        first = primary.get(submission_id)
        if first is None:
            continue
        for mark in marks:
            for criterion_id, level in mark.items():
                if criterion_id in first:
                    pairs[str(criterion_id)].append((int(first[criterion_id]), int(level)))
    weighted_kappa, levels = _agreement_functions()
    order = [cid for cid in titles if cid in pairs] + sorted(set(pairs) - set(titles))
    items, kappas, counts = [], [], []
    for cid in order:
        values = pairs[cid]
        items.append((titles.get(cid, cid), 100 * sum(1 for a, b in values if a == b) / len(values)))
        counts.append(str(len(values)))
        kappa = None
        if weighted_kappa is not None:
            kappa = weighted_kappa(values, levels, "linear")
            kappa = None if kappa is None or kappa != kappa else float(kappa)  # NaN: no variation
        kappas.append("–" if kappa is None else f"{kappa:.2f}")
    total = sum(len(values) for values in pairs.values())
    summary = (_("%(pairs)d pairs of blind grades compared.", pairs=total) if total
               else _("No role-play has been second-marked yet."))
    return bar_chart(
        "chart-agreement", _("Rater agreement per criterion (second marking)"), items,
        label_header=_("Criterion"), value_header=_("Exact agreement"), max_value=100, unit="%", digits=0,
        summary=summary, extra_columns=[(_("Weighted kappa"), kappas), (_("Pairs"), counts)],
    )


# The staff home page --------------------------------------------------------------------------

@dataclass
class CohortSummary:
    cohort: Cohort
    trainees: int
    enrolled: int
    completed: int
    modules_passed: int
    modules_total: int

    @property
    def percent(self) -> int:
        return round(100 * self.modules_passed / self.modules_total) if self.modules_total else 0


def cohort_summaries(cohorts: list[Cohort]) -> list[CohortSummary]:
    """Trainees, enrolments, completions and module passes for each cohort: four grouped queries."""
    ids = [cohort.id for cohort in cohorts]
    if not ids:
        return []
    ct = cohort_trainees
    trainees = dict(db.session.execute(
        sa.select(ct.c.cohort_id, sa.func.count()).where(ct.c.cohort_id.in_(ids)).group_by(ct.c.cohort_id)
    ).all())
    enrolment_counts = {
        cohort_id: (enrolled, completed)
        for cohort_id, enrolled, completed in db.session.execute(
            sa.select(ct.c.cohort_id, sa.func.count(Enrolment.id), sa.func.count(Enrolment.completed_at))
            .join(Enrolment, Enrolment.user_id == ct.c.user_id)
            .where(ct.c.cohort_id.in_(ids)).group_by(ct.c.cohort_id)
        )
    }
    module_counts = (
        sa.select(Module.course_version_id, sa.func.count(Module.id).label("n"))
        .group_by(Module.course_version_id).subquery()
    )
    totals = dict(db.session.execute(
        sa.select(ct.c.cohort_id, sa.func.sum(module_counts.c.n))
        .join(Enrolment, Enrolment.user_id == ct.c.user_id)
        .join(module_counts, module_counts.c.course_version_id == Enrolment.course_version_id)
        .where(ct.c.cohort_id.in_(ids)).group_by(ct.c.cohort_id)
    ).all())
    passed = dict(db.session.execute(
        sa.select(ct.c.cohort_id, sa.func.count(ModuleCompletion.id))
        .join(Enrolment, Enrolment.user_id == ct.c.user_id)
        .join(ModuleCompletion, ModuleCompletion.enrolment_id == Enrolment.id)
        .where(ct.c.cohort_id.in_(ids)).group_by(ct.c.cohort_id)
    ).all())
    return [
        CohortSummary(
            cohort=cohort,
            trainees=trainees.get(cohort.id, 0),
            enrolled=enrolment_counts.get(cohort.id, (0, 0))[0],
            completed=enrolment_counts.get(cohort.id, (0, 0))[1],
            modules_passed=passed.get(cohort.id, 0),
            modules_total=int(totals.get(cohort.id) or 0),
        )
        for cohort in cohorts
    ]
