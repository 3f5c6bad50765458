"""Sparse features of a reply (and of the other person's preceding line) for the learned heads.

Shared with ``tools/train_analyzer.py``, which imports this module, so training and inference see the same features.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .lexicon import ME, STOP, YOU
from .rules import rule_hits
from .text import Text, bucket, content_start, normalize, question_subtype, tokens


def features(
    text: str | Text, previous: str | None = None, hits: Mapping[str, str | None] | None = None
) -> dict[str, float]:
    """Sparse binary features of a reply for the logistic-regression heads.

    ``previous`` is the other person's preceding line, when known: it adds how much of it the reply takes up.
    """
    t = text if isinstance(text, Text) else Text(text)
    feats: dict[str, float] = {}
    words = t.all_tokens
    feats["len=" + bucket(len(words), (0, 1, 2, 4, 7, 12, 20, 35))] = 1.0
    feats["nsent=" + bucket(len(t.sentences), (1, 2, 3))] = 1.0
    for si, toks in enumerate(t.sent_tokens):
        _sentence_features(t, si, toks, feats)
    _ending_features(t, feats)
    feats["you=" + bucket(sum(1 for w in words if w in YOU), (0, 1, 2, 4))] = 1.0
    feats["me=" + bucket(sum(1 for w in words if w in ME), (0, 1, 3))] = 1.0
    if any(ch.isdigit() for ch in t.norm):
        feats["digit"] = 1.0
    for name, found in (hits if hits is not None else rule_hits(t)).items():
        if found:
            feats["R:" + name] = 1.0
    if previous is not None:
        _previous_line_features(words, previous, feats)
    return feats


def _sentence_features(t: Text, si: int, toks: list[str], feats: dict[str, float]) -> None:
    """Words, bigrams and openings of sentence ``si`` (the opening again when it is a question or the last)."""
    toks_nq = [w for w in toks if w != "?"]
    if not toks_nq:
        return
    seq = ["<s>", *toks_nq, "</s>"] if toks[-1] != "?" else ["<s>", *toks_nq, "<q>"]
    for w in toks_nq:
        feats["w=" + w] = 1.0
    for a, b in zip(seq, seq[1:], strict=False):
        feats["b=" + a + "_" + b] = 1.0
    start = content_start(toks_nq)
    feats["s0=" + start[0]] = 1.0
    if len(start) > 1:
        feats["s01=" + start[0] + "_" + start[1]] = 1.0
    if si in t.questions:
        feats["q0=" + start[0]] = 1.0
        if len(start) > 1:
            feats["q01=" + start[0] + "_" + start[1]] = 1.0
    if si == len(t.sent_tokens) - 1:
        feats["l0=" + start[0]] = 1.0


def _ending_features(t: Text, feats: dict[str, float]) -> None:
    """How the reply ends and whether (and what kind of) question it holds."""
    stripped = t.norm.rstrip(" .\"'")
    if stripped.endswith("?"):
        feats["end?"] = 1.0
    elif stripped.endswith("-"):
        feats["end-"] = 1.0
    if "?" in t.norm:
        feats["has?"] = 1.0
    if t.questions:
        feats["qsent"] = 1.0
        i = t.questions[-1]
        feats["qsub=" + str(question_subtype(t.sentences[i], t.sent_tokens[i]))] = 1.0


def _previous_line_features(words: list[str], previous: str, feats: dict[str, float]) -> None:
    """How much of the other person's preceding line the reply takes up, and whether that line asked."""
    prev_words = set(tokens(normalize(previous))) - STOP
    content = [w for w in words if w not in STOP]
    if content and prev_words:
        share = sum(1 for w in content if w in prev_words) / len(content)
        feats["ctx=" + str(min(int(share * 4), 3))] = 1.0
    if previous.strip().endswith("?"):
        feats["ctx_q"] = 1.0


# --------------------------------------------------------------------------------------------------------------
# Features of the main-behaviour head (question / reflection / input / other): word and character n-grams, rule
# hits, reflection cues and the overlap with the other person's preceding line.

