"""Rater agreement statistics, checked against hand-computed tables."""

import csv
import math

import pytest

from lms.roleplay.agreement import (
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    interpret_kappa,
    percent_agreement,
    weighted_kappa,
)
from tools.annomi import annomi_agreement, format_annomi_agreement


def table_to_pairs(table, categories):
    """Rows = rater A, columns = rater B."""
    return [(a, b) for i, a in enumerate(categories) for j, b in enumerate(categories) for _ in range(table[i][j])]


# A symmetric 3x3 table (n = 50), rows = rater A, columns = rater B:
#
#            B=1  B=2  B=3 | row
#     A=1     10    5    0 |  15
#     A=2      5   10    5 |  20
#     A=3      0    5   10 |  15
#     col     15   20   15 |  50
#
# Unweighted: p_o = 30/50 = 0.6; p_e = (15*15 + 20*20 + 15*15) / 50^2 = 850/2500 = 0.34;
#   kappa = (0.6 - 0.34) / (1 - 0.34) = 0.26 / 0.66 = 13/33 = 0.393939...
# Linear disagreement weights |i-j|/2 (0, 0.5, 1):
#   observed  = (5+5+5+5) * 0.5 / 50 = 10/50
#   expected  = [(15*20 + 20*15 + 20*15 + 15*20) * 0.5 + (15*15 + 15*15) * 1] / 2500 = (600 + 450)/2500 = 21/50
#   kappa = 1 - 10/21 = 11/21 = 0.523809...
# Quadratic weights (|i-j|/2)^2 (0, 0.25, 1):
#   observed  = 20 * 0.25 / 50 = 5/50
#   expected  = (1200 * 0.25 + 450 * 1) / 2500 = 750/2500 = 15/50
#   kappa = 1 - 5/15 = 2/3
SYMMETRIC = [[10, 5, 0], [5, 10, 5], [0, 5, 10]]

# An asymmetric 3x3 table (n = 100), so that marginals differ between raters:
#
#            B=1  B=2  B=3 | row
#     A=1     20   10    5 |  35
#     A=2      5   25    5 |  35
#     A=3      0   10   20 |  30
#     col     25   45   30 | 100
#
# Unweighted: p_o = 65/100; p_e = (35*25 + 35*45 + 30*30)/10000 = (875 + 1575 + 900)/10000 = 0.335;
#   kappa = (0.65 - 0.335) / 0.665 = 0.315/0.665 = 63/133 = 0.473684...
# Linear: observed = [(10+5+5+10) * 0.5 + (5+0) * 1] / 100 = (15 + 5)/100 = 0.20
#   expected: |i-j|=1 cells: 35*45 + 35*25 + 35*30 + 30*45 = 1575 + 875 + 1050 + 1350 = 4850 -> * 0.5 = 2425
#             |i-j|=2 cells: 35*30 + 30*25 = 1050 + 750 = 1800 -> * 1 = 1800;  (2425 + 1800)/10000 = 0.4225
#   kappa = 1 - 0.20/0.4225 = 0.526627...
# Quadratic: observed = (30 * 0.25 + 5 * 1)/100 = 0.125; expected = (4850 * 0.25 + 1800)/10000 = 0.30125
#   kappa = 1 - 0.125/0.30125 = 0.585062...
ASYMMETRIC = [[20, 10, 5], [5, 25, 5], [0, 10, 20]]


@pytest.mark.parametrize(
    ("table", "weights", "expected"),
    [
        (SYMMETRIC, None, 13 / 33),
        (SYMMETRIC, "linear", 11 / 21),
        (SYMMETRIC, "quadratic", 2 / 3),
        (ASYMMETRIC, None, 63 / 133),
        (ASYMMETRIC, "linear", 1 - 0.20 / 0.4225),
        (ASYMMETRIC, "quadratic", 1 - 0.125 / 0.30125),
    ],
)
def test_weighted_kappa_hand_computed(table, weights, expected):
    pairs = table_to_pairs(table, [1, 2, 3])
    assert weighted_kappa(pairs, [1, 2, 3], weights) == pytest.approx(expected, abs=1e-12)
    # Swapping the raters transposes the table; kappa is symmetric.
    assert weighted_kappa([(b, a) for a, b in pairs], [1, 2, 3], weights) == pytest.approx(expected, abs=1e-12)


