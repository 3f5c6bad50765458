"""Knowledge-check rules on plain values: layouts, answer checking and scoring (no app, no database)."""

import random

import pytest

from lms.learning import scoring

SINGLE = {"id": "s", "type": "single", "prompt": "?", "options": [
    {"id": "a", "text": "A", "correct": False, "feedback": ""},
    {"id": "b", "text": "B", "correct": True, "feedback": ""},
    {"id": "c", "text": "C", "correct": False, "feedback": ""},
]}
MULTIPLE = {"id": "m", "type": "multiple", "prompt": "?", "options": [
    {"id": "a", "text": "A", "correct": True, "feedback": ""},
    {"id": "b", "text": "B", "correct": False, "feedback": ""},
    {"id": "c", "text": "C", "correct": True, "feedback": ""},
    {"id": "d", "text": "D", "correct": False, "feedback": ""},
]}
TRUE_FALSE = {"id": "tf", "type": "true_false", "prompt": "?", "options": [
    {"id": "false", "text": "False", "correct": True, "feedback": ""},
    {"id": "true", "text": "True", "correct": False, "feedback": ""},
]}
BEST = {"id": "br", "type": "best_response", "prompt": "?", "scenario": "A person says...", "options": [
    {"id": "a", "text": "A", "correct": True, "feedback": ""},
    {"id": "b", "text": "B", "correct": False, "feedback": ""},
]}
QUESTIONS = [SINGLE, MULTIPLE, TRUE_FALSE, BEST]
LAYOUT = [{"question": q["id"], "options": [o["id"] for o in q["options"]]} for q in QUESTIONS]


@pytest.mark.parametrize(("question", "chosen", "expected"), [
    (SINGLE, ["b"], True),
    (SINGLE, ["a"], False),
    (SINGLE, [], False),
    (MULTIPLE, ["a", "c"], True),
    (MULTIPLE, ["c", "a"], True),
    (MULTIPLE, ["a"], False),  # all or nothing: a partly right selection scores nothing
    (MULTIPLE, ["a", "b", "c"], False),  # an extra wrong option spoils it
    (MULTIPLE, ["a", "b", "c", "d"], False),  # ticking everything is not a strategy
    (TRUE_FALSE, ["false"], True),
    (TRUE_FALSE, ["true"], False),
    (BEST, ["a"], True),
    (BEST, ["b"], False),
])
def test_is_correct(question, chosen, expected):
    assert scoring.is_correct(question, chosen) is expected


@pytest.mark.parametrize(("answers", "pass_mark", "correct", "percent", "passed"), [
    ({"s": ["b"], "m": ["a", "c"], "tf": ["false"], "br": ["a"]}, 80, 4, 100, True),
    ({"s": ["b"], "m": ["a", "c"], "tf": ["false"], "br": ["b"]}, 80, 3, 75, False),
    ({"s": ["b"], "m": ["a", "c"], "tf": ["false"], "br": ["b"]}, 75, 3, 75, True),  # the mark itself passes
    ({"s": ["a"], "m": ["a"], "tf": ["true"], "br": ["b"]}, 80, 0, 0, False),
    ({"s": ["b"], "m": ["a"], "tf": ["false"], "br": ["b"]}, 50, 2, 50, True),
    ({}, 1, 0, 0, False),  # nothing answered scores nothing
])
def test_score_counts_one_point_per_question(answers, pass_mark, correct, percent, passed):
    result = scoring.score(LAYOUT, QUESTIONS, answers, pass_mark)
    assert (result.correct, result.total, result.percent, result.passed) == (correct, 4, percent, passed)
    assert sum(result.results.values()) == correct


def test_percent_is_rounded_down_and_the_pass_is_decided_exactly():
    questions = [dict(SINGLE, id=f"q{i}") for i in range(9)]
    layout = [{"question": q["id"], "options": ["a", "b", "c"]} for q in questions]
    answers = {q["id"]: ["b"] for q in questions[:7]}  # 7/9 = 77.8%
    result = scoring.score(layout, questions, answers, pass_mark=78)
    assert result.percent == 77
    assert result.passed is False
    assert scoring.score(layout, questions, answers, pass_mark=77).passed is True


def test_only_questions_in_the_layout_count():
    layout = LAYOUT[:2]
    result = scoring.score(layout, QUESTIONS, {"s": ["b"], "m": ["a", "c"]}, 80)
    assert (result.correct, result.total, result.passed) == (2, 2, True)


@pytest.mark.parametrize(("submitted", "message"), [
    ({"nope": ["a"]}, "not part of this attempt"),
    ({"s": ["z"]}, "not part of its question"),
    ({"s": ["a", "b"]}, "Only one answer"),
    ({"tf": ["true", "false"]}, "Only one answer"),
])
def test_answers_that_do_not_fit_the_attempt_are_refused(submitted, message):
    with pytest.raises(scoring.AnswerError, match=message):
        scoring.check_answers(LAYOUT, QUESTIONS, submitted)


def test_an_answer_to_a_question_left_out_of_the_layout_is_refused():
    with pytest.raises(scoring.AnswerError, match="not part of this attempt"):
        scoring.check_answers(LAYOUT[:2], QUESTIONS, {"br": ["a"]})


def test_unanswered_questions_are_listed_in_the_order_shown():
    answers, unanswered = scoring.check_answers(LAYOUT, QUESTIONS, {"m": ["a", "a", "c"], "s": []})
    assert answers == {"m": ["a", "c"]}  # duplicates dropped, empty answers left out
    assert unanswered == ["s", "tf", "br"]


def test_layout_shuffles_questions_and_options_but_keeps_true_before_false():
    layouts = [scoring.make_layout(QUESTIONS, random.Random(seed)) for seed in range(30)]
    for layout in layouts:
        assert sorted(entry["question"] for entry in layout) == sorted(q["id"] for q in QUESTIONS)
        by_id = {entry["question"]: entry["options"] for entry in layout}
        assert by_id["tf"] == ["true", "false"]
        assert sorted(by_id["m"]) == ["a", "b", "c", "d"]
    assert len({tuple(entry["question"] for entry in layout) for layout in layouts}) > 5
    assert len({tuple(next(e["options"] for e in layout if e["question"] == "m")) for layout in layouts}) > 5


def test_layout_holds_ids_only_never_correctness():
    layout = scoring.make_layout(QUESTIONS, random.Random(1))
    assert all(set(entry) == {"question", "options"} for entry in layout)
    assert all(isinstance(option, str) for entry in layout for option in entry["options"])
