"""The cohort dashboard's five charts, from plain facts: completion over time, knowledge-check pass rate,
rubric scores, grading turnaround and rater agreement. Pure; drawn by `lms.charts`."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from lms.charts import Chart, bar_chart, line_chart
from lms.models import GradeKind
from lms.orgs.dashboard_builders import EnrolmentFact, ModuleColumn, ModulePassed
from lms.roleplay.agreement_report import GradeFact, RatingPair, agreement_row, blind_pairs

TURNAROUND_WEEKS = 12
MAX_TIMELINE_POINTS = 26


class RubricFact(NamedTuple):
    rubric_id: int
    criteria: list[dict] | None


class Turnaround(NamedTuple):
    submitted_at: datetime
    graded_at: datetime



def _week_label(week: date) -> str:
    """A week's first day as the reader writes it ("3 Mar", "3 mar")."""
    return format_date(week, "d MMM")

def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _timeline(start: date, today: date) -> list[date]:
    """Week starts from `start` to today, thinned out evenly (the last week kept) to stay readable."""
    first = _week_start(min(start, today))
    weeks = [first + timedelta(weeks=i) for i in range((_week_start(today) - first).days // 7 + 1)]
    if len(weeks) > MAX_TIMELINE_POINTS:
        step = -(-len(weeks) // MAX_TIMELINE_POINTS)
        weeks = weeks[::-1][::step][::-1]
    return weeks


def completion_chart(enrolments: Sequence[EnrolmentFact], passes: Sequence[ModulePassed],
                     modules_per_version: Mapping[int, int], start: date, today: date) -> Chart:
    """Cumulative share of trainees who completed the course and of module passes, week by week."""
    weeks = _timeline(start, today)
    enrolled = len(enrolments)
    possible = sum(modules_per_version.get(e.course_version_id, 0) for e in enrolments)
    course_done = [e.completed_at.date() for e in enrolments if e.completed_at]
    module_done = [p.passed_at.date() for p in passes]
    series_course, series_modules = [], []
    for week in weeks:
        end = week + timedelta(days=6)
        series_course.append(100 * sum(1 for d in course_done if d <= end) / enrolled if enrolled else 0)
        series_modules.append(100 * sum(1 for d in module_done if d <= end) / possible if possible else 0)
    last_course = series_course[-1] if series_course else 0
    last_modules = series_modules[-1] if series_modules else 0
    return line_chart(
        "chart-completion",
        _("Completion over time"),
        [_week_label(week) for week in weeks],
        [(_("Trainees who completed the course (%)"), series_course),
         (_("Module passes out of all modules (%)"), series_modules)],
        x_header=_("Week starting"),
        max_value=100,
        unit="%",
        summary=_("By the last week, %(course)s%% of enrolled trainees completed the course and "
                  "%(modules)s%% of all modules were passed.", course=round(last_course), modules=round(last_modules)),
    )


def pass_rate_chart(columns: Sequence[ModuleColumn], check_totals: Mapping[int, list[int]]) -> Chart:
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


def criteria_titles(rubrics: Iterable[RubricFact]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for rubric in rubrics:
        for criterion in rubric.criteria or []:
            titles.setdefault(str(criterion.get("id")), criterion.get("title") or str(criterion.get("id")))
    return titles


def rubric_chart(grades: Iterable[GradeFact], rubrics: Iterable[RubricFact]) -> Chart:
    """The mean level per criterion over the grades that count first (primary grades)."""
    titles = criteria_titles(rubrics)
    levels: dict[str, list[int]] = defaultdict(list)
    for grade in grades:
        if grade.kind == GradeKind.PRIMARY:
            for criterion_id, level in (grade.levels or {}).items():
                levels[str(criterion_id)].append(int(level))
    order = list(titles) + sorted(set(levels) - set(titles))
    items = [(titles.get(cid, cid), statistics.fmean(levels[cid]) if levels.get(cid) else None) for cid in order]
    counts = [str(len(levels.get(cid, []))) for cid in order]
    lowest = min((item for item in items if item[1] is not None), key=lambda item: item[1], default=None)
    summary = (_("Lowest mean level: %(criterion)s, %(level)s out of 4.", criterion=lowest[0],
                 level=f"{lowest[1]:.1f}") if lowest else _("No role-play has been graded yet."))
    return bar_chart(
        "chart-rubric", _("Role-play rubric scores per criterion (mean level, 1 to 4)"), items,
        label_header=_("Criterion"), value_header=_("Mean level"), max_value=4, digits=1,
        summary=summary, extra_columns=[(_("Grades"), counts)],
    )


def turnaround_chart(turnaround: Iterable[Turnaround], today: date) -> Chart:
    by_week: dict[date, list[float]] = defaultdict(list)
    for submitted_at, graded_at in turnaround:
        by_week[_week_start(graded_at.date())].append((graded_at - submitted_at).total_seconds() / 3600)
    first = _week_start(today) - timedelta(weeks=TURNAROUND_WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range(TURNAROUND_WEEKS)]
    items = [(_week_label(week), statistics.median(by_week[week]) if by_week.get(week) else None)
             for week in weeks]
    counts = [str(len(by_week.get(week, []))) for week in weeks]
    graded = [hours for week in weeks for hours in by_week.get(week, [])]
    median = format_decimal(statistics.median(graded), format="0.0") if graded else ""
    summary = (_("Median time to grade over these weeks: %(hours)s hours.", hours=median)
               if graded else _("Nothing was graded in these weeks."))
    return bar_chart(
        "chart-turnaround", _("Grading turnaround (median hours from submission to grade, by week)"), items,
        label_header=_("Week starting"), value_header=_("Median hours"), digits=1, summary=summary,
        extra_columns=[(_("Graded"), counts)],
    )


def agreement_chart(grades: Iterable[GradeFact], rubrics: Iterable[RubricFact]) -> Chart:
    """Blind second marks against the primary grade (the agreement report's pairs): exact agreement and
    weighted kappa per criterion."""
    titles = criteria_titles(rubrics)
    by_criterion: dict[str, list[RatingPair]] = defaultdict(list)
    for pair in blind_pairs(grades):
        if pair.source == GradeKind.SECOND:
            by_criterion[pair.criterion_id].append(pair)
    order = [cid for cid in titles if cid in by_criterion] + sorted(set(by_criterion) - set(titles))
    rows = [agreement_row(cid, titles.get(cid, cid), by_criterion[cid]) for cid in order]
    total = sum(row.n for row in rows)
    summary = (_("%(pairs)d pairs of blind grades compared.", pairs=total) if total
               else _("No role-play has been second-marked yet."))
    return bar_chart(
        "chart-agreement", _("Rater agreement per criterion (second marking)"),
        [(row.label, row.percent) for row in rows],
        label_header=_("Criterion"), value_header=_("Exact agreement"), max_value=100, unit="%", digits=0,
        summary=summary, extra_columns=[(_("Weighted kappa"), ["–" if r.kappa is None else f"{r.kappa:.2f}"
                                                              for r in rows]),
                                        (_("Pairs"), [str(row.n) for row in rows])],
    )
