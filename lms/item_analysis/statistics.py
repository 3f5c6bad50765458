"""Classical item statistics on plain values: facility, discrimination, option use, KR-20 and flags.

Pure: no Flask, no database. The input is one `AttemptResponses` per attempt (each item it presented,
whether the answer was right and which options were chosen) and the `ItemKey`s (the options, which are
correct, the competency). Scores are numbers of items correct; variances divide by N (the population
form, the one KR-20's p·q terms use). A statistic that cannot be computed (too few attempts, nobody
or everybody right, no variance) is None, never an error: pages show it as "not computable".

Conventions, so that a reader can redo the numbers by hand:
- **Point-biserial** is the *corrected* one: the item's 0/1 score correlated with the *rest score*
  (the attempt's number correct minus this item), so an item is not correlated with itself.
- **Upper-lower index** D = p(upper) − p(lower), the groups being the top and bottom 27% of all attempts
  by number correct (Kelley), each of round(0.27·N) attempts. Ties are broken by attempt id, so the
  result does not depend on the order rows came in.
- **KR-20** = k/(k−1) · (1 − Σ p·q / σ²) over the items of a form. When attempts saw different forms
  (an exam drawn from a pool), k is the mean form length and Σ p·q is k times the exposure-weighted mean
  of p·q; with one form for everyone this is exactly KR-20. Per competency, the same over that
  competency's items and the number correct on them. SEM = σ·√(1 − KR-20), on the number-correct scale.
- **Flags**: facility > 0.9 (too easy) or < 0.3 (too hard); corrected point-biserial < 0 (negative) or
  < 0.2 (weak); a distractor nobody chose (rate 0, with at least one attempt); a distractor the strong
  candidates are drawn to: chosen by a larger share of the upper 27% than of the lower 27%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

UPPER_LOWER_SHARE = 0.27
TOO_EASY = 0.9
TOO_HARD = 0.3
WEAK_DISCRIMINATION = 0.2


@dataclass(frozen=True)
class ItemKey:
    """What an item is, as the course files say: its options in file order and which are correct."""

    id: str
    options: tuple[str, ...]
    correct: frozenset[str]
    competency: str = ""


@dataclass(frozen=True)
class ItemResponse:
    correct: bool
    selected: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AttemptResponses:
    """One attempt: the items it presented (answered or not) and how each was answered."""

    attempt_id: int
    items: dict[str, ItemResponse]

    @property
    def score(self) -> int:
        return sum(1 for response in self.items.values() if response.correct)


@dataclass(frozen=True)
class OptionStats:
    id: str
    correct: bool
    rate: float | None  # share of the item's attempts that chose it
    upper_rate: float | None
    lower_rate: float | None


@dataclass(frozen=True)
class Flag:
    # too_easy | too_hard | negative_discrimination | weak_discrimination | unused_distractor | strong_distractor
    code: str
    option: str | None = None


@dataclass(frozen=True)
class ItemStats:
    id: str
    competency: str
    n: int
    facility: float | None
    point_biserial: float | None  # corrected: against the rest score
    upper_lower: float | None
    omitted_rate: float | None
    options: tuple[OptionStats, ...]
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Reliability:
    items: int
    kr20: float | None
    sem: float | None


@dataclass(frozen=True)
class TestStats:
    n: int
    items: float  # mean form length
    mean: float | None
    sd: float | None
    kr20: float | None
    sem: float | None
    by_competency: dict[str, Reliability] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    test: TestStats
    items: tuple[ItemStats, ...]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def population_sd(values: Sequence[float]) -> float | None:
    centre = mean(values)
    if centre is None:
        return None
    return math.sqrt(sum((value - centre) ** 2 for value in values) / len(values))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The correlation of two equally long series; None when there are fewer than 2 or either is constant."""
    if len(xs) < 2:
        return None
    mx, my = mean(xs), mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def upper_lower_groups(attempts: Sequence[AttemptResponses]) -> tuple[set[int], set[int]]:
    """Attempt ids of the top and bottom 27% by number correct (ties broken by attempt id)."""
    size = round(UPPER_LOWER_SHARE * len(attempts))
    if size < 1 or len(attempts) < 2:
        return set(), set()
    ranked = sorted(attempts, key=lambda attempt: (attempt.score, attempt.attempt_id))
    return {a.attempt_id for a in ranked[-size:]}, {a.attempt_id for a in ranked[:size]}


