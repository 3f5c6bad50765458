"""The analyzer on peer-support replies written for the course (tests/data/peer_replies.jsonl), each with the line
it answers: red flags exact, self-disclosure kinds told apart, and a macro-F1 floor on the fixed held part."""

import json
from pathlib import Path

import pytest

from lms.roleplay.analyzer import LABELS, analyze_reply

DATA = Path(__file__).parent / "data" / "peer_replies.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
HELD = [r for r in ROWS if r["split"] == "held"]
#: Measured on the held part with the shipped model; a drop below it fails the test.
HELD_MACRO_F1_FLOOR = 0.85


def predicted(row):
    return analyze_reply(row["reply"], row["context"])


def macro_f1(rows):
    scores = []
    for label in LABELS:
        tp = fp = fn = 0
        for row in rows:
            gold, pred = label in row["labels"], label in predicted(row).labels
            tp += gold and pred
            fp += pred and not gold
            fn += gold and not pred
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


def test_the_data_set_is_well_formed_and_split_once():
    assert len(ROWS) >= 400
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert {r["split"] for r in ROWS} == {"train", "held"}
    assert all(r["context"].strip() and r["reply"].strip() and set(r["labels"]) <= set(LABELS) for r in ROWS)
    assert {label for r in ROWS for label in r["labels"]} == set(LABELS)
    kinds = [r["kind"] for r in ROWS]
    assert kinds.count("limits") >= 40 and kinds.count("secrecy") >= 20
    assert kinds.count("disclosure_purposeful") + kinds.count("disclosure_oversharing") >= 40


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "secrecy"], ids=lambda r: str(r["id"]))
def test_every_secrecy_promise_is_flagged(row):
    assert "secrecy_promise" in predicted(row).labels


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "limits"], ids=lambda r: str(r["id"]))
def test_no_honest_statement_of_confidentialitys_limits_is_flagged(row):
    assert not predicted(row).red_flags


@pytest.mark.parametrize(
    ("kind", "words"),
    [("disclosure_purposeful", "purposeful"), ("disclosure_oversharing", "turning the talk to yourself")],
)
def test_self_disclosure_feedback_tells_purposeful_from_turning_the_talk_to_oneself(kind, words):
    rows = [r for r in ROWS if r["kind"] == kind]
    assert rows
    found = [r for r in rows if "self_disclosure" in predicted(r).labels]
    assert len(found) >= len(rows) - 1
    for row in found:
        note = next(n for n in predicted(row).notes if n.startswith("Self-disclosure"))
        assert words in note


def test_held_part_macro_f1():
    assert macro_f1(HELD) >= HELD_MACRO_F1_FLOOR
