"""Text normalisation: one reply, lower-cased, split into sentences and tokens once, with its question sentences."""

from __future__ import annotations

from .lexicon import (
    AUX,
    BRACKETS,
    CLOSED_HOW,
    CLOSED_PROMPT,
    FILLERS,
    OPEN_PROMPT,
    OPEN_START,
    QUOTES,
    SENTENCE_SPLIT,
    TAG_QUESTION,
    TOKEN,
    WH,
    WH_CONTRACTED,
    WH_NEXT,
)


def normalize(text: str) -> str:
    """Lower-case, straighten quotes, drop transcription marks such as ``[crosstalk]``."""
    text = BRACKETS.sub(" ", (text or "").translate(QUOTES)).lower()
    return " ".join(text.split())


def split_sentences(norm: str) -> list[str]:
    parts = [p.strip(" -,;:") for p in SENTENCE_SPLIT.split(norm)]
    return [p for p in parts if p and TOKEN.search(p)]


def tokens(sentence: str) -> list[str]:
    return TOKEN.findall(sentence)


def content_start(toks: list[str]) -> list[str]:
    """Tokens from the first word that is not a discourse filler ("so", "okay", "um", ...)."""
    i = 0
    while i < len(toks) - 1 and toks[i] in FILLERS:
        i += 1
    return toks[i:]


def bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


class Text:
    """A reply, normalised and split once, shared by the rules and the features."""

    __slots__ = ("raw", "norm", "sentences", "sent_tokens", "questions", "all_tokens")

    def __init__(self, raw: str):
        self.raw = raw or ""
        self.norm = normalize(self.raw)
        self.sentences = split_sentences(self.norm)
        self.sent_tokens = [tokens(s) for s in self.sentences]
        self.questions = [i for i, s in enumerate(self.sentences) if is_question_sentence(s, self.sent_tokens[i])]
        self.all_tokens = [t for toks in self.sent_tokens for t in toks if t != "?"]



def is_question_sentence(sentence: str, toks: list[str]) -> bool:
    if sentence.rstrip(" .\"'").endswith("?"):
        return True
    if OPEN_PROMPT.search(sentence) or CLOSED_PROMPT.search(sentence):
        return True
    words = [w for w in toks if w != "?"]
    start = content_start(words)
    # A leading question word without the mark ("What happened then.", "How are things at home."), but not a
    # statement such as "What you tell me stays here" or "How I see it is ...".
    if len(start) > 2 and not sentence.endswith("-"):
        if start[0] in WH and (start[1] in AUX or start[1] in WH_NEXT):
            return True
        if start[0] in WH_CONTRACTED:
            return True
    return False


def leading_question_word(toks: list[str]) -> bool:
    words = content_start([w for w in toks if w != "?"])
    return bool(words) and (
        words[0] in WH or words[0] in AUX or words[0] in OPEN_START or words[0] in WH_CONTRACTED
    )


def closed_by_form(sentence: str, toks: list[str]) -> bool:
    """A question whose form alone makes it closed ("How long ...?", "How many ...?", a closed prompt)."""
    if CLOSED_PROMPT.search(sentence):
        return True
    words = content_start([w for w in toks if w != "?"])
    return bool(words) and bool(CLOSED_HOW.match(" ".join(words[:3])))


def question_subtype(sentence: str, toks: list[str]) -> str | None:
    """'open', 'closed' or None (undecided) for one question sentence, from its form alone."""
    if OPEN_PROMPT.search(sentence):
        return "open"
    if CLOSED_PROMPT.search(sentence):
        return "closed"
    words = content_start([w for w in toks if w != "?"])
    if not words:
        return None
    head = " ".join(words[:3])
    if CLOSED_HOW.match(head):
        return "closed"
    if words[0] in OPEN_START:
        return "open"
    if words[0] in AUX:
        return "closed"
    if TAG_QUESTION.search(sentence):
        return "closed"
    return None

