"""Transcript totals: MITI-style counts and ratios of a trainee's replies, checked against a course's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from .decisions import Analyzer
from .model import load_model
from .notes import NOTE_ORDER
from .results import LABELS, RED_FLAGS, RedFlag, ReplyAnalysis, TargetCheck, TranscriptFeedback

#: Used by ``analyze_transcript`` when no targets are given: the MITI 4 "fair" competency thresholds.
DEFAULT_TARGETS: dict[str, float] = {"reflections_per_question": 1.0, "complex_reflection_share": 0.4}


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer(load_model())


def reported_accuracy() -> float | None:
    """The shipped model's four-way macro-F1 on unseen transcripts (grouped cross-validation), if measured."""
    cv = (default_analyzer().model or {}).get("cv_main") or {}
    return cv.get("macro_f1")


def analyze_reply(text: str, context: str | None = None) -> ReplyAnalysis:
    """Label one reply; ``context`` is the other person's preceding line when it is known."""
    return default_analyzer().analyze(text, context)


def analyze_transcript(
    replies: Sequence[str],
    targets: Mapping[str, float] | None = None,
    *,
    contexts: Sequence[str | None] | None = None,
    analyzer: Analyzer | None = None,
) -> TranscriptFeedback:
    """Analyse a trainee's replies and check MITI-style totals against ``targets``.

    ``targets`` are a course's ``feedback_targets``; ``None`` uses ``DEFAULT_TARGETS`` and ``{}`` checks nothing.
    Known keys: ``reflections_per_question`` and ``complex_reflection_share`` (value >= target),
    ``max_<label>`` (count <= target, e.g. ``max_advice``) and ``min_<label>`` (count >= target); other keys
    are ignored. When there is no question, ``reflections_per_question`` is None and counts as met if there is at
    least one reflection (the ratio is unbounded); when there is no reflection, ``complex_reflection_share`` is
    None and is not met. ``contexts[i]``, when given, is the other person's line that reply ``i`` answers.
    """
    engine = analyzer or default_analyzer()
    previous = list(contexts or [])
    previous += [None] * (len(replies) - len(previous))
    analyses = tuple(engine.analyze(r, c) for r, c in zip(replies, previous, strict=False))
    counts = {label: sum(1 for a in analyses if label in a.labels) for label in LABELS}
    questions = (
        counts["open_question"]
        + counts["closed_question"]
        - sum(1 for a in analyses if {"open_question", "closed_question"} <= a.labels)
    )
    reflections = counts["reflection"]
    complex_reflections = sum(1 for a in analyses if "reflection" in a.labels and a.complex_reflection)
    rpq = reflections / questions if questions else None
    share = complex_reflections / reflections if reflections else None

    checks = _check_targets(DEFAULT_TARGETS if targets is None else targets, counts, reflections, rpq, share)
    flags = tuple(
        RedFlag(i, label, note) for i, a in enumerate(analyses) for label, note in label_notes(a) if label in RED_FLAGS
    )
    return TranscriptFeedback(
        analyses=analyses,
        counts=counts,
        questions=questions,
        reflections=reflections,
        complex_reflections=complex_reflections,
        reflections_per_question=rpq,
        complex_reflection_share=share,
        target_checks=checks,
        red_flags=flags,
    )


def _check_targets(
    targets: Mapping[str, float],
    counts: Mapping[str, int],
    reflections: int,
    rpq: float | None,
    share: float | None,
) -> list[TargetCheck]:
    """One check per known target key (see ``analyze_transcript``); unknown keys and None targets are skipped."""
    checks: list[TargetCheck] = []
    for name, target in targets.items():
        if target is None:
            continue
        target = float(target)
        if name == "reflections_per_question":
            met = rpq >= target if rpq is not None else reflections > 0
            checks.append(TargetCheck(name, None if rpq is None else round(rpq, 3), target, met))
        elif name == "complex_reflection_share":
            met = share is not None and share >= target
            checks.append(TargetCheck(name, None if share is None else round(share, 3), target, met))
        elif name.startswith(("max_", "min_")) and name[4:] in counts:
            value = counts[name[4:]]
            met = value <= target if name.startswith("max_") else value >= target
            checks.append(TargetCheck(name, value, target, met))
    return checks


def label_notes(analysis: ReplyAnalysis) -> list[tuple[str, str]]:
    ordered = [label for label in NOTE_ORDER if label in analysis.labels]
    return list(zip(ordered, analysis.notes, strict=True))