def test_categories_are_ordinal_positions_not_values():
    pairs = table_to_pairs(SYMMETRIC, ["low", "mid", "high"])
    assert weighted_kappa(pairs, ["low", "mid", "high"], "linear") == pytest.approx(11 / 21)
    spaced = table_to_pairs(SYMMETRIC, [1, 5, 10])
    assert weighted_kappa(spaced, [1, 5, 10], "quadratic") == pytest.approx(2 / 3)


def test_reference_values_from_another_implementation():
    # 40 pairs on a 4-level scale; expected values computed with scikit-learn's cohen_kappa_score.
    pairs = [(4, 4), (1, 3), (4, 4), (3, 4), (3, 2), (2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (4, 1), (3, 4), (3, 2),
             (4, 4), (3, 1), (1, 1), (4, 1), (4, 3), (2, 3), (1, 2), (2, 2), (2, 4), (1, 1), (3, 4), (1, 3), (3, 1),
             (3, 2), (3, 4), (1, 4), (3, 2), (3, 2), (2, 2), (1, 3), (4, 1), (1, 2), (2, 1), (1, 4), (3, 2), (2, 4),
             (3, 4)]
    levels = [1, 2, 3, 4]
    assert weighted_kappa(pairs, levels, None) == pytest.approx(-0.07931316434995894)
    assert weighted_kappa(pairs, levels, "linear") == pytest.approx(-0.04208416833667328)
    assert weighted_kappa(pairs, levels, "quadratic") == pytest.approx(-0.01988781234064252)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_identical_ratings_give_one(weights):
    pairs = [(1, 1), (2, 2), (3, 3), (4, 4), (2, 2), (3, 3)]
    assert weighted_kappa(pairs, [1, 2, 3, 4], weights) == pytest.approx(1.0)
    assert percent_agreement(pairs) == 100.0


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_everyone_in_one_category_is_defined_as_perfect(weights):
    # Chance agreement is 1, so the formula is 0/0; both raters agree on every item, which we define as kappa 1.0.
    pairs = [(3, 3)] * 12
    assert weighted_kappa(pairs, [1, 2, 3, 4], weights) == 1.0
    assert weighted_kappa([(1, 1)], [1], weights) == 1.0


def test_disagreement_in_one_rater_only_varies():
    # Rater A always says 2, rater B varies: chance disagreement > 0, kappa is 0 (no agreement beyond chance).
    pairs = [(2, 1), (2, 2), (2, 3), (2, 2)]
    assert weighted_kappa(pairs, [1, 2, 3], None) == pytest.approx(0.0)
    assert weighted_kappa(pairs, [1, 2, 3], "linear") == pytest.approx(0.0)


def test_systematic_disagreement_is_negative():
    pairs = [(1, 2), (2, 1)] * 5
    assert weighted_kappa(pairs, [1, 2], None) == pytest.approx(-1.0)
    assert interpret_kappa(-1.0) == "poor"


def test_percent_agreement():
    assert percent_agreement(table_to_pairs(SYMMETRIC, [1, 2, 3])) == pytest.approx(60.0)
    assert percent_agreement([(1, 2), (2, 2), (3, 3), (4, 1)]) == pytest.approx(50.0)


def test_confusion_matrix_and_cohen_kappa():
    pairs = table_to_pairs(ASYMMETRIC, [1, 2, 3])
    assert confusion_matrix(pairs, [1, 2, 3]) == ASYMMETRIC
    assert cohen_kappa(pairs) == pytest.approx(63 / 133)


def test_invalid_input():
    with pytest.raises(ValueError):
        weighted_kappa([], [1, 2, 3])
    with pytest.raises(ValueError):
        percent_agreement([])
    with pytest.raises(ValueError):
        weighted_kappa([(1, 5)], [1, 2, 3])
    with pytest.raises(ValueError):
        weighted_kappa([(1, 1)], [1, 2, 3], "cubic")


@pytest.mark.parametrize(
    ("k", "label"),
    [(-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.4, "fair"), (0.41, "moderate"),
     (0.6, "moderate"), (0.61, "substantial"), (0.8, "substantial"), (0.81, "almost perfect"), (1.0, "almost perfect"),
     (None, "undefined"), (math.nan, "undefined")],
)
def test_landis_koch_labels(k, label):
    assert interpret_kappa(k) == label


def test_fleiss_kappa():
    # Fleiss (1971) style check with 3 raters, 4 items, 2 categories:
    # items: [a,a,a] [a,a,b] [b,b,b] [a,b,b]; per-item agreement P_i = 1, 1/3, 1, 1/3 -> P_bar = 2/3;
    # category shares: a = 6/12, b = 6/12 -> P_e = 0.5; kappa = (2/3 - 1/2) / (1/2) = 1/3.
    items = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["a", "b", "b"]]
    assert fleiss_kappa(items) == pytest.approx(1 / 3)
    assert fleiss_kappa([["x", "x"], ["x", "x"]]) == 1.0


