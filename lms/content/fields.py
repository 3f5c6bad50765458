"""Field specs: which keys each course file may hold, their types, which are required, their defaults.

`check_fields` applies one spec to a parsed mapping and reports every unknown, missing or mistyped
key with its line. Pure: no Flask, no database.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lms.content.yaml_lines import describe, line_of

MISSING = object()


@dataclass(frozen=True)
class F:
    """One key of a YAML mapping: the type it must have, whether it is required, its default."""

    kind: str  # text | int | number | bool | list | map | any
    required: bool = True
    default: Any = None


TYPE_NAMES = {"text": "text", "int": "a whole number", "number": "a number", "bool": "true or false",
              "list": "a list", "map": "a mapping (key: value lines)"}


def type_ok(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "map":
        return isinstance(value, dict)
    return True


# --- course.yaml -----------------------------------------------------------------------------
COURSE_FIELDS = {
    "slug": F("text"), "title": F("text"), "version": F("text"), "kind": F("text"),
    "description": F("text"), "hours": F("number"), "ce_hours": F("number", False, 0),
    "enrolment": F("text", False, "open"), "competencies": F("list"),
    "certificate": F("map", False, None), "feedback_targets": F("map", False, {}), "modules": F("list"),
    "minimum_active_share": F("number", False, None),
}
COMPETENCY_FIELDS = {"id": F("text"), "title": F("text"), "framework": F("text", False, "")}
CERTIFICATE_FIELDS = {"validity_months": F("int"), "renewal_ce_hours": F("number", False, 0),
                      "supervised_hours_required": F("number", False, 0)}
FEEDBACK_TARGET_FIELDS = {"reflections_per_question": F("number", False, 1.0),
                          "complex_reflection_share": F("number", False, 0.4),
                          "max_advice": F("int", False, 0)}

# --- modules, lessons, exercises ---------------------------------------------------------------
MODULE_FIELDS = {"slug": F("text"), "title": F("text"), "summary": F("text", False, ""),
                 "competencies": F("list", False, []), "lessons": F("list"), "exercises": F("list", False, []),
                 "scenarios": F("list", False, []), "live_minutes": F("int", False, 0),
                 "live_topics": F("list", False, [])}
FRONT_MATTER_FIELDS = {"title": F("text"), "minutes": F("int", False, 10)}
EXERCISE_FIELDS = {"id": F("text"), "title": F("text"), "minutes": F("int"), "competencies": F("list", False, []),
                   "review": F("text", False, "none"), "prompt": F("text"), "material": F("text", False, ""),
                   "model_answer": F("text"), "reasons": F("list")}

# --- knowledge checks and the exam pool -------------------------------------------------------
QUIZ_FIELDS = {"pass_mark": F("int", False, 80), "cooldown_minutes": F("int", False, 0),
               "minutes": F("int", False, 0), "questions": F("list")}
EXAM_ITEMS_FIELDS = {"items": F("list")}
QUESTION_FIELDS = {"id": F("text"), "type": F("text"), "prompt": F("text"), "scenario": F("text", False, ""),
                   "competency": F("text", False, ""), "options": F("list")}
OPTION_FIELDS = {"id": F("text"), "text": F("text"), "correct": F("bool"), "feedback": F("text")}
EXAM_FIELDS = {"title": F("text"), "pass_mark": F("int"), "time_limit_minutes": F("int"), "attempts": F("int"),
               "wait_hours": F("number", False, 0), "minutes": F("int"), "blueprint": F("map")}
ETHICS_FIELDS = {"title": F("text"), "version": F("text"), "source": F("text")}

# --- rubrics, scenarios, reference transcripts ------------------------------------------------
RUBRIC_FIELDS = {"id": F("text"), "title": F("text"), "scoring_rule": F("text", False, ""), "criteria": F("list")}
CRITERION_FIELDS = {"id": F("text"), "title": F("text"), "minimum": F("int"),
                    "safety_critical": F("bool", False, False), "gate": F("bool", False, False),
                    "levels": F("map")}
SCENARIO_FIELDS = {"id": F("text"), "title": F("text"), "setting": F("text"), "minutes": F("int", False, 0),
                   "competencies": F("list", False, []), "persona": F("map"), "brief": F("text", False, ""),
                   "actor_notes": F("text", False, ""), "rater_notes": F("text", False, ""),
                   "branches": F("list", False, []), "skills": F("list", False, []), "rubric": F("text"),
                   "criteria": F("list"), "focal": F("list", False, []), "minimums": F("map", False, {}),
                   "pass_mark": F("int"), "turns": F("list")}
PERSONA_FIELDS = {"name": F("text"), "pronouns": F("text", False, ""), "description": F("text", False, "")}
BRANCH_FIELDS = {"when": F("text"), "then": F("text")}
TURN_FIELDS = {"persona": F("text"), "hint": F("text", False, "")}
REFERENCES_FIELDS = {"scenario": F("text"), "references": F("list")}
REFERENCE_FIELDS = {"id": F("text"), "label": F("text"), "replies": F("list"), "scores": F("map"),
                    "gates": F("map", False, {}), "rationale": F("map"), "decision": F("text")}

HINTS = {
    "feedback": "every option explains why it is right or wrong",
    "version": 'quote it, like version: "1.0"',
}


def choices(enum_type) -> str:
    values = [str(v) for v in enum_type]
    return ", ".join(values[:-1]) + " or " + values[-1]


def check_fields(value: Any, spec: dict[str, F], file: str, where: str, line: int | None,
                 error: Callable[[str, int | None, str], None]) -> dict | None:
    """Check a mapping against `spec`: unknown keys, missing keys, wrong types; fill defaults.

    Returns the checked values (text stripped), or None when anything was wrong.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(value, dict):
        error(file, line, f"{prefix}should be a mapping (key: value lines), not {describe(value)}")
        return None
    result: dict[str, Any] = {}
    for key in value:
        if key not in spec:
            close = difflib.get_close_matches(str(key), list(spec), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (allowed: {', '.join(spec)})"
            error(file, line_of(value, key, line), f'{prefix}unknown key "{key}"{hint}')
    ok = True
    for key, field in spec.items():
        raw = value.get(key, MISSING)
        if raw is MISSING or raw is None:
            if field.required:
                hint = f" ({HINTS[key]})" if key in HINTS else ""
                what = "missing" if raw is MISSING else "empty"
                error(file, line_of(value, key, line) if raw is None else getattr(value, "line", line),
                      f'{prefix}{what} key "{key}"{hint}')
                ok = False
            result[key] = field.default
            continue
        if not type_ok(field.kind, raw):
            hint = f"; {HINTS[key]}" if key in HINTS else ""
            error(file, line_of(value, key, line),
                  f'{prefix}"{key}" should be {TYPE_NAMES[field.kind]}, not {describe(raw)}{hint}')
            ok = False
            result[key] = field.default
            continue
        if field.kind == "text":
            raw = raw.strip()
            if not raw and field.required:
                error(file, line_of(value, key, line), f'{prefix}empty key "{key}"')
                ok = False
        result[key] = raw
    return result if ok else None
