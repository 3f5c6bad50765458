"""The role-play pass rule (pure: no Flask, no database).

A role-play passes only when every scored criterion reaches its minimum level AND the total of the
scored levels reaches the scenario's pass mark. A great listener who promises absolute secrecy scores 1
on confidentiality, which is below its (safety-critical) minimum, and does not pass whatever the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    minimum: int
    safety_critical: bool
    levels: Mapping[int, str]  # level -> behavioural anchor

    def anchor(self, level: int) -> str:
        return self.levels.get(level, "")


@dataclass(frozen=True)
class Decision:
    total: int
    max_total: int
    pass_mark: int
    passed: bool
    below_minimum: tuple[str, ...]  # criterion ids under their minimum, in rubric order
    total_reached: bool

    @property
    def decision(self) -> str:
        return "pass" if self.passed else "resubmit"


def scored_criteria(
    rubric_criteria: Iterable[Mapping],
    scenario_criteria: Iterable[str] | None = None,
    minimums: Mapping[str, int] | None = None,
) -> list[Criterion]:
    """The criteria a scenario scores, in rubric order, with the scenario's minimum overrides applied.

    ``scenario_criteria`` empty or None means every criterion of the rubric.
    """
    wanted = set(scenario_criteria or ())
    overrides = dict(minimums or {})
    result = []
    for raw in rubric_criteria:
        if wanted and raw["id"] not in wanted:
            continue
        levels = {int(level): str(text).strip() for level, text in (raw.get("levels") or {}).items()}
        result.append(
            Criterion(
                id=raw["id"],
                title=raw.get("title", raw["id"]),
                minimum=int(overrides.get(raw["id"], raw.get("minimum", 1))),
                safety_critical=bool(raw.get("safety_critical", False)),
                levels=levels,
            )
        )
    return result


def decide(criteria: Iterable[Criterion], levels: Mapping[str, int], pass_mark: int) -> Decision:
    """Apply the pass rule. Every criterion needs a level from 1 to 4 (ValueError otherwise)."""
    criteria = list(criteria)
    total = 0
    below = []
    for criterion in criteria:
        level = levels.get(criterion.id)
        if level is None:
            raise ValueError(f"no level for criterion {criterion.id!r}")
        level = int(level)
        if level not in LEVELS:
            raise ValueError(f"level {level} for criterion {criterion.id!r} is not between 1 and 4")
        total += level
        if level < criterion.minimum:
            below.append(criterion.id)
    total_reached = total >= pass_mark
    return Decision(
        total=total,
        max_total=len(criteria) * LEVELS[-1],
        pass_mark=pass_mark,
        passed=total_reached and not below,
        below_minimum=tuple(below),
        total_reached=total_reached,
    )


def distance(reference: Mapping[str, int], levels: Mapping[str, int]) -> dict[str, int]:
    """Per criterion, how far a grade is from a reference grade (positive: more generous)."""
    return {cid: int(levels[cid]) - int(ref) for cid, ref in reference.items() if cid in levels}
