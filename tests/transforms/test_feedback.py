"""Data Docs for a run and the per-partner quarantine workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).parent))
from transform_forms import household_form, kobo_record  # noqa: E402

from transforms.feedback import build_data_docs, write_partner_workbooks  # noqa: E402
from transforms.flatten import flatten  # noqa: E402
from transforms.issues import issues_frame  # noqa: E402
from transforms.validate import validate  # noqa: E402


def test_data_docs_site_lists_the_run_validations(tmp_path):
    form, results = household_form(), []
    validate(form, flatten(form, [kobo_record("a", age="200"), kobo_record("b")]), collect=results)
    index = build_data_docs(results, tmp_path / "validation", run_name="night-1")
    assert index.exists() and "stg_household" in index.read_text(encoding="utf-8")
    pages = list((tmp_path / "validation" / "validations").rglob("*.html"))
    assert any("night-1" in str(p) for p in pages)


def _issue(org, key, message, value="x"):
    return {"form_id": "fivew_monthly", "submission_key": key, "rule": "range", "field": "age", "value": value,
            "message": message, "org": org}


def test_one_workbook_per_partner_with_its_records_only(tmp_path):
    issues = issues_frame([_issue("p1", "a", "Fix a"), _issue("p2", "b", "Fix b"), _issue("p1", "c", "Fix c"),
                           _issue(None, "d", "Fix d")])
    paths = write_partner_workbooks(issues, tmp_path)
    assert sorted(p.name for p in paths) == ["quarantine_organisation_not_recorded.xlsx", "quarantine_p1.xlsx",
                                             "quarantine_p2.xlsx"]
    sheet = load_workbook(tmp_path / "quarantine_p1.xlsx").active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [(r[0], r[3]) for r in rows] == [("a", "Fix a"), ("c", "Fix c")]
    assert sheet["A3"].value == "Submission" and "p1" in sheet["A1"].value


def test_hostile_text_is_stored_as_plain_text(tmp_path):
    issues = issues_frame([_issue("../../منظمة 🙂", "k", "=HYPERLINK(\"http://x\")", value="=1+1\x07")])
    [path] = write_partner_workbooks(issues, tmp_path)
    assert path.parent == tmp_path and path.name == "quarantine_منظمة.xlsx"
    sheet = load_workbook(path).active
    assert sheet["D4"].value == "=HYPERLINK(\"http://x\")" and sheet["D4"].data_type == "s"
    assert sheet["C4"].value == "=1+1"


def test_no_issues_no_workbooks(tmp_path):
    assert write_partner_workbooks(issues_frame(), tmp_path) == []
    assert write_partner_workbooks(pd.DataFrame(columns=["org"]), tmp_path) == []
