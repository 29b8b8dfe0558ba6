"""Long answers from a staging table, answer distributions, comments and the anonymity rule."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from ccpm_fixtures import PARTNER_MD, PARTNER_TABLE, fixture_answers, partner_form  # noqa: E402

from forms.definition import parse_markdown  # noqa: E402
from transforms.ccpm_counts import low_response_warnings  # noqa: E402
from transforms.score import answer_distribution, answers_long, comments_long, response_counts  # noqa: E402


def test_answers_long_normalises_on_each_question_scale_and_keeps_special_codes():
    answers = answers_long(partner_form(), PARTNER_TABLE, "partner").set_index(["respondent_id", "question"])
    assert answers.loc[("P1", "q111"), "value"] == 1.0
    assert answers.loc[("P2", "q111"), "value"] == 0.25
    assert answers.loc[("P2", "q112"), "special"] == "dont_know"
    assert pd.isna(answers.loc[("P2", "q112"), "value"])
    assert answers.loc[("P1", "q121"), "special"] == "precondition_absent"
    assert answers.loc[("P1", "q111"), ["indicator", "subfunction", "function", "org_type"]].tolist() == \
        ["1.1.1", "1.1", "1", "ingo"]
    assert ("P3", "q112") not in answers.index  # blank dropped
    assert ("P3", "q211") not in answers.index  # empty string dropped


def test_one_to_five_scale_and_codes_outside_scale_are_not_scored():
    table = pd.DataFrame({"submission_key": ["A", "B", "C"], "q211": ["1", "5", "7"], "q111": ["3.0", "x", "4"]})
    answers = answers_long(partner_form(), table, "partner").set_index(["respondent_id", "question"])
    assert answers.loc[("A", "q211"), "value"] == 0.0
    assert answers.loc[("B", "q211"), "value"] == 1.0
    assert pd.isna(answers.loc[("C", "q211"), "value"])
    assert answers.loc[("A", "q111"), "value"] == 0.75  # "3.0" read as code 3
    assert pd.isna(answers.loc[("B", "q111"), "value"])


def test_missing_scale_names_form_and_question():
    form = parse_markdown(PARTNER_MD.replace("| 1.1.2 | 0-4 |", "| 1.1.2 | |"))
    with pytest.raises(ValueError, match=r"form 'ccpm_partner_test', question 'q112': scale ''"):
        answers_long(form, PARTNER_TABLE, "partner")


def test_answer_distribution_shares_include_dont_know_and_not_applicable():
    dist = answer_distribution(fixture_answers())
    q112 = dist[(dist["question"] == "q112") & (dist["respondent_type"] == "partner")]
    assert q112[["code", "n", "share"]].values.tolist() == [["2", 1, 0.5], ["99", 1, 0.5]]
    assert q112["special"].tolist()[1] == "dont_know"
    na = dist[(dist["question"] == "q121") & (dist["respondent_type"] == "coordinator")]
    assert na[["code", "special", "share"]].values.tolist() == [["9999", "not_applicable", 1.0]]
    assert dist.groupby(["question", "respondent_type"])["share"].sum().round(9).eq(1).all()


def _org_answers(types: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"respondent_id": [f"R{i}" for i in range(len(types))], "respondent_type": "partner",
                         "org_type": types, "question": "q111"})


def test_anonymity_rule_merges_types_below_three_into_other():
    answers = _org_answers(["ingo"] * 4 + ["nngo"] * 2 + ["un"] + ["donor"] * 3)
    counts = response_counts(answers, {"ingo": 8, "nngo": 5, "un": 2, "donor": 3, "academia": 1},
                             labels={"ingo": "International NGO"})
    table = counts.set_index("org_type")
    assert list(table.index) == ["ingo", "donor", "academia", "other", "total"]
    assert table.loc["ingo", ["org_type_label", "responses", "participating"]].tolist() == ["International NGO", 4, 8]
    assert table.loc["other", ["responses", "participating"]].tolist() == [3, 7]  # nngo 2 + un 1
    assert table.loc["academia", "responses"] == 0
    assert table.loc["total", ["responses", "participating"]].tolist() == [10, 19]
    assert table.loc["total", "response_rate"] == pytest.approx(10 / 19)
    published = table.drop(index="total")["responses"]
    assert not published.between(1, 2).any()


def test_anonymity_threshold_is_configurable():
    answers = _org_answers(["ingo"] * 4 + ["nngo"] * 2)
    assert "nngo" in set(response_counts(answers, threshold=2)["org_type"])
    assert "ingo" not in set(response_counts(answers, threshold=5)["org_type"])


def test_low_response_rate_warns():
    answers = _org_answers(["ingo"] * 3)
    assert low_response_warnings(response_counts(answers, {"ingo": 10}), min_rate=0.5)
    assert not low_response_warnings(response_counts(answers, {"ingo": 4}), min_rate=0.5)


def test_comments_are_anonymous():
    comments = comments_long(partner_form(), PARTNER_TABLE, "partner")
    assert list(comments.columns) == ["respondent_type", "function", "question", "comment"]
    assert list(comments["comment"]) == ["Good maps", "Meetings are too long"]  # sorted, not by respondent
    assert set(comments["function"]) == {"1"}
