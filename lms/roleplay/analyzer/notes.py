"""One human-readable feedback line per label found, red flags first."""

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


def quote(phrase: str | None) -> str:
    return f"'{phrase}' " if phrase else ""


def note_for(label: str, hits: Mapping[str, str | None], complex_reflection: bool, t: Text) -> str:
    if label == "secrecy_promise":
        return (
            f"Red flag - secrecy promise: {quote(hits['secrecy'])}promises absolute secrecy; explain the limits of "
            "confidentiality instead (risk of harm, abuse, what the law and your employer require)"
        )
    if label == "judgment":
        return (
            f"Red flag - judgment: {quote(hits['judgment'])}labels or judges the person; use person-first, "
            "recovery-oriented language and describe what happened rather than who they are"
        )
    if label == "minimizing":
        return (
            f"Red flag - minimizing: {quote(hits['minimizing'])}plays down what the person feels; validate first "
            '("that makes sense given ...") before any reassurance'
        )
    if label == "self_disclosure":
        return _disclosure_note(hits.get("self_disclosure"), t)
    if label == "advice":
        phrase = hits["advice"]
        return (
            f"Advice: {quote(phrase)}tells the person what to do; try asking what they have considered, "
            "or ask permission before offering ideas"
        )
    if label == "open_question":
        return "Open question: invites the person to tell their story in their own words"
    if label == "closed_question":
        return (
            "Closed question: can be answered in a word; fine for facts and safety, "
            "but open questions and reflections keep the person talking"
        )
    if label == "reflection":
        phrase = quote(hits["stock_reflection"] or hits["stock_reflection_q"] or hits["feeling_reflection"])
        if complex_reflection:
            return f"Complex reflection: {phrase}adds meaning or feeling to what the person said"
        return (
            f"Simple reflection: {phrase}gives back what the person said; "
            "a complex reflection would add the feeling or meaning you hear"
        )
    if label == "affirmation":
        phrase = quote(hits["affirmation"])
        return f"Affirmation: {phrase}recognizes a strength or an effort; keep it genuine and specific"
    if label == "information":
        return (
            f"Information: {quote(hits['information'])}gives facts or resources; check what the person already "
            "knows and ask what they make of it"
        )
    return label  # pragma: no cover


def _disclosure_note(kind: str | None, t: Text) -> str:
    if kind == "purposeful":
        return (
            "Self-disclosure, purposeful: a brief piece of your own experience that hands the talk back to the person; "
            "keep it this short and check that it fits them"
        )
    if kind == "brief":
        return (
            "Self-disclosure, turning the talk to yourself: your own story without handing the talk back; keep it "
            "brief and purposeful, then return the focus to the person "
            '("what helped me was ..., what might fit for you?")'
        )
    return (
        f"Self-disclosure, turning the talk to yourself: about {self_disclosure_words(t)} words of your own story; "
        'keep it brief and recovery-focused, then return the focus to the person ("what might fit for you?")'
    )
