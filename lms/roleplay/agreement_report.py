"""How consistently supervisors score the same role-play: blind second marks against the primary grade,
calibration grades against the grade that counts, per criterion and per pair of supervisors.

`blind_pairs` is the one rule for which grades make a pair; the cohort dashboard uses it too. The
statistics themselves are in `lms.roleplay.agreement` (pure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import Grade, GradeKind, Submission, User
from lms.roleplay import agreement, rubric
from lms.roleplay.submissions import criteria_for, in_course, in_scope, submission_options

KAPPA_FLAG_BELOW = 0.6


@dataclass(frozen=True)
class GradeFact:
    """What pairing needs of a grade: no database, so the dashboard can pass rows of its own query."""

    submission_id: int
    grade_id: int
    kind: str
    grader_id: int | None
    levels: Mapping[str, int]


@dataclass(frozen=True)
class RatingPair:
    submission_id: int
    criterion_id: str
    rater_a_id: int  # who gave the grade compared against: the primary grade, or the grade that counts
    rater_b_id: int  # who graded blind
    level_a: int
    level_b: int
    source: str  # second | calibration


@dataclass
class AgreementRow:
    key: str
    label: str
    n: int
    kappa: float | None
    percent: float | None
    interpretation: str
    flagged: bool


@dataclass
class AgreementReport:
    by_criterion: list[AgreementRow]
    by_pair: list[AgreementRow]
    submissions: int
    pairs: int


def _pairs_of_one_submission(grades: Sequence[GradeFact]) -> list[RatingPair]:
    first = next((g for g in grades if g.kind == GradeKind.PRIMARY), None)
    corrections = [g for g in grades if g.kind == GradeKind.CORRECTION]
    counts = corrections[-1] if corrections else first
    pairs = []
    for grade in grades:
        base = {GradeKind.SECOND: first, GradeKind.CALIBRATION: counts}.get(grade.kind)
        if base is None or base.grader_id is None or grade.grader_id is None or base.grader_id == grade.grader_id:
            continue  # a rater compared with themself says nothing about agreement
        pairs.extend(
            RatingPair(grade.submission_id, str(cid), base.grader_id, grade.grader_id, int(base.levels[cid]),
                       int(level), str(grade.kind))
            for cid, level in (grade.levels or {}).items() if cid in (base.levels or {})
        )
    return pairs


def blind_pairs(grades: Iterable[GradeFact]) -> list[RatingPair]:
    """Criterion-level pairs: each blind second mark against the submission's primary grade, each calibration
    grade against the grade that counts (the latest correction, else the primary), by two different raters."""
    by_submission: dict[int, list[GradeFact]] = defaultdict(list)
    for grade in grades:
        by_submission[grade.submission_id].append(grade)
    pairs: list[RatingPair] = []
    for submission_id in sorted(by_submission):
        pairs.extend(_pairs_of_one_submission(sorted(by_submission[submission_id], key=lambda g: g.grade_id)))
    return pairs


def agreement_row(key: str, label: str, pairs: Sequence[RatingPair]) -> AgreementRow:
    """Weighted kappa (linear, rubric levels) and exact agreement over some pairs."""
    values = [(p.level_a, p.level_b) for p in pairs]
    kappa = agreement.weighted_kappa(values, rubric.LEVELS, "linear") if values else None
    percent = agreement.percent_agreement(values) if values else None
    return AgreementRow(
        key=key,
        label=label,
        n=len(values),
        kappa=None if kappa is None else round(kappa, 3),
        percent=None if percent is None else round(percent, 1),
        interpretation=kappa_reading(kappa),
        flagged=kappa is not None and round(kappa, 3) < KAPPA_FLAG_BELOW,
    )


def kappa_reading(kappa: float | None) -> str:
    """Landis and Koch's reading of a kappa, in the interface's language."""
    readings = {"poor": _("poor"), "slight": _("slight"), "fair": _("fair"), "moderate": _("moderate"),
                "substantial": _("substantial"), "almost perfect": _("almost perfect")}
    if kappa is None:
        return _("not enough data")
    label = agreement.interpret_kappa(kappa)
    return readings.get(label, label)


def _double_graded(user: User, course_id: int | None) -> list[Submission]:
    query = in_scope(sa.select(Submission), user).where(
        Submission.id.in_(sa.select(Grade.submission_id).where(
            Grade.kind.in_([GradeKind.SECOND, GradeKind.CALIBRATION])))
    )
    query = in_course(query, course_id)
    return list(db.session.scalars(query.options(*submission_options()).order_by(Submission.id)).unique())


def _facts(submissions: Iterable[Submission]) -> list[GradeFact]:
    return [GradeFact(s.id, g.id, g.kind, g.grader_id if g.grader is not None else None, g.levels or {})
            for s in submissions for g in s.grades]


def _criterion_titles(submissions: Iterable[Submission]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for submission in submissions:
        for criterion in criteria_for(submission.scenario):
            titles.setdefault(criterion.id, criterion.title)
    return titles


def rating_pairs(user: User, course_id: int | None = None) -> tuple[list[RatingPair], dict[str, str]]:
    """The pairs in the user's scope (and course), with the criteria's titles."""
    submissions = _double_graded(user, course_id)
    return blind_pairs(_facts(submissions)), _criterion_titles(submissions)


def agreement_report(user: User, course_id: int | None = None) -> AgreementReport:
    submissions = _double_graded(user, course_id)
    pairs, titles = blind_pairs(_facts(submissions)), _criterion_titles(submissions)
    names = {g.grader_id: g.grader.name for s in submissions for g in s.grades if g.grader is not None}
    by_criterion: dict[str, list[RatingPair]] = defaultdict(list)
    by_raters: dict[tuple[int, int], list[RatingPair]] = defaultdict(list)
    for pair in pairs:
        by_criterion[pair.criterion_id].append(pair)
        by_raters[tuple(sorted((pair.rater_a_id, pair.rater_b_id)))].append(pair)
    order = list(titles)
    criterion_rows = [agreement_row(cid, titles.get(cid, cid), by_criterion[cid])
                      for cid in sorted(by_criterion, key=lambda c: order.index(c) if c in order else len(order))]
    pair_rows = [agreement_row(f"{a}-{b}", f"{names.get(a, a)} / {names.get(b, b)}", rows)
                 for (a, b), rows in sorted(by_raters.items())]
    return AgreementReport(criterion_rows, pair_rows, len({p.submission_id for p in pairs}), len(pairs))
