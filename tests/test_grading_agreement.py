"""The agreement page: weighted kappa (linear) and percent exact agreement per criterion and per pair of
supervisors, checked against a hand computation; and the same code on AnnoMI's double-annotated utterances."""

import pytest

from lms.roleplay import agreement_report
from tests import factories
from tests.conftest import SHARED

# Primary grade (supervisor) and blind second marking (other supervisor) of four submissions.
LISTENING = [(1, 1), (2, 3), (3, 3), (4, 2)]
CONFIDENTIALITY = [(3, 3), (3, 3), (4, 4), (1, 1)]

# Hand computation, levels 1..4, linear disagreement weights w(i, j) = |i - j| / 3:
#
# Listening, n = 4: observed disagreement = (0 + 1/3 + 0 + 2/3) / 4 = 0.25.
#   Marginals: first rater 1,1,1,1 (levels 1..4); second rater 1,1,2,0.
#   Expected = sum_ij w(i,j) r_i c_j / n^2 = (1*2 + 1*4/3 + 2*4/3 + 0*2) / 16 = 6/16 = 0.375.
#   kappa = 1 - 0.25 / 0.375 = 1/3; exact agreement 2 of 4 = 50 %.
# Confidentiality: every pair agrees, so observed = 0 and kappa = 1; exact agreement 100 %.
# The pair of supervisors, all 8 ratings: observed = 1/8 = 0.125.
#   Marginals 2,1,3,2 and 2,1,4,1: sum_ij |i-j| r_i c_j = 2*12 + 1*8 + 3*6 + 2*12 = 74,
#   expected = 74 / 3 / 64 = 0.385417; kappa = 1 - 0.125 / 0.385417 = 0.675676; exact 6 of 8 = 75 %.
EXPECTED = {"listening": (0.333, 50.0), "confidentiality": (1.0, 100.0), "pair": (0.676, 75.0)}


@pytest.fixture
def double_marked(db, people):
    people["cohort"].supervisors.append(people["other_supervisor"])
    scenario = factories.make_scenario(criteria=("listening", "confidentiality"), pass_mark=4)
    for (l1, l2), (c1, c2) in zip(LISTENING, CONFIDENTIALITY, strict=True):
        trainee = factories.make_user(org=people["org"])
        people["cohort"].trainees.append(trainee)
        submission = factories.make_submission(trainee, scenario, second_marker_id=people["other_supervisor"].id)
        factories.make_grade(submission, people["supervisor"], {"listening": l1, "confidentiality": c1})
        factories.make_grade(submission, people["other_supervisor"], {"listening": l2, "confidentiality": c2},
                             kind="second")
    db.session.commit()
    return scenario


def test_agreement_report_matches_the_hand_computation(app, db, people, double_marked):
    report = agreement_report.agreement_report(people["supervisor"])
    rows = {row.key: row for row in report.by_criterion}
    assert (rows["listening"].kappa, rows["listening"].percent, rows["listening"].n) == (0.333, 50.0, 4)
    assert (rows["confidentiality"].kappa, rows["confidentiality"].percent) == (1.0, 100.0)
    assert rows["listening"].flagged and not rows["confidentiality"].flagged
    (pair,) = report.by_pair
    assert (pair.kappa, pair.percent, pair.n) == (0.676, 75.0, 8)
    assert not pair.flagged and pair.interpretation == "substantial"
    assert report.submissions == 4


def test_agreement_page_shows_kappa_chart_and_table_with_flags(client, auth, people, double_marked):
    auth.switch_to(people["supervisor"])
    page = client.get("/grading/agreement").get_data(as_text=True)
    listening = page.split('data-key="listening"')[1].split("</tr>")[0]
    assert "0.33" in listening and "50%" in listening and "Under 0.6" in listening
    confidentiality = page.split('data-key="confidentiality"')[1].split("</tr>")[0]
    assert "1.00" in confidentiality and "100%" in confidentiality and "Under 0.6" not in confidentiality
    pair_key = f'data-key="{people["supervisor"].id}-{people["other_supervisor"].id}"'
    pair = page.split(pair_key)[1].split("</tr>")[0]
    assert "0.68" in pair and "75%" in pair
    assert '<svg viewBox' in page and 'role="img"' in page
    assert page.count('class="bar flagged"') == 1


def test_agreement_is_limited_to_the_supervisors_cohorts(client, auth, people, double_marked):
    auth.switch_to(people["outsider_supervisor"])
    page = client.get("/grading/agreement").get_data(as_text=True)
    assert "No submission has been graded twice yet" in page
    auth.switch_to(people["admin"])
    assert 'data-key="listening"' in client.get("/grading/agreement").get_data(as_text=True)


def test_calibration_grades_count_towards_agreement_with_the_reference(db, people):
    scenario = factories.make_scenario(criteria=("listening",), pass_mark=2)
    submission = factories.make_submission(people["trainee"], scenario, is_calibration=True)
    factories.make_grade(submission, people["supervisor"], {"listening": 3})
    factories.make_grade(submission, people["other_supervisor"], {"listening": 2}, kind="calibration")
    db.session.commit()
    pairs, _ = agreement_report.rating_pairs(people["admin"])
    assert [(p.level_a, p.level_b, p.source) for p in pairs] == [(3, 2, "calibration")]


ANNOMI = SHARED / "data" / "annomi-dev.csv"


@pytest.mark.skipif(not ANNOMI.exists(), reason="the AnnoMI development file is not beside the repository")
def test_roleplay_agreement_command_reports_sensible_kappa_on_annomi(runner):
    result = runner.invoke(args=["roleplay", "agreement", "--data", str(ANNOMI)])
    assert result.exit_code == 0, result.output
    from tools.annomi import annomi_agreement

    codes = annomi_agreement(ANNOMI)["codes"]
    for code in ("main_therapist_behaviour", "question_exists", "reflection_exists"):
        assert code in result.output
        assert 0.2 < codes[code]["kappa"] <= 1.0  # experts agree well above chance, not perfectly


def test_listening_rows_group_the_analyzer_counts_by_level():
    from lms.roleplay.second_opinion import listening_rows

    rows = listening_rows([(3, 4, 2, 4), (1, 4, 4, 0), (3, 4, 0, 2)])
    assert [r["level"] for r in rows] == [1, 3]
    assert rows[0] == {"level": 1, "submissions": 1, "reflections": 0.0, "questions": 4.0,
                       "reflections_per_question": 0.0}
    assert rows[1]["submissions"] == 2 and rows[1]["reflections"] == 3.0 and rows[1]["reflections_per_question"] == 3.0
    assert listening_rows([(2, 3, 0, 0)])[0]["reflections_per_question"] is None


def test_agreement_page_shows_analyzer_counts_by_listening_score_in_scope(client, auth, people, double_marked):
    from lms.roleplay.second_opinion import listening_vs_analyzer

    rows = listening_vs_analyzer(people["supervisor"])
    assert rows and sum(r["submissions"] for r in rows) >= 1
    auth.switch_to(people["supervisor"])
    assert "Analyzer counts by listening score" in client.get("/grading/agreement").get_data(as_text=True)
    assert listening_vs_analyzer(people["outsider_supervisor"]) == []
    auth.switch_to(people["outsider_supervisor"])
    assert "Analyzer counts by listening score" not in client.get("/grading/agreement").get_data(as_text=True)
