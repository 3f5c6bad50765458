"""Item statistics against a hand computation, and the degenerate cases (no database)."""

import math

import pytest

from lms.item_analysis.statistics import AttemptResponses, ItemKey, ItemResponse, analyse

KEYS = [
    ItemKey("q1", ("a", "b", "c"), frozenset({"a"}), "listening"),
    ItemKey("q2", ("a", "b", "c"), frozenset({"b"}), "listening"),
    ItemKey("q3", ("a", "b", "c"), frozenset({"a"}), "boundaries"),
]
# attempt: choice per item ("" = omitted); keys q1=a, q2=b, q3=a
CHOICES = {1: ("a", "a", "a"), 2: ("", "c", "c"), 3: ("a", "b", "b"), 4: ("b", "c", ""), 5: ("a", "a", "c")}


def attempts(choices=CHOICES, keys=KEYS):
    result = []
    for attempt_id, chosen in choices.items():
        items = {}
        for key, choice in zip(keys, chosen, strict=True):
            selected = frozenset({choice}) if choice else frozenset()
            items[key.id] = ItemResponse(selected == key.correct, selected)
        result.append(AttemptResponses(attempt_id, items))
    return result


@pytest.fixture
def analysis():
    return analyse(KEYS, attempts())


def test_test_statistics_match_the_hand_computation(analysis):
    """Right (1) / wrong (0) per attempt, q1 q2 q3, and the number correct X:
        1: 1 0 1 -> 2    2: 0 0 0 -> 0    3: 1 1 0 -> 2    4: 0 0 0 -> 0    5: 1 0 0 -> 1
    mean X = 5/5 = 1.0; deviations 1, -1, 1, -1, 0; variance (population) = 4/5 = 0.8; SD = 0.894427.
    p = 0.6, 0.2, 0.2; p·q = 0.24 + 0.16 + 0.16 = 0.56.
    KR-20 = 3/2 · (1 - 0.56/0.8) = 1.5 · 0.3 = 0.45;  SEM = √0.8 · √0.55 = √0.44 = 0.663325.
    Listening (q1, q2): X = 1, 0, 2, 0, 1; mean 0.8; squared deviations .04 .64 1.44 .64 .04 = 2.8 -> variance 0.56;
    Σpq = 0.40; KR-20 = 2/1 · (1 - 0.40/0.56) = 4/7 = 0.571429; SEM = √(0.56 · 3/7) = √0.24 = 0.489898.
    Boundaries has one item: KR-20 is not computable (k/(k-1) with k = 1)."""
    test = analysis.test
    assert (test.n, test.items, test.mean) == (5, 3.0, 1.0)
    assert test.sd == pytest.approx(math.sqrt(0.8))
    assert test.kr20 == pytest.approx(0.45)
    assert test.sem == pytest.approx(math.sqrt(0.44))
    listening = test.by_competency["listening"]
    assert (listening.items, listening.kr20, listening.sem) == (2, pytest.approx(4 / 7), pytest.approx(math.sqrt(0.24)))
    boundaries = test.by_competency["boundaries"]
    assert (boundaries.items, boundaries.kr20, boundaries.sem) == (1, None, None)


def test_facility_and_corrected_point_biserial_match_the_hand_computation(analysis):
    """Corrected point-biserial: the item (x) against the rest score (X - x).
    q1: x = 1 0 1 0 1, rest = 1 0 1 0 0; means 0.6 and 0.4; deviations x .4 -.6 .4 -.6 .4, rest .6 -.4 .6 -.4 -.4;
        Σdxdy = .24+.24+.24+.24-.16 = 0.8; Σdx² = 1.2; Σdy² = 1.2; r = 0.8/1.2 = 0.666667.
    q2: x = 0 0 1 0 0, rest = 2 0 1 0 1; means 0.2 and 0.8; Σdxdy = -.24+.16+.16+.16-.04 = 0.2;
        Σdx² = 0.8; Σdy² = 1.44+.64+.04+.64+.04 = 2.8; r = 0.2/√2.24 = 0.133631.
    q3: x = 1 0 0 0 0, rest = 1 0 2 0 1; Σdxdy = .16+.16-.24+.16-.04 = 0.2; the same sums: r = 0.133631."""
    q1, q2, q3 = analysis.items
    assert [q1.facility, q2.facility, q3.facility] == [0.6, 0.2, 0.2]
    assert q1.point_biserial == pytest.approx(2 / 3)
    assert q2.point_biserial == pytest.approx(0.2 / math.sqrt(2.24))
    assert q3.point_biserial == pytest.approx(0.2 / math.sqrt(2.24))


