"""The exam's pure rules, on plain values: drawing forms, deadlines, attempts and waits, scoring."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lms.exams import rules

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def question(kind="single", correct=("a",), options=("a", "b", "c", "d")):
    if kind == "true_false":
        options = ("false", "true")
    return {"type": kind, "prompt": "?", "options": [
        {"id": oid, "text": oid.upper(), "correct": oid in correct, "feedback": "why"} for oid in options]}


def pool(counts: dict[str, int]) -> list[rules.PoolItem]:
    items, key = [], 0
    for competency, count in counts.items():
        for _ in range(count):
            key += 1
            items.append(rules.PoolItem(key, competency, question()))
    return items


def test_a_form_draws_the_blueprints_number_of_items_per_competency():
    items = pool({"engagement": 6, "crisis": 4, "advocacy": 3})
    form = rules.draw_form(items, {"engagement": 3, "crisis": 2}, random.Random(1))
    by_key = {item.key: item for item in items}
    assert Counter(by_key[d.key].competency for d in form) == {"engagement": 3, "crisis": 2}
    assert [d.position for d in form] == [1, 2, 3, 4, 5]
    assert len({d.key for d in form}) == 5  # no item twice


def test_each_attempt_draws_its_own_form_and_option_order():
    items = pool({"engagement": 10, "crisis": 10})
    forms = {tuple((d.key, tuple(d.option_order)) for d in rules.draw_form(items, {"engagement": 3, "crisis": 3},
                                                                            random.Random(seed)))
             for seed in range(20)}
    assert len(forms) == 20
    orders = {tuple(d.option_order) for seed in range(20)
              for d in rules.draw_form(items, {"engagement": 3}, random.Random(seed))}
    assert len(orders) > 5  # options are shuffled, not kept as authored


def test_true_false_keeps_true_then_false():
    items = [rules.PoolItem(1, "crisis", question("true_false", correct=("true",)))]
    assert rules.draw_form(items, {"crisis": 1}, random.Random(3))[0].option_order == ["true", "false"]


def test_a_blueprint_larger_than_the_pool_is_refused():
    with pytest.raises(rules.PoolTooSmall):
        rules.draw_form(pool({"crisis": 2}), {"crisis": 3})


@pytest.mark.parametrize(("minutes", "multiplier", "expected"), [
    (90, 1, timedelta(minutes=90)),
    (90, Decimal("1.5"), timedelta(minutes=135)),
    (20, Decimal("1.25"), timedelta(minutes=25)),
    (7, Decimal("1.33"), timedelta(seconds=559)),  # 558.6 s, rounded up: never a second short
    (20, 2, timedelta(minutes=40)),
])
def test_the_deadline_stretches_the_time_limit_by_the_multiplier(minutes, multiplier, expected):
    assert rules.deadline(NOW, minutes, multiplier) - NOW == expected


def test_remaining_seconds_never_go_below_zero():
    assert rules.remaining_seconds(NOW + timedelta(seconds=61.9), NOW) == 61
    assert rules.remaining_seconds(NOW - timedelta(minutes=5), NOW) == 0


def past(hours_ago, passed=False, voided=False, submitted=True):
    return rules.PastAttempt(NOW - timedelta(hours=hours_ago) if submitted else None, passed, voided)


@pytest.mark.parametrize(("history", "allowed", "reason", "used"), [
    ([], True, "", 0),
    ([past(30)], True, "", 1),
    ([past(2)], False, "wait", 1),
    ([past(50), past(30), past(25)], False, "no_attempts_left", 3),
    ([past(50, passed=True)], False, "passed", 1),
    ([past(2, voided=True)], True, "", 0),  # void: no wait, no attempt used
    ([past(50), past(40), past(30, voided=True)], True, "", 2),
    ([past(50, passed=True, voided=True)], True, "", 0),  # a voided pass does not pass
])
def test_attempt_limit_and_wait(history, allowed, reason, used):
    rule = rules.start_rule(history, attempts=3, wait_hours=24, now=NOW)
    assert (rule.allowed, rule.reason, rule.used) == (allowed, reason, used)


def test_the_wait_says_when_the_next_attempt_opens():
    rule = rules.start_rule([past(30), past(2)], attempts=3, wait_hours=24, now=NOW)
    assert rule.opens_at == NOW - timedelta(hours=2) + timedelta(hours=24)


def test_no_wait_when_the_exam_sets_none():
    assert rules.start_rule([past(0)], attempts=3, wait_hours=0, now=NOW).allowed


def test_choices_arrive_as_places_shown_and_are_stored_as_option_ids():
    single = question()
    assert rules.selected_options(single, ["c", "a", "d", "b"], [1]) == ["a"]
    assert rules.selected_options(question("multiple", ("a", "b")), ["c", "a", "d", "b"], [3, 1, 3]) == ["b", "a"]
    assert rules.selected_options(single, ["c", "a"], []) == []
    with pytest.raises(rules.AnswerRefused, match="several_answers"):
        rules.selected_options(single, ["c", "a", "d", "b"], [0, 1])
    with pytest.raises(rules.AnswerRefused, match="unknown_option"):
        rules.selected_options(single, ["c", "a"], [2])


def test_scoring_counts_each_item_once_all_or_nothing_and_breaks_down_by_competency():
    multiple = question("multiple", ("a", "b"))
    answered = [
        (1, "engagement", question(), ["a"]),  # right
        (2, "engagement", question(), ["b"]),  # wrong
        (3, "crisis", multiple, ["a"]),  # half of a multiple is wrong
        (4, "crisis", multiple, ["b", "a"]),  # right
        (5, "crisis", question(), []),  # unanswered
        (6, "advocacy", question(), ["a"]),
    ]
    result = rules.score(answered, pass_mark=75, competency_order=["crisis", "engagement"])
    assert (result.correct, result.total, result.percent, result.passed) == (3, 6, 50, False)
    assert [(c.competency, c.correct, c.total, c.percent) for c in result.by_competency] == [
        ("crisis", 1, 3, 33), ("engagement", 1, 2, 50), ("advocacy", 1, 1, 100)]
    assert result.results == {1: True, 2: False, 3: False, 4: True, 5: False, 6: True}


@pytest.mark.parametrize(("correct", "total", "percent", "passed"), [
    (3, 4, 75, True), (44, 60, 73, False), (45, 60, 75, True), (59, 79, 74, False), (0, 0, 0, False)])
def test_the_pass_mark_is_exact_and_the_percent_rounds_down(correct, total, percent, passed):
    answered = [(n, "c", question(), ["a"] if n < correct else ["b"]) for n in range(total)]
    result = rules.score(answered, pass_mark=75)
    assert (result.percent, result.passed) == (percent, passed)


@pytest.mark.parametrize(("value", "ok"), [
    (Decimal("1"), True), (Decimal("1.5"), True), (Decimal("4"), True), (Decimal("0.5"), False),
    (Decimal("4.01"), False), (Decimal("NaN"), False), (Decimal("Infinity"), False)])
def test_the_time_multiplier_is_between_one_and_four(value, ok):
    assert rules.valid_multiplier(value) is ok
