"""Scoring the shipped CCPM forms end to end: synthetic KoBo rows → flatten → answers → scores."""

from __future__ import annotations

import pandas as pd
import pytest

from connectors.kobo import to_record
from connectors.synthetic import generate
from forms.ccpm import load_framework
from forms.definition import load_form
from transforms.ccpm_answers import org_type_labels, participants
from transforms.ccpm_bands import STATUSES, band_status
from transforms.flatten import flatten, table_name
from transforms.score import answers_long, comments_long, response_counts, score_ccpm


def _table(form_id: str, n: int) -> tuple:
    form = load_form(form_id)
    records = [to_record(row, form_id) for row in generate(form, n, seed=7)]
    return form, flatten(form, records)[table_name(form)]


@pytest.fixture(scope="module")
def shipped():
    partner, partner_table = _table("ccpm_partner", 30)
    coordinator, coordinator_table = _table("ccpm_coordinator", 1)
    answers = pd.concat([answers_long(partner, partner_table, "partner"),
                         answers_long(coordinator, coordinator_table, "coordinator")], ignore_index=True)
    return answers, partner, coordinator, coordinator_table


def test_every_framework_unit_scored_in_report_order(shipped):
    answers, *_ = shipped
    framework = load_framework()
    scores = score_ccpm(answers, framework, cycle="2025")
    assert list(scores.loc[scores["unit_type"] == "function", "unit_code"]) == \
        [f.code for f in framework.functions]
    assert len(scores) == len(framework.functions) + len(framework.subfunctions) + len(framework.indicators)
    assert scores["status"].isin(STATUSES).all()
    assert [band_status(s) for s in scores["score"]] == list(scores["status"])
    assert (scores.loc[scores["unit_code"] == "1.1", "n_partners"] > 0).all()
    assert (scores.loc[scores["unit_code"] == "1.1", "n_coordinators"] == 1).all()
    assert scores["score"].dropna().between(0, 100).all()


def test_response_counts_use_coordinator_denominators_and_form_labels(shipped):
    answers, partner, coordinator, coordinator_table = shipped
    denominators = participants(coordinator, coordinator_table)
    assert set(denominators) == set(org_type_labels(partner))
    counts = response_counts(answers, denominators, labels=org_type_labels(partner)).set_index("org_type")
    assert counts.loc["total", "responses"] == 30
    assert counts.loc["total", "participating"] == sum(denominators.values())
    assert not counts.drop(index="total")["responses"].between(1, 2).any()


def test_comments_come_from_function_comment_questions(shipped):
    _, partner, _, _ = shipped
    _, table = _table("ccpm_partner", 30)
    comments = comments_long(partner, table, "partner")
    assert set(comments["function"]) <= {str(n) for n in range(1, 8)}
    assert "submission_key" not in comments and "org_type" not in comments