def _rate(count: int, total: int) -> float | None:
    return count / total if total else None


def item_stats(key: ItemKey, attempts: Sequence[AttemptResponses], upper: set[int], lower: set[int]) -> ItemStats:
    taken = [(attempt, attempt.items[key.id]) for attempt in attempts if key.id in attempt.items]
    n = len(taken)
    item_scores = [1.0 if response.correct else 0.0 for _, response in taken]
    rest_scores = [attempt.score - score for (attempt, _), score in zip(taken, item_scores, strict=True)]
    facility = _rate(int(sum(item_scores)), n)
    in_upper = [response for attempt, response in taken if attempt.attempt_id in upper]
    in_lower = [response for attempt, response in taken if attempt.attempt_id in lower]
    upper_lower = None
    if in_upper and in_lower:
        upper_lower = (sum(r.correct for r in in_upper) / len(in_upper)
                       - sum(r.correct for r in in_lower) / len(in_lower))
    options = tuple(
        OptionStats(
            option, option in key.correct,
            _rate(sum(option in r.selected for _, r in taken), n),
            _rate(sum(option in r.selected for r in in_upper), len(in_upper)),
            _rate(sum(option in r.selected for r in in_lower), len(in_lower)),
        )
        for option in key.options
    )
    stats = ItemStats(key.id, key.competency, n, facility, pearson(item_scores, rest_scores), upper_lower,
                      _rate(sum(not r.selected for _, r in taken), n), options)
    return replace(stats, flags=flags_for(stats))


def flags_for(stats: ItemStats) -> tuple[Flag, ...]:
    flags = []
    if stats.facility is not None and stats.facility > TOO_EASY:
        flags.append(Flag("too_easy"))
    if stats.facility is not None and stats.facility < TOO_HARD:
        flags.append(Flag("too_hard"))
    if stats.point_biserial is not None and stats.point_biserial < 0:
        flags.append(Flag("negative_discrimination"))
    elif stats.point_biserial is not None and stats.point_biserial < WEAK_DISCRIMINATION:
        flags.append(Flag("weak_discrimination"))
    for option in stats.options:
        if option.correct or option.rate is None:
            continue
        if option.rate == 0:
            flags.append(Flag("unused_distractor", option.id))
        elif (option.upper_rate is not None and option.lower_rate is not None
              and option.upper_rate > option.lower_rate):
            flags.append(Flag("strong_distractor", option.id))
    return tuple(flags)


def reliability(keys: Sequence[ItemKey], attempts: Sequence[AttemptResponses]) -> tuple[Reliability, float | None]:
    """KR-20 and SEM over `keys` (see the module docstring for forms that differ); also the score SD."""
    ids = {key.id for key in keys}
    scores, exposures, weighted_pq = [], 0, 0.0
    for attempt in attempts:
        presented = [r for item_id, r in attempt.items.items() if item_id in ids]
        if presented:
            scores.append(float(sum(r.correct for r in presented)))
    for key in keys:
        results = [a.items[key.id].correct for a in attempts if key.id in a.items]
        if results:
            p = sum(results) / len(results)
            exposures += len(results)
            weighted_pq += len(results) * p * (1 - p)
    sd = population_sd(scores)
    k = exposures / len(scores) if scores else 0.0
    if len(scores) < 2 or k <= 1 or not sd:
        return Reliability(round(k), None, None), sd
    sum_pq = k * weighted_pq / exposures
    kr20 = k / (k - 1) * (1 - sum_pq / sd**2)
    sem = sd * math.sqrt(1 - kr20) if kr20 <= 1 else None
    return Reliability(round(k), kr20, sem), sd


def analyse(keys: Sequence[ItemKey], attempts: Sequence[AttemptResponses]) -> Analysis:
    """Every item's statistics and the test's, from the attempts' responses."""
    upper, lower = upper_lower_groups(attempts)
    items = tuple(item_stats(key, attempts, upper, lower) for key in keys)
    overall, sd = reliability(keys, attempts)
    scores = [float(attempt.score) for attempt in attempts]
    competencies = sorted({key.competency for key in keys if key.competency})
    by_competency = {c: reliability([k for k in keys if k.competency == c], attempts)[0] for c in competencies}
    exposures = sum(item.n for item in items)
    test = TestStats(len(attempts), exposures / len(attempts) if attempts else 0.0, mean(scores), sd,
                     overall.kr20, overall.sem, by_competency)
    return Analysis(test, items)
