"""One human-readable feedback line per label found, red flags first.

The notes are marked for the interface catalogue with `_`; the application installs its translator
(`lms.roleplay.feedback` sets `translator` to Flask-Babel's gettext), so a trainee reads them in their
language. Without it (the research tools) they are English. The quoted phrase is the trainee's own words.
"""

from __future__ import annotations

from collections.abc import Mapping

from .rules import self_disclosure_words
from .text import Text

NOTE_ORDER = (
    "secrecy_promise",
    "judgment",
    "minimizing",
    "self_disclosure",
    "advice",
    "open_question",
    "closed_question",
    "reflection",
    "affirmation",
    "information",
)


def translator(message: str) -> str:
    return message


def _(message: str, **values) -> str:
    text = translator(message)
    return text % values if values else text


def quote(phrase: str | None) -> str:
    return f"'{phrase}' " if phrase else ""


def note_for(label: str, hits: Mapping[str, str | None], complex_reflection: bool, t: Text) -> str:
    if label == "secrecy_promise":
        return _("Red flag - secrecy promise: %(phrase)spromises absolute secrecy; explain the limits of "
                 "confidentiality instead (risk of harm, abuse, what the law and your employer require)",
                 phrase=quote(hits["secrecy"]))
    if label == "judgment":
        return _("Red flag - judgment: %(phrase)slabels or judges the person; use person-first, recovery-oriented "
                 "language and describe what happened rather than who they are", phrase=quote(hits["judgment"]))
    if label == "minimizing":
        return _('Red flag - minimizing: %(phrase)splays down what the person feels; validate first ("that makes '
                 'sense given ...") before any reassurance', phrase=quote(hits["minimizing"]))
    if label == "self_disclosure":
        return _disclosure_note(hits.get("self_disclosure"), t)
    if label == "advice":
        return _("Advice: %(phrase)stells the person what to do; try asking what they have considered, or ask "
                 "permission before offering ideas", phrase=quote(hits["advice"]))
    if label == "open_question":
        return _("Open question: invites the person to tell their story in their own words")
    if label == "closed_question":
        return _("Closed question: can be answered in a word; fine for facts and safety, but open questions and "
                 "reflections keep the person talking")
    if label == "reflection":
        phrase = quote(hits["stock_reflection"] or hits["stock_reflection_q"] or hits["feeling_reflection"])
        if complex_reflection:
            return _("Complex reflection: %(phrase)sadds meaning or feeling to what the person said", phrase=phrase)
        return _("Simple reflection: %(phrase)sgives back what the person said; a complex reflection would add the "
                 "feeling or meaning you hear", phrase=phrase)
    if label == "affirmation":
        return _("Affirmation: %(phrase)srecognizes a strength or an effort; keep it genuine and specific",
                 phrase=quote(hits["affirmation"]))
    if label == "information":
        return _("Information: %(phrase)sgives facts or resources; check what the person already knows and ask "
                 "what they make of it", phrase=quote(hits["information"]))
    return label  # pragma: no cover


def _disclosure_note(kind: str | None, t: Text) -> str:
    if kind == "purposeful":
        return _("Self-disclosure, purposeful: a brief piece of your own experience that hands the talk back to "
                 "the person; keep it this short and check that it fits them")
    if kind == "brief":
        return _("Self-disclosure, turning the talk to yourself: your own story without handing the talk back; "
                 'keep it brief and purposeful, then return the focus to the person ("what helped me was ..., '
                 'what might fit for you?")')
    return _("Self-disclosure, turning the talk to yourself: about %(words)s words of your own story; keep it brief "
             'and recovery-focused, then return the focus to the person ("what might fit for you?")',
             words=self_disclosure_words(t))
