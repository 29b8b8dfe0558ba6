"""CCPM scoring against hand-computed values (fixture in ccpm_fixtures.py).

Respondent normalised answers (0-4 scale: code/4), '-' = no valid answer:
          q111(1.1.1) q112(1.1.2) q121(1.2.1)        q211(2.1.1)
    P1    1.00        0.50        precondition absent dk
    P2    0.25        dk          1.00                dk
    P3    0.75        blank       0.50                blank
    C1    0.00        0.25        N/A                 dk
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from ccpm_fixtures import FRAMEWORK, fixture_answers, partner_form  # noqa: E402

from transforms.ccpm_bands import GOOD, NOT_EVALUATED, SATISFACTORY, UNSATISFACTORY, WEAK, band_status  # noqa: E402
from transforms.score import ScoringSettings, answers_long, score_ccpm  # noqa: E402


def _scores(settings: ScoringSettings | None = None) -> pd.DataFrame:
    return score_ccpm(fixture_answers(), FRAMEWORK, settings, cycle="2025-1").set_index("unit_code")


def test_even_respondent_count_takes_mean_of_two_middle_respondent_means():
    # 1.1 respondent means: P1 .75, P2 .25, P3 .75, C1 .125 -> middle .25 and .75 -> 50
    row = _scores().loc["1.1"]
    assert row["score"] == pytest.approx(50.0)
    assert (row["n_respondents"], row["n_partners"], row["n_coordinators"]) == (4, 3, 1)
    assert row["status"] == UNSATISFACTORY


def test_partners_and_coordinators_pooled_with_equal_weight_per_indicator():
    scores = _scores()
    assert scores.loc["1.1.1", "score"] == pytest.approx(50.0)   # 1, .25, .75, 0 -> (.25+.75)/2
    assert scores.loc["1.1.2", "score"] == pytest.approx(37.5)   # P1 .5, C1 .25
    assert scores.loc["1.1.2", "n_coordinators"] == 1


def test_subfunction_is_scored_from_all_questions_not_median_of_indicator_scores():
    scores = _scores()
    median_of_indicators = pd.Series([scores.loc["1.1.1", "score"], scores.loc["1.1.2", "score"]]).median()
    assert median_of_indicators == pytest.approx(43.75)
    assert scores.loc["1.1", "score"] == pytest.approx(50.0)


def test_all_dont_know_is_not_evaluated_never_weak():
    scores = _scores()
    for code in ("2.1.1", "2.1", "2"):
        assert math.isnan(scores.loc[code, "score"])
        assert scores.loc[code, "status"] == NOT_EVALUATED
        assert scores.loc[code, "n_respondents"] == 0


def test_precondition_absent_excluded_by_default_and_zero_when_configured():
    assert _scores().loc["1.2.1", "score"] == pytest.approx(75.0)  # P2 1, P3 .5
    assert _scores().loc["1.2.1", "status"] == SATISFACTORY  # exactly 75
    zero = _scores(ScoringSettings(precondition_absent="zero"))
    assert zero.loc["1.2.1", "score"] == pytest.approx(50.0)  # P1 0, P2 1, P3 .5
    assert zero.loc["1.2.1", "n_partners"] == 3
    per_question = _scores(ScoringSettings(precondition_by_question={"q121": "zero"}))
    assert per_question.loc["1.2.1", "score"] == pytest.approx(50.0)


def test_not_applicable_is_never_scored_even_with_precondition_zero():
    zero = _scores(ScoringSettings(precondition_absent="zero"))
    assert zero.loc["1.2.1", "n_coordinators"] == 0  # C1 answered 9999 N/A


@pytest.mark.parametrize("aggregator, expected", [
    ("median_of_respondent_means", 50.0),   # means .75 .25 .75 .125
    ("median_of_pooled_answers", 37.5),     # 1 .5 .25 .75 0 .25 -> (.25+.5)/2
    ("mean_of_question_means", 43.75),      # q111 .5, q112 .375
])
def test_each_aggregator_on_subfunction_1_1(aggregator, expected):
    assert _scores(ScoringSettings(aggregator=aggregator)).loc["1.1", "score"] == pytest.approx(expected)


def test_function_with_several_subfunctions_gets_labelled_function_score_and_worst_subfunction():
    scores = _scores()
    # all questions of function 1: P1 (1,.5) .75, P2 (.25,1) .625, P3 (.75,.5) .625, C1 (0,.25) .125
    assert scores.loc["1", "score"] == pytest.approx(62.5)
    assert scores.loc["1", "worst_subfunction"] == "1.1"
    assert "Function-level score" in scores.loc["1", "label"]
    assert "IASC Reference Module function 1" in scores.loc["1", "label"]
    assert "IASC Reference Module function 4" in scores.loc["2", "label"]
    assert pd.isna(scores.loc["2", "worst_subfunction"])


def test_rows_follow_framework_report_order():
    table = score_ccpm(fixture_answers(), FRAMEWORK, cycle="c")
    assert list(table["unit_code"]) == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "2", "2.1", "2.1.1"]
    assert set(table["cycle"]) == {"c"}


@pytest.mark.parametrize("score, status", [
    (0.0, WEAK), (25.0, WEAK), (25.01, UNSATISFACTORY), (50.0, UNSATISFACTORY),
    (50.01, SATISFACTORY), (75.0, SATISFACTORY), (75.01, GOOD), (100.0, GOOD),
    (float("nan"), NOT_EVALUATED), (None, NOT_EVALUATED),
])
def test_band_edges(score, status):
    assert band_status(score) == status


def test_exact_band_edge_reached_from_answers_is_weak():
    table = pd.DataFrame({"submission_key": ["A"], "org_type": ["un"], "q111": ["1"]})
    answers = answers_long(partner_form(), table, "partner")
    scores = score_ccpm(answers, FRAMEWORK).set_index("unit_code")
    assert scores.loc["1.1.1", "score"] == pytest.approx(25.0)
    assert scores.loc["1.1.1", "status"] == WEAK


def test_configurable_bands():
    settings = ScoringSettings(bands=(40, 60, 80))
    assert _scores(settings).loc["1.1", "status"] == UNSATISFACTORY
    assert _scores(settings).loc["1.2", "status"] == SATISFACTORY


def test_invalid_settings_and_unknown_indicator_fail_with_clear_message():
    with pytest.raises(ValueError, match="unknown CCPM aggregator 'mode'"):
        ScoringSettings(aggregator="mode")
    with pytest.raises(ValueError, match="'half'"):
        ScoringSettings(precondition_absent="half")
    answers = fixture_answers()
    answers.loc[0, "indicator"] = "9.9.9"
    with pytest.raises(ValueError, match=r"q111 \(9\.9\.9\)"):
        score_ccpm(answers, FRAMEWORK)


def test_status_colours_are_red_orange_yellow_green_and_grey():
    from transforms.ccpm_bands import STATUS_COLOURS, legend
    names = {status: name for status, (name, _) in STATUS_COLOURS.items()}
    assert names == {WEAK: "red", UNSATISFACTORY: "orange", SATISFACTORY: "yellow", GOOD: "green",
                     NOT_EVALUATED: "grey"}
    assert [text for _, text, _ in legend()] == ["0–25%", ">25–50%", ">50–75%", ">75–100%", "no valid answers"]
