"""Knowledge-check rules on plain values: shuffled layouts, answer checking and scoring.

No Flask and no database. Questions are the dicts stored in `Quiz.questions`:
{"id", "type", "prompt", "scenario", "options": [{"id", "text", "correct", "feedback"}]}.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SINGLE_ANSWER_TYPES = {"single", "true_false", "best_response"}


class AnswerError(ValueError):
    """The submitted answers do not fit the attempt (tampered or stale form): refuse, never score.

    `code` names the problem (unknown_question, unknown_option, several_answers) for translation.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def make_layout(questions: Sequence[Mapping], rng: random.Random | None = None) -> list[dict]:
    """The order in which one attempt shows questions and options, shuffled.

    True/false options keep their natural order (True, then False): shuffling them only confuses.
    """
    rng = rng or random.SystemRandom()
    order = list(questions)
    rng.shuffle(order)
    layout = []
    for question in order:
        option_ids = [option["id"] for option in question["options"]]
        if question["type"] == "true_false":
            option_ids.sort(key=lambda oid: oid != "true")
        else:
            rng.shuffle(option_ids)
        layout.append({"question": question["id"], "options": option_ids})
    return layout


def check_answers(layout: Sequence[Mapping], questions: Sequence[Mapping],
                  submitted: Mapping[str, Iterable[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Validate submitted answers against the attempt's layout.

    Returns (answers, unanswered question ids). Raises AnswerError for an answer to a question
    that is not in the attempt, an option that is not in its question, or several options for a
    single-answer question.
    """
    by_id = {question["id"]: question for question in questions}
    in_attempt = {entry["question"]: entry for entry in layout}
    answers: dict[str, list[str]] = {}
    for question_id, chosen in submitted.items():
        if question_id not in in_attempt or question_id not in by_id:
            raise AnswerError("unknown_question", "An answer was sent for a question that is not part of this attempt.")
        chosen = list(dict.fromkeys(chosen))
        allowed = set(in_attempt[question_id]["options"])
        if any(option_id not in allowed for option_id in chosen):
            raise AnswerError("unknown_option", "An answer was sent with an option that is not part of its question.")
        if by_id[question_id]["type"] in SINGLE_ANSWER_TYPES and len(chosen) > 1:
            raise AnswerError("several_answers", "Only one answer can be chosen for this question.")
        if chosen:
            answers[question_id] = chosen
    unanswered = [entry["question"] for entry in layout if entry["question"] not in answers]
    return answers, unanswered


def correct_options(question: Mapping) -> set[str]:
    return {option["id"] for option in question["options"] if option["correct"]}


def is_correct(question: Mapping, chosen: Iterable[str]) -> bool:
    """All or nothing: the chosen set must equal the correct set (for every type)."""
    return set(chosen) == correct_options(question)


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    percent: int  # rounded down, so a displayed score never looks like a pass it is not
    passed: bool
    results: dict[str, bool]  # question id -> answered correctly


def score(layout: Sequence[Mapping], questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]],
          pass_mark: int) -> Score:
    """Score an attempt: one point per question in the layout; pass when percent >= pass_mark."""
    by_id = {question["id"]: question for question in questions}
    results = {}
    for entry in layout:
        question = by_id[entry["question"]]
        results[question["id"]] = is_correct(question, answers.get(question["id"], ()))
    total = len(results)
    correct = sum(results.values())
    percent = (100 * correct) // total if total else 0
    return Score(correct, total, percent, passed=total > 0 and 100 * correct >= pass_mark * total, results=results)