def write_annomi(path, rows):
    columns = ["transcript_id", "utterance_id", "interlocutor", "utterance_text", "annotator_id",
               "main_therapist_behaviour", "question_exists", "question_subtype", "reflection_exists",
               "reflection_subtype", "therapist_input_exists", "therapist_input_subtype", "client_talk_type",
               "mi_quality", "topic"]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        for tid, uid, who, annotator, behaviour, question, reflection in rows:
            writer.writerow({
                "transcript_id": tid, "utterance_id": uid, "interlocutor": who, "utterance_text": "x",
                "annotator_id": annotator, "main_therapist_behaviour": behaviour if who == "therapist" else "n/a",
                "question_exists": question, "question_subtype": "n/a", "reflection_exists": reflection,
                "reflection_subtype": "n/a", "therapist_input_exists": "False", "therapist_input_subtype": "n/a",
                "client_talk_type": "n/a", "mi_quality": "high", "topic": "t",
            })


def test_annomi_agreement_pairs_annotators(tmp_path):
    path = tmp_path / "annomi.csv"
    write_annomi(path, [
        # utterance (0, 0): two annotators agree on everything
        (0, 0, "therapist", 1, "question", "True", "False"),
        (0, 0, "therapist", 2, "question", "True", "False"),
        # utterance (0, 2): they disagree on the main behaviour and on reflection
        (0, 2, "therapist", 1, "reflection", "False", "True"),
        (0, 2, "therapist", 2, "other", "False", "False"),
        # client rows and single-annotator utterances are ignored
        (0, 1, "client", 1, "n/a", "n/a", "n/a"),
        (0, 1, "client", 2, "n/a", "n/a", "n/a"),
        (2, 0, "therapist", 3, "question", "True", "False"),
    ])
    result = annomi_agreement(path)
    assert result["utterances"] == 2 and result["annotators"] == 2
    main = result["codes"]["main_therapist_behaviour"]
    assert main["n_pairs"] == 2
    assert main["percent"] == 50.0
    # pairs (question, question), (reflection, other); categories other/question/reflection:
    # p_o = 1/2; rater A: question 1, reflection 1; rater B: question 1, other 1 -> p_e = (1*1)/4 = 1/4;
    # kappa = (1/2 - 1/4) / (3/4) = 1/3
    assert main["kappa"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["codes"]["question_exists"]["kappa"] == 1.0
    assert result["codes"]["question_exists"]["percent"] == 100.0
    assert "main_therapist_behaviour" in format_annomi_agreement(result)