MAIN_CHAR_SIZES = (2, 3, 4, 5)
CONTEXT_SCALE = 0.5
_REFLECTION_OPENER = re.compile(
    r"^(?:(?:so|and|okay|yeah|mm-hmm|mm|well|right),?\s+)*(?:it sounds|sounds|it seems|seems|so you|you|maybe|"
    r"perhaps|i guess|i wonder|it's like|kind of|almost like|i'm hearing|i hear|what i'm hearing)\b"
)
_MEANING = re.compile(
    r"\b(?:feel|feels|feeling|felt|sounds|seems|seem|worried|scared|afraid|frustrat\w*|angry|sad|hard|difficult|"
    r"important|want|wanted|mean|means|care|concern\w*|stress\w*|overwhelm\w*)\b"
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|\?")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _unit(block: Mapping[str, float], prefix: str, out: dict[str, float], scale: float = 1.0) -> None:
    """Add ``block`` to ``out`` scaled to unit length (each block weighs the same whatever the reply's length)."""
    if not block:
        return
    norm = math.sqrt(sum(v * v for v in block.values()))
    for key, value in block.items():
        out[prefix + key] = scale * value / norm


def _ngrams(norm: str, toks: list[str], out: dict[str, float]) -> None:
    seq = ["<s>", *toks, "</s>"]
    words = dict.fromkeys(toks, 1.0)
    words.update((a + " " + b, 1.0) for a, b in zip(seq, seq[1:], strict=False))
    _unit(words, "w:", out)
    padded = " " + norm + " "
    chars: dict[str, int] = {}
    for n in MAIN_CHAR_SIZES:
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            chars[gram] = chars.get(gram, 0) + 1
    _unit({k: 1.0 + math.log(v) for k, v in chars.items()}, "c:", out)


def _context(content: list[str], n_words: int, previous: str, out: dict[str, float]) -> None:
    prev_norm = normalize(previous)
    prev_toks = _WORD.findall(prev_norm)
    prev_content = {_stem(w) for w in prev_toks if w not in STOP and w != "?"}
    out["has_prev"] = 1.0
    if content and prev_content:
        overlap = sum(1 for w in content if w in prev_content)
        out["ov_share"] = overlap / len(content)
        out["ov_prev_share"] = len(set(content) & prev_content) / len(prev_content)
        out["ov_b=" + str(min(overlap, 4))] = 1.0
    prev_len = len([w for w in prev_toks if w != "?"])
    out["ratio"] = math.log((n_words + 1) / (prev_len + 1)) / 3
    out["plen"] = math.log1p(prev_len) / 4
    if "?" in prev_norm:
        out["prev?"] = 1.0
    _unit(dict.fromkeys(prev_toks, 1.0), "p:", out, CONTEXT_SCALE)
    out["pstart:" + (prev_toks[0] if prev_toks else "")] = 1.0


def main_features(text: str | Text, previous: str | None = None) -> dict[str, float]:
    """Features of a reply (and of the line it answers, when known) for the main-behaviour head."""
    t = text if isinstance(text, Text) else Text(text)
    toks = _WORD.findall(t.norm)
    out: dict[str, float] = {}
    _ngrams(t.norm, toks, out)
    words = [w for w in toks if w != "?"]
    n_words = len(words)
    out["len"] = min(n_words, 60) / 60
    out["loglen"] = math.log1p(n_words) / 4
    out["you_share"] = sum(1 for w in words if w in YOU) / max(n_words, 1)
    out["me_share"] = sum(1 for w in words if w in ME) / max(n_words, 1)
    if _REFLECTION_OPENER.search(t.norm):
        out["tent"] = 1.0
    if _MEANING.search(t.norm):
        out["feel"] = 1.0
    for name, found in rule_hits(t).items():
        if found:
            out["R:" + name] = 1.0
    if t.questions:
        out["qsent"] = 1.0
    if t.norm.rstrip(" .\"'").endswith("?"):
        out["end?"] = 1.0
    content = [_stem(w) for w in words if w not in STOP]
    if previous is not None:
        _context(content, n_words, previous, out)
    else:
        out["no_prev"] = 1.0
    return out
