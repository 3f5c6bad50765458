"""The pass rule: every scored criterion at or above its minimum AND the total at the pass mark."""

import pytest

from lms.roleplay import rubric
from tests.factories import ROLEPLAY_CRITERIA

CRITERIA = rubric.scored_criteria(ROLEPLAY_CRITERIA, ["listening", "validation", "confidentiality", "language"])


@pytest.mark.parametrize(
    ("levels", "passed", "total", "below"),
    [
        # A great listener who promises absolute secrecy: confidentiality 1 is under its minimum of 3.
        ({"listening": 4, "validation": 4, "confidentiality": 1, "language": 4}, False, 13, ("confidentiality",)),
        # Every minimum reached and the total at the pass mark exactly.
        ({"listening": 2, "validation": 2, "confidentiality": 3, "language": 3}, True, 10, ()),
        # Every minimum reached but the total one short of the pass mark.
        ({"listening": 2, "validation": 2, "confidentiality": 3, "language": 2}, False, 9, ()),
        # Two criteria under their minimum, reported in rubric order.
        ({"listening": 1, "validation": 4, "confidentiality": 2, "language": 4}, False, 11,
         ("listening", "confidentiality")),
        ({"listening": 4, "validation": 4, "confidentiality": 4, "language": 4}, True, 16, ()),
    ],
)
def test_rubric_decides_pass_or_resubmit(levels, passed, total, below):
    decision = rubric.decide(CRITERIA, levels, pass_mark=10)
    assert decision.passed is passed
    assert decision.total == total
    assert decision.below_minimum == below
    assert decision.max_total == 16
    assert decision.decision == ("pass" if passed else "resubmit")


def test_a_great_listener_who_promises_secrecy_fails_on_the_safety_critical_minimum():
    levels = {"listening": 4, "validation": 4, "confidentiality": 1, "language": 4}
    decision = rubric.decide(CRITERIA, levels, pass_mark=10)
    assert decision.total_reached and not decision.passed
    safety = {c.id: c.safety_critical for c in CRITERIA}
    assert safety["confidentiality"] is True and decision.below_minimum == ("confidentiality",)


def test_scenario_minimum_overrides_apply_and_unscored_criteria_are_left_out():
    criteria = rubric.scored_criteria(ROLEPLAY_CRITERIA, ["listening", "confidentiality"], {"listening": 3})
    assert [c.id for c in criteria] == ["listening", "confidentiality"]
    assert criteria[0].minimum == 3
    decision = rubric.decide(criteria, {"listening": 2, "confidentiality": 4}, pass_mark=5)
    assert decision.below_minimum == ("listening",) and not decision.passed


def test_every_criterion_of_the_rubric_is_scored_when_the_scenario_names_none():
    assert [c.id for c in rubric.scored_criteria(ROLEPLAY_CRITERIA, [])] == [c["id"] for c in ROLEPLAY_CRITERIA]


def test_anchors_are_read_whatever_the_type_of_the_level_keys():
    criterion = rubric.scored_criteria(ROLEPLAY_CRITERIA, ["confidentiality"])[0]
    assert criterion.anchor(1) == "Promises absolute secrecy."
    from_yaml = rubric.scored_criteria([{**ROLEPLAY_CRITERIA[2], "levels": {1: "one", 2: "two"}}])[0]
    assert from_yaml.anchor(2) == "two"


@pytest.mark.parametrize("levels", [
    {"listening": 3, "validation": 3, "confidentiality": 3},  # a criterion missing
    {"listening": 3, "validation": 3, "confidentiality": 3, "language": 5},  # out of range
    {"listening": 0, "validation": 3, "confidentiality": 3, "language": 3},
])
def test_rubric_refuses_incomplete_or_out_of_range_levels(levels):
    with pytest.raises(ValueError):
        rubric.decide(CRITERIA, levels, pass_mark=10)


def test_distance_from_a_reference_is_signed_per_criterion():
    assert rubric.distance({"a": 3, "b": 2, "c": 4}, {"a": 4, "b": 2, "c": 2}) == {"a": 1, "b": 0, "c": -2}
