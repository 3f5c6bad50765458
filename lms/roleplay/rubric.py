"""The role-play pass rule (pure: no Flask, no database).

A role-play passes only when every scored criterion reaches its minimum level AND the total of the
scored levels reaches the scenario's pass mark AND no gate is breached. Gates (confidentiality and
safety) are rated in every scenario: scored when the scenario lists them, otherwise as a "no breach /
breach" check. A great listener who promises absolute secrecy scores 1 on confidentiality (below its
minimum) or is marked "breach" on it, and does not pass whatever the total.

This is the one home of the rule: the grading pages, the live rating, the calibration against reference
transcripts and `courses check` (reference decisions) all call `decide`.
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
    gate: bool = False

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
    breaches: tuple[str, ...] = ()  # gate criterion ids marked "breach"

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
                gate=bool(raw.get("gate", False)),
            )
        )
    return result


def gate_checks(rubric_criteria: Iterable[Mapping], scenario_criteria: Iterable[str] | None = None) -> list[Criterion]:
    """The gate criteria a scenario does not score: each is a required "no breach / breach" check."""
    scored = set(scenario_criteria or ())
    if not scored:
        return []
    return [c for c in scored_criteria(rubric_criteria) if c.gate and c.id not in scored]


BREACH = "breach"
NO_BREACH = "no_breach"


def decide(criteria: Iterable[Criterion], levels: Mapping[str, int], pass_mark: int,
           gates: Mapping[str, str] | None = None, checks: Iterable[Criterion] = ()) -> Decision:
    """Apply the pass rule. Every criterion needs a level from 1 to 4, and every gate check in `checks`
    an outcome in `gates` ("no_breach" or "breach"); ValueError otherwise."""
    criteria = list(criteria)
    gates = dict(gates or {})
    breaches = []
    for check in checks:
        outcome = gates.get(check.id)
        if outcome not in (BREACH, NO_BREACH):
            raise ValueError(f"no gate outcome for criterion {check.id!r}")
    for cid, outcome in gates.items():
        if outcome == BREACH:
            breaches.append(cid)
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
        passed=total_reached and not below and not breaches,
        below_minimum=tuple(below),
        total_reached=total_reached,
        breaches=tuple(breaches),
    )


def distance(reference: Mapping[str, int], levels: Mapping[str, int]) -> dict[str, int]:
    """Per criterion, how far a grade is from a reference grade (positive: more generous)."""
    return {cid: int(levels[cid]) - int(ref) for cid, ref in reference.items() if cid in levels}
