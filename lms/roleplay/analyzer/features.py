"""Sparse features of a reply (and of the other person's preceding line) for the learned heads.

Shared with ``tools/train_analyzer.py``, which imports this module, so training and inference see the same features.
"""

from __future__ import annotations

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
    n_words = len(words)
    feats["len=" + bucket(n_words, (0, 1, 2, 4, 7, 12, 20, 35))] = 1.0
    feats["nsent=" + bucket(len(t.sentences), (1, 2, 3))] = 1.0
    for si, toks in enumerate(t.sent_tokens):
        toks_nq = [w for w in toks if w != "?"]
        if not toks_nq:
            continue
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
    n_you = sum(1 for w in words if w in YOU)
    n_me = sum(1 for w in words if w in ME)
    feats["you=" + bucket(n_you, (0, 1, 2, 4))] = 1.0
    feats["me=" + bucket(n_me, (0, 1, 3))] = 1.0
    if any(ch.isdigit() for ch in t.norm):
        feats["digit"] = 1.0
    for name, found in (hits if hits is not None else rule_hits(t)).items():
        if found:
            feats["R:" + name] = 1.0
    if previous is not None:
        prev_words = set(tokens(normalize(previous))) - STOP
        content = [w for w in words if w not in STOP]
        if content and prev_words:
            share = sum(1 for w in content if w in prev_words) / len(content)
            feats["ctx=" + str(min(int(share * 4), 3))] = 1.0
        if previous.strip().endswith("?"):
            feats["ctx_q"] = 1.0
    return feats
