"""Report data read from the public view ``ccpm_scores`` (SQLite and, when configured, PostgreSQL)."""

from __future__ import annotations

import math

import pytest
from ccpm_report_fixtures import report_from, scores_for, write_scores_view

from reports.ccpm_data import CcpmReportData, format_score, load_ccpm_report_data
from transforms.ccpm_bands import NOT_EVALUATED


def test_loads_one_cycle_from_the_view_in_report_order(warehouse_url):
    report = report_from(write_scores_view(warehouse_url))
    expected = scores_for("2025")
    assert set(report.scores["cycle"]) == {"2025"}
    assert list(report.scores["unit_code"]) == list(expected["unit_code"])
    got = report.scores.set_index("unit_code")
    for row in expected.to_dict("records"):
        if math.isnan(row["score"]):
            assert math.isnan(got.loc[row["unit_code"], "score"])
            assert got.loc[row["unit_code"], "status"] == NOT_EVALUATED
        else:
            assert got.loc[row["unit_code"], "score"] == pytest.approx(row["score"])
        assert got.loc[row["unit_code"], "n_respondents"] == row["n_respondents"]


def test_unknown_cycle_names_the_cycles_present(sqlite_url):
    engine = write_scores_view(sqlite_url)
    with pytest.raises(LookupError, match=r"no scores for cycle '2030' \(cycles present: 2024, 2025\)"):
        load_ccpm_report_data(engine, "2030", country="SSD", cluster="CCCM")


def test_worst_subfunction_and_action_plan_come_from_the_scores(sqlite_url):
    report = report_from(write_scores_view(sqlite_url))
    assert report.worst_subfunction("1")["unit_code"] == "1.1"  # 50 vs 75
    assert report.worst_subfunction("7") is None
    assert [a["unit_code"] for a in report.action_plan_rows()] == ["1.1"]


def test_stage_must_be_preliminary_or_final():
    with pytest.raises(ValueError, match="preliminary, final"):
        CcpmReportData(cycle="c", country="SSD", cluster="CCCM", scores=scores_for("c"), stage="draft")


def test_format_score():
    assert format_score(62.5) == "62.5%"
    assert format_score(float("nan")) == "–"
    assert format_score(None) == "–"