def test_upper_lower_index_and_option_rates_match_the_hand_computation(analysis):
    """27% of 5 attempts, rounded: groups of 1. Ranked by (X, attempt id): 2 (0), 4 (0), 5 (1), 1 (2), 3 (2):
    the lower group is attempt 2, the upper group attempt 3 (it ties with 1 and has the larger id).
    D: q1 = 1 - 0 = 1; q2 = 1 - 0 = 1; q3 = 0 - 0 = 0 (attempt 3 chose b, attempt 2 chose c).
    Option rates (5 attempts each): q1 a 3/5, b 1/5, c 0, omitted 1/5; q2 a 2/5, b 1/5, c 2/5;
    q3 a 1/5, b 1/5, c 2/5, omitted 1/5."""
    q1, q2, q3 = analysis.items
    assert [q1.upper_lower, q2.upper_lower, q3.upper_lower] == [1.0, 1.0, 0.0]
    assert [o.rate for o in q1.options] == [0.6, 0.2, 0.0] and q1.omitted_rate == 0.2
    assert [o.rate for o in q2.options] == [0.4, 0.2, 0.4] and q2.omitted_rate == 0.0
    assert [o.rate for o in q3.options] == [0.2, 0.2, 0.4] and q3.omitted_rate == 0.2
    assert [(o.upper_rate, o.lower_rate) for o in q3.options] == [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)]


def test_flags_follow_the_thresholds(analysis):
    """q1: c chosen by nobody. q2, q3: facility 0.2 < 0.3 and r 0.13 < 0.2. q3: distractor b chosen by the
    whole upper group and none of the lower group (1.0 > 0.0). q2's distractor c goes the right way (0 < 1)."""
    flags = {item.id: [(flag.code, flag.option) for flag in item.flags] for item in analysis.items}
    assert flags == {
        "q1": [("unused_distractor", "c")],
        "q2": [("too_hard", None), ("weak_discrimination", None)],
        "q3": [("too_hard", None), ("weak_discrimination", None), ("strong_distractor", "b")],
    }


def test_an_easy_item_and_a_negative_one_are_flagged():
    keys = [ItemKey("easy", ("y", "n"), frozenset({"y"})), ItemKey("odd", ("y", "n"), frozenset({"y"})),
            ItemKey("good", ("y", "n"), frozenset({"y"}))]
    # easy: all right but one of the weakest; odd: only the weakest are right; good follows the total.
    rows = {1: ("y", "y", "n"), 2: ("y", "y", "n"), 3: ("y", "n", "y"), 4: ("y", "n", "y"), 5: ("y", "n", "y"),
            6: ("y", "n", "y"), 7: ("y", "n", "y"), 8: ("y", "n", "y"), 9: ("y", "n", "y"), 10: ("y", "n", "y"),
            11: ("n", "y", "n")}
    items = {item.id: {flag.code for flag in item.flags} for item in analyse(keys, attempts(rows, keys)).items}
    assert "too_easy" in items["easy"]
    assert "negative_discrimination" in items["odd"]


@pytest.mark.parametrize("rows", [{}, {1: ("a", "b", "a")}, {1: ("a", "b", "a"), 2: ("a", "b", "a")}],
                         ids=["no attempts", "one attempt", "zero variance"])
def test_degenerate_data_gives_not_computable_not_an_error(rows):
    analysis = analyse(KEYS, attempts(rows))
    assert analysis.test.kr20 is None and analysis.test.sem is None
    assert all(item.point_biserial is None for item in analysis.items)
    assert all(r.kr20 is None for r in analysis.test.by_competency.values())
    if not rows:
        assert analysis.test.mean is None and all(item.facility is None for item in analysis.items)
        assert all(not item.flags for item in analysis.items)


def test_items_seen_by_only_some_attempts_use_their_own_counts():
    """An exam drawn from a pool: q3 was on attempts 1 and 2 only; its rates divide by 2, not 3."""
    keys = KEYS
    rows = [AttemptResponses(1, {"q1": ItemResponse(True, frozenset("a")), "q3": ItemResponse(True, frozenset("a"))}),
            AttemptResponses(2, {"q1": ItemResponse(False, frozenset("b")), "q3": ItemResponse(False, frozenset("c"))}),
            AttemptResponses(3, {"q1": ItemResponse(True, frozenset("a")), "q2": ItemResponse(True, frozenset("b"))})]
    q1, q2, q3 = analyse(keys, rows).items
    assert (q1.n, q2.n, q3.n) == (3, 1, 2)
    assert q3.facility == 0.5 and [o.rate for o in q3.options] == [0.5, 0.0, 0.5]
    assert q2.point_biserial is None  # one attempt saw it
