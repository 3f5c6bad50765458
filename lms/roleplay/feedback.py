"""Formative feedback on a written draft: the analyzer's reading of each reply, the course's targets
and red flags, as plain data for the attempt page and the autosave endpoint. Guidance only: the
supervisor's rubric decides."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from lms.roleplay.analyzer import LABELS, analyze_transcript, reported_accuracy
from lms.roleplay.analyzer import notes as analyzer_notes
from lms.roleplay.language import reads_as_spanish

# The analyzer's notes are marked for the catalogue; shown to a trainee, they are in the trainee's language.
analyzer_notes.translator = _

RATIO_TARGETS = ("reflections_per_question", "complex_reflection_share")


def label_names() -> dict[str, str]:
    return {
        "open_question": _("Open question"),
        "closed_question": _("Closed question"),
        "reflection": _("Reflection"),
        "affirmation": _("Affirmation"),
        "advice": _("Advice"),
        "information": _("Information"),
        "minimizing": _("Minimizing"),
        "judgment": _("Judgment or label"),
        "secrecy_promise": _("Secrecy promise"),
        "self_disclosure": _("Long self-disclosure"),
    }


def _target_text(name: str) -> str:
    names = label_names()
    if name == "reflections_per_question":
        return _("Reflections per question")
    if name == "complex_reflection_share":
        return _("Share of reflections that are complex")
    if name.startswith("max_"):
        return _("%(label)s (at most)", label=names.get(name[4:], name[4:]))
    if name.startswith("min_"):
        return _("%(label)s (at least)", label=names.get(name[4:], name[4:]))
    return name


def persona_lines(turns: list | None) -> list[str | None]:
    """The scripted persona line each reply answers (the analyzer reads a reply against it)."""
    return [str(t.get("persona") or "") or None if isinstance(t, Mapping) else None for t in (turns or [])]


def _reply_feedback(analysis, names: dict[str, str]) -> dict:
    ordered = [label for label in LABELS if label in analysis.labels]
    return {
        "labels": [{"id": label, "name": names[label], "flag": label in analysis.red_flags} for label in ordered],
        "notes": list(analysis.notes),
        "complex_reflection": analysis.complex_reflection,
        "red_flag": bool(analysis.red_flags),
    }


def _target_check(check) -> dict:
    is_ratio = check.name in RATIO_TARGETS
    return {
        "name": check.name,
        "label": _target_text(check.name),
        "value": None if check.value is None else (round(check.value, 2) if is_ratio else int(check.value)),
        "target": round(check.target, 2) if is_ratio else int(check.target),
        "met": check.met,
        "at_most": check.name.startswith("max_"),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _totals(result) -> dict:
    return {
        "questions": result.questions,
        "reflections": result.reflections,
        "complex_reflections": result.complex_reflections,
        "reflections_per_question": _rounded(result.reflections_per_question),
        "complex_reflection_share": _rounded(result.complex_reflection_share),
        "advice": result.counts["advice"],
    }


def formative_feedback(replies: list[str], targets: Mapping[str, float] | None, turns: list | None = None) -> dict:
    """The analysis of a draft, as plain data for the page and the autosave endpoint; ``turns`` are the scenario's
    scripted turns, whose persona lines give each reply its context."""
    written = [(i, r) for i, r in enumerate(replies) if str(r).strip()]
    # The analyzer reads English only: a reply in Spanish gets a plain notice instead of guesses.
    answered = [(i, r) for i, r in written if not reads_as_spanish(str(r))]
    not_english = [i for i, r in written if reads_as_spanish(str(r))]
    lines = persona_lines(turns)
    contexts = [lines[i] if i < len(lines) else None for i, _reply in answered]
    result = analyze_transcript([r for _i, r in answered], dict(targets or {}), contexts=contexts)
    names = label_names()
    per_reply: list[dict | None] = [None] * len(replies)
    for (index, _reply), analysis in zip(answered, result.analyses, strict=True):
        per_reply[index] = _reply_feedback(analysis, names)
    for index in not_english:
        per_reply[index] = {"labels": [], "notes": [], "complex_reflection": False, "red_flag": False,
                            "english_only": True}
    return {
        "replies": per_reply,
        "english_only": bool(not_english),
        "analyzed": len(answered),
        "accuracy": reported_accuracy(),
        "totals": _totals(result),
        "targets": [_target_check(check) for check in result.target_checks],
        "red_flags": [
            {"turn": answered[flag.reply_index][0] + 1, "label": names[flag.label], "note": flag.note}
            for flag in result.red_flags
        ],
    }
