"""The summative exam's rules on plain values: drawing a form, the deadline, attempts and waits, scoring.

No Flask and no database. Items are (item key, competency, question dict) where the question has the
shape of `Quiz.questions` items; the exam is the dict stored in `CourseVersion.exam`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from lms.learning.scoring import SINGLE_ANSWER_TYPES, is_correct

MIN_MULTIPLIER = Decimal("1")
MAX_MULTIPLIER = Decimal("4")


@dataclass(frozen=True)
class PoolItem:
    key: int  # the ExamItem's id
    competency: str
    question: Mapping


@dataclass(frozen=True)
class DrawnItem:
    key: int
    position: int  # 1-based, in the order shown
    option_order: list[str]


class PoolTooSmall(ValueError):
    """The pool holds fewer items for a competency than the blueprint draws (a course synced unchecked)."""


def draw_form(pool: Sequence[PoolItem], blueprint: Mapping[str, int],
              rng: random.Random | None = None) -> list[DrawnItem]:
    """One attempt's own form: for each competency, `blueprint[c]` items drawn at random from the pool,
    the whole form shuffled, and each item's options shuffled (true/false keeps True, then False)."""
    rng = rng or random.SystemRandom()
    by_competency: dict[str, list[PoolItem]] = {}
    for item in sorted(pool, key=lambda item: item.key):
        by_competency.setdefault(item.competency, []).append(item)
    chosen: list[PoolItem] = []
    for competency, wanted in sorted(blueprint.items()):
        candidates = by_competency.get(competency, [])
        if len(candidates) < wanted:
            raise PoolTooSmall(f'{len(candidates)} items for "{competency}" in the pool, {wanted} in the blueprint')
        chosen.extend(rng.sample(candidates, wanted))
    rng.shuffle(chosen)
    form = []
    for position, item in enumerate(chosen, start=1):
        option_ids = [option["id"] for option in item.question["options"]]
        if item.question["type"] == "true_false":
            option_ids.sort(key=lambda oid: oid != "true")
        else:
            rng.shuffle(option_ids)
        form.append(DrawnItem(item.key, position, option_ids))
    return form


def deadline(started_at: datetime, time_limit_minutes: int, multiplier: Decimal | float = 1) -> datetime:
    """When the attempt closes by itself: the time limit stretched by the accommodation, to the second."""
    seconds = math.ceil(Decimal(time_limit_minutes) * 60 * Decimal(str(multiplier)))
    return started_at + timedelta(seconds=seconds)


def remaining_seconds(deadline_at: datetime, now: datetime) -> int:
    return max(0, math.floor((deadline_at - now).total_seconds()))


@dataclass(frozen=True)
class PastAttempt:
    submitted_at: datetime | None
    passed: bool | None
    voided: bool


@dataclass(frozen=True)
class StartRule:
    """Whether another attempt may start now; when not, why (`reason`) and, for a wait, when (`opens_at`)."""

    allowed: bool
    reason: str = ""  # "passed" | "no_attempts_left" | "wait"
    opens_at: datetime | None = None
    used: int = 0  # attempts that count toward the limit


def start_rule(history: Iterable[PastAttempt], *, attempts: int, wait_hours: float, now: datetime) -> StartRule:
    """The attempt limit and the wait after a failed attempt. A voided attempt counts for neither: the
    trainee may take it again at once, and it never uses one of their attempts."""
    counted = [past for past in history if not past.voided and past.submitted_at is not None]
    used = len(counted)
    if any(past.passed for past in counted):
        return StartRule(False, "passed", used=used)
    if used >= attempts:
        return StartRule(False, "no_attempts_left", used=used)
    if counted and wait_hours:
        last = max(past.submitted_at for past in counted)
        opens_at = last + timedelta(hours=wait_hours)
        if opens_at > now:
            return StartRule(False, "wait", opens_at=opens_at, used=used)
    return StartRule(True, used=used)


class AnswerRefused(ValueError):
    """The answer does not fit the item as shown (tampered or stale page): refuse, never store."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "unknown_option" | "several_answers"


def selected_options(question: Mapping, option_order: Sequence[str], shown: Iterable[int]) -> list[str]:
    """The option ids chosen, from their places as shown (0-based): the page never carries option ids."""
    chosen = []
    for place in shown:
        if not 0 <= place < len(option_order):
            raise AnswerRefused("unknown_option")
        option_id = option_order[place]
        if option_id not in chosen:
            chosen.append(option_id)
    if question["type"] in SINGLE_ANSWER_TYPES and len(chosen) > 1:
        raise AnswerRefused("several_answers")
    return chosen


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return (100 * self.correct) // self.total if self.total else 0


@dataclass(frozen=True)
class ExamScore:
    correct: int
    total: int
    percent: int  # rounded down: a displayed score never looks like a pass it is not
    passed: bool
    by_competency: tuple[CompetencyScore, ...]
    results: dict[int, bool]  # item key -> answered correctly


def score(answered: Iterable[tuple[int, str, Mapping, Sequence[str]]], pass_mark: int,
          competency_order: Sequence[str] = ()) -> ExamScore:
    """Score (item key, competency, question, selected option ids) tuples: one point per item, all or
    nothing; an unanswered item scores 0. Competencies come in `competency_order`, then the others."""
    results: dict[int, bool] = {}
    tally: dict[str, list[int]] = {}
    for key, competency, question, selected in answered:
        right = bool(selected) and is_correct(question, selected)
        results[key] = right
        counts = tally.setdefault(competency, [0, 0])
        counts[0] += int(right)
        counts[1] += 1
    total = len(results)
    correct = sum(results.values())
    order = [c for c in competency_order if c in tally] + sorted(c for c in tally if c not in competency_order)
    return ExamScore(
        correct=correct, total=total, percent=(100 * correct) // total if total else 0,
        passed=total > 0 and 100 * correct >= pass_mark * total,
        by_competency=tuple(CompetencyScore(c, *tally[c]) for c in order), results=results,
    )


def valid_multiplier(value: Decimal) -> bool:
    return value.is_finite() and MIN_MULTIPLIER <= value <= MAX_MULTIPLIER
