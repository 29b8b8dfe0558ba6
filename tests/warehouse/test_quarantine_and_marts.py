"""Quarantine issues are replaced per submission; CCPM scores are replaced per cycle; both via the views."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse import marts, quarantine, staging


def _issues(rows) -> pd.DataFrame:
    columns = ["form_id", "submission_key", "rule", "field", "value", "message"]
    return pd.DataFrame(rows, columns=columns).astype("str")


def test_restaging_a_submission_replaces_its_issues(wh, load_id):
    first = _issues([
        ("ccpm_partner", "s1", "required", "org_type", "", "org_type is required"),
        ("ccpm_partner", "s1", "choice", "q1", "7", "7 is not in list 'freq'"),
        ("ccpm_partner", "s2", "required", "org_type", "", "org_type is required"),
    ])
    with wh.begin() as conn:
        assert quarantine.replace_issues(conn, "ccpm_partner", ["s1", "s2"], first, load_id) == 3
        quarantine.replace_issues(conn, "ccpm_partner", ["s1"], None, load_id)  # s1 fixed at the source
    view = staging.read_table(wh, "quarantine")
    assert view.columns.tolist() == ["form_id", "submission_key", "rule", "field", "value", "message", "org"]
    assert view[["submission_key", "rule"]].values.tolist() == [["s2", "required"]]


def test_issues_keep_unicode_and_sql_looking_values(wh, load_id):
    issue = _issues([("ccpm_partner", "s1", "constraint", "nom", "'; DROP TABLE loads; --", "« valeur » invalide")])
    with wh.begin() as conn:
        quarantine.replace_issues(conn, "ccpm_partner", ["s1"], issue, load_id)
    view = staging.read_table(wh, "quarantine")
    assert view.loc[0, "value"] == "'; DROP TABLE loads; --"
    assert view.loc[0, "message"] == "« valeur » invalide"


def _scores(score: float) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_type": ["function", "subfunction", "indicator"],
        "unit_code": ["1", "1.1", "1.1.2"],
        "unit_name": ["Supporting service delivery", "Platform", "Meetings"],
        "score": pd.Series([score, None, 80.0], dtype="Float64"),
        "status": ["Good", "Not evaluated", "Good"],
        "n_respondents": pd.Series([12, 0, 12], dtype="Int64"),
        "n_partners": pd.Series([10, 0, 10], dtype="Int64"),
        "n_coordinators": pd.Series([2, 0, 2], dtype="Int64"),
    })


def test_write_ccpm_scores_replaces_only_that_cycle(wh, load_id):
    with wh.begin() as conn:
        marts.write_ccpm_scores(conn, "2023", _scores(60.0), load_id)
        marts.write_ccpm_scores(conn, "2024", _scores(70.0), load_id)
        assert marts.write_ccpm_scores(conn, "2024", _scores(76.5), load_id) == 3
    view = staging.read_table(wh, "ccpm_scores")
    assert view.columns.tolist()[:8] == ["cycle", "unit_type", "unit_code", "score", "status",
                                         "n_respondents", "n_partners", "n_coordinators"]
    by_cycle = view[view["unit_code"] == "1"].set_index("cycle")["score"].to_dict()
    assert by_cycle == {"2023": 60.0, "2024": 76.5}
    assert view[view["unit_code"] == "1.1"]["score"].isna().all()
    assert len(view) == 6


def test_write_ccpm_scores_refuses_an_unknown_unit_type(wh, load_id):
    bad = _scores(50.0).assign(unit_type=["function", "cluster", "indicator"])
    with pytest.raises(ValueError, match="cluster"), wh.begin() as conn:
        marts.write_ccpm_scores(conn, "2024", bad, load_id)
