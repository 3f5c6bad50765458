"""The rules: which phrase of each family a reply contains (the matched phrase, or None), and the red flags."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .lexicon import (
    ADVICE,
    ADVICE_ANY,
    ADVICE_EXCLUDE,
    ADVICE_STATEMENT,
    AFFIRMATION,
    AUTONOMY,
    COMPLEX_CUE,
    FEELING_REFLECTION,
    INFORMATION,
    JUDGMENT_LABELS,
    JUDGMENT_REPORTED,
    JUDGMENT_WORDS,
    LISTENING_I,
    ME,
    MINIMIZING,
    NARRATIVE,
    OPEN_PROMPT,
    SECRECY,
    SECRECY_SAFE,
    STOCK_REFLECTION,
    YOU,
    YOU_STATEMENT,
)
from .text import Text, leading_question_word, question_subtype

# Self-disclosure: first-person narrative longer than this many words (over at least two sentences).
SELF_DISCLOSURE_WORDS = 40


def match_phrase(pattern: re.Pattern[str], sentences: Iterable[str]) -> str | None:
    for s in sentences:
        m = pattern.search(s)
        if m:
            return m.group(0).strip(" ,")
    return None


def rule_hits(t: Text) -> dict[str, str | None]:
    """Rule matches per family: the matched phrase (truthy) or None."""
    statements = [s for i, s in enumerate(t.sentences) if i not in t.questions]
    hits: dict[str, str | None] = {}
    hits["open_prompt"] = match_phrase(OPEN_PROMPT, t.sentences)
    # A question by its form: a question mark after a leading question word or auxiliary ("Did you ...?").
    hits["clear_question"] = next(
        (
            t.sentences[i]
            for i in t.questions
            if t.sentences[i].endswith("?")
            and question_subtype(t.sentences[i], t.sent_tokens[i])
            and not STOCK_REFLECTION.search(t.sentences[i])
        ),
        None,
    )
    reflective = [s for s in statements if not MINIMIZING.search(s)]
    hits["stock_reflection"] = match_phrase(STOCK_REFLECTION, reflective)
    # "So you're feeling stuck?": a reflection with a question mark, not "How are you feeling about it?".
    hits["stock_reflection_q"] = match_phrase(
        STOCK_REFLECTION,
        [t.sentences[i] for i in t.questions if not leading_question_word(t.sent_tokens[i])],
    )
    hits["feeling_reflection"] = match_phrase(FEELING_REFLECTION, reflective)
    hits["you_statement"] = match_phrase(YOU_STATEMENT, statements)
    hits["complex_cue"] = match_phrase(COMPLEX_CUE, statements)
    hits["affirmation"] = match_phrase(AFFIRMATION, t.sentences)
    hits["advice"] = match_phrase(ADVICE_ANY, t.sentences) or match_phrase(
        ADVICE_STATEMENT, [ADVICE_EXCLUDE.sub(" ", s) for s in statements]
    )
    hits["information"] = match_phrase(INFORMATION, statements)
    hits["minimizing"] = match_phrase(MINIMIZING, t.sentences)
    hits["judgment"] = _judgment(t)
    hits["secrecy"] = _secrecy(t)
    return hits


def _judgment(t: Text) -> str | None:
    for s in t.sentences:
        found = judgment_in(s)
        if found:
            return found
    return None


def judgment_in(sentence: str) -> str | None:
    m = JUDGMENT_LABELS.search(sentence)
    if m:
        return m.group(0).strip(" ,")
    for m in JUDGMENT_WORDS.finditer(sentence):
        if not JUDGMENT_REPORTED.search(sentence[: m.start()]):
            return m.group(0).strip(" ,")
    return None


def _secrecy(t: Text) -> str | None:
    found = match_phrase(SECRECY, t.sentences)
    if found and not SECRECY_SAFE.search(t.norm):
        return found
    return None


def self_disclosure_words(t: Text) -> int:
    """Words in first-person sentences of a personal story (0 unless > SELF_DISCLOSURE_WORDS with 2+ story lines)."""
    n_words = 0
    n_story = 0
    for s, toks in zip(t.sentences, t.sent_tokens, strict=True):
        words = [w for w in toks if w != "?"]
        if not any(w in ME for w in words) or LISTENING_I.search(s):
            continue
        n_words += len(words)
        if NARRATIVE.search(s):
            n_story += 1
    return n_words if (n_story >= 2 and n_words > SELF_DISCLOSURE_WORDS) else 0


def non_reflective(sentence: str, information: bool = True) -> bool:
    """A sentence that does something other than reflect (advice, judgment, minimizing, affirmation, information)."""
    return bool(
        ADVICE.search(sentence)
        or judgment_in(sentence)
        or MINIMIZING.search(sentence)
        or SECRECY.search(sentence)
        or (information and INFORMATION.search(sentence))
        or AUTONOMY.search(sentence)
        or (AFFIRMATION.search(sentence) and not FEELING_REFLECTION.search(sentence))
    )


def self_disclosure_kind(t: Text) -> str | None:
    """'oversharing' (a long story of one's own), 'purposeful' (a brief disclosure that hands the talk back, "what
    helped me was ..., what might fit for you?"), 'brief' (short, but the talk stays on the helper) or None."""
    if self_disclosure_words(t):
        return "oversharing"
    story = [
        i for i, s in enumerate(t.sentences)
        if not s.endswith("?") and NARRATIVE.search(s) and not LISTENING_I.search(s) and not SECRECY_SAFE.search(s)
        and any(w in ME for w in t.sent_tokens[i])
    ]
    if not story:
        return None
    later = range(story[0] + 1, len(t.sentences))
    hands_back = any(i in t.questions or YOU.intersection(t.sent_tokens[i]) for i in later)
    return "purposeful" if hands_back else "brief"
