"""Partner commitments scored like CCPM, per principle, per commitment and per group."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from forms.definition import load_form
from transforms.ccpm_answers import answers_long
from transforms.ccpm_bands import GOOD, NOT_EVALUATED, WEAK
from transforms.ccpm_commitments import score_commitments
from transforms.score import ScoringSettings


@pytest.fixture(scope="module")
def form():
    return load_form("partner_commitments")


def _table(form, answers: dict[str, list[str]]) -> pd.DataFrame:
    n = len(next(iter(answers.values())))
    return pd.DataFrame({"submission_key": [f"S{i}" for i in range(n)], **answers})


def test_items_and_groups_hand_computed(form):
    table = _table(form, {"pp_equality": ["4", "2", "99"], "pp_transparency": ["0", "0", "1"],
                          "mc_psea": ["4", "0", "9999"]})
    scores = score_commitments(form, answers_long(form, table, "partner"), cycle="2025").set_index("unit_code")
    assert scores.loc["PP.equality", ["score", "status", "n_respondents"]].tolist() == [75.0, "Satisfactory – minor improvement needed", 2]
    assert scores.loc["PP.transparency", "score"] == pytest.approx(0.0) and scores.loc["PP.transparency", "status"] == WEAK
    # group PP: respondent means S0 (1+0)/2, S1 (0.5+0)/2, S2 0.25 → median 0.25
    assert scores.loc["PP", "score"] == pytest.approx(25.0) and scores.loc["PP", "unit_type"] == "group"
    assert scores.loc["MC.psea", "score"] == pytest.approx(50.0)
    assert math.isnan(scores.loc["MC.aap", "score"]) and scores.loc["MC.aap", "status"] == NOT_EVALUATED
    assert scores.loc["MC.aap", "unit_type"] == "commitment" and scores.loc["PP.results", "unit_type"] == "principle"
    assert set(scores["cycle"]) == {"2025"}


def test_aggregator_setting_applies(form):
    table = _table(form, {"pp_equality": ["4", "4", "0"], "pp_transparency": ["4", "0", "0"]})
    answers = answers_long(form, table, "partner")
    mean = score_commitments(form, answers, ScoringSettings(aggregator="mean_of_question_means"))
    assert mean.set_index("unit_code").loc["PP", "score"] == pytest.approx(50.0)
    median = score_commitments(form, answers).set_index("unit_code")
    assert median.loc["PP", "score"] == pytest.approx(50.0) and median.loc["PP.equality", "status"] == GOOD
