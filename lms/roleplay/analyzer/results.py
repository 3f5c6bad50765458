"""What the analyzer returns: one reply's analysis and a transcript's totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

LABELS = (
    "open_question",
    "closed_question",
    "reflection",
    "affirmation",
    "advice",
    "information",
    "minimizing",
    "judgment",
    "secrecy_promise",
    "self_disclosure",
)
RED_FLAGS = ("secrecy_promise", "judgment", "minimizing")
QUESTION_LABELS = ("open_question", "closed_question")



@dataclass(frozen=True)
class ReplyAnalysis:
    """What one reply does. ``notes`` has one human-readable line per label found (red flags first)."""

    labels: frozenset[str]
    notes: tuple[str, ...]
    complex_reflection: bool = False
    #: Model probabilities per head ("question", "open", "reflection", "complex", "advice", "information");
    #: empty when no model is loaded. Informative only.
    scores: tuple[tuple[str, float], ...] = ()
    #: AnnoMI's four-way main behaviour of the reply ("question", "reflection", "therapist_input", "other").
    main_behaviour: str | None = None

    @property
    def is_question(self) -> bool:
        return bool(self.labels & set(QUESTION_LABELS))

    @property
    def red_flags(self) -> frozenset[str]:
        return self.labels & frozenset(RED_FLAGS)


class TargetCheck(NamedTuple):
    """One feedback target: ``value`` against ``target`` (``>=`` for ratios and ``min_*``, ``<=`` for ``max_*``)."""

    name: str
    value: float | None
    target: float
    met: bool


class RedFlag(NamedTuple):
    reply_index: int
    label: str
    note: str


@dataclass(frozen=True)
class TranscriptFeedback:
    analyses: tuple[ReplyAnalysis, ...]
    counts: dict[str, int]
    questions: int
    reflections: int
    complex_reflections: int
    #: reflections / questions; None when there is no question.
    reflections_per_question: float | None
    #: complex reflections / reflections; None when there is no reflection.
    complex_reflection_share: float | None
    target_checks: list[TargetCheck] = field(default_factory=list)
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def all_targets_met(self) -> bool:
        return all(check.met for check in self.target_checks)
