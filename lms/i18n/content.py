"""Course content in the reader's language.

A course's translations are synced into each content row's `translations` column ({"es": {field: value}},
see lms/learning/sync_translations.py). When a row is loaded while someone reads in a language the row has,
its prose fields are replaced, as loaded values, by the translated ones: every page, e-mail and report
that shows course content shows it in the reader's language without knowing about translations. The
replacement is a loaded value, not a change: nothing is ever written back.

What must stay in the course's own language (the snapshot a certificate keeps at issuance) reads
`source_text(row, field)`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from lms.models import CourseVersion, ExamItem, Exercise, Lesson, Module, Quiz, Rubric, Scenario

SOURCE_LANGUAGE = "en"

# The fields each content row has in translation (lms.learning.sync_translations writes the same names).
TRANSLATED_FIELDS: dict[type, tuple[str, ...]] = {
    CourseVersion: ("title", "description", "competencies", "exam", "ethics_code"),
    Module: ("title", "summary", "live_topics"),
    Lesson: ("title", "html"),
    Quiz: ("questions",),
    ExamItem: ("question",),
    Exercise: ("title", "prompt_html", "material_html", "model_answer_html", "reasons"),
    Rubric: ("title", "scoring_rule", "criteria"),
    Scenario: ("title", "brief", "actor_notes", "rater_notes", "skills", "turns", "branches"),
}
_SOURCE = "_source_text"

_reading = ContextVar("reading_language", default=SOURCE_LANGUAGE)


def reading_language() -> str:
    return _reading.get()


def set_reading_language(language: str | None) -> None:
    _reading.set(language or SOURCE_LANGUAGE)


@contextmanager
def reading_in(language: str | None):
    """Load content in `language` for the duration (an e-mail or a PDF for someone else)."""
    token = _reading.set(language or SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _reading.reset(token)


def translate_loaded(target, fields: tuple[str, ...], language: str) -> None:
    if language == SOURCE_LANGUAGE or "translations" not in target.__dict__:
        return
    values = (target.translations or {}).get(language)
    if not values:
        return
    source = target.__dict__.setdefault(_SOURCE, {})
    for name in fields:
        if name in values and name in target.__dict__:
            source.setdefault(name, target.__dict__[name])
            set_committed_value(target, name, values[name])


def source_text(target, field: str):
    """A field as the course wrote it, whatever language the row was loaded in."""
    return target.__dict__.get(_SOURCE, {}).get(field, getattr(target, field))


def _listen(model: type, fields: tuple[str, ...]) -> None:
    def on_load(target, context):
        translate_loaded(target, fields, _reading.get())

    def on_refresh(target, context, attrs):
        # Only what was just loaded holds the course's own words again: translate those fields, keep the rest.
        if attrs is None or "translations" in attrs:
            target.__dict__.pop(_SOURCE, None)
            translate_loaded(target, fields, _reading.get())
            return
        refreshed = tuple(name for name in fields if name in attrs)
        if refreshed:
            for name in refreshed:
                target.__dict__.get(_SOURCE, {}).pop(name, None)
            translate_loaded(target, refreshed, _reading.get())

    sa.event.listen(model, "load", on_load)
    sa.event.listen(model, "refresh", on_refresh)


for _model, _fields in TRANSLATED_FIELDS.items():
    _listen(_model, _fields)
