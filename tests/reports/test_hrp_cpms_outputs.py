"""CPMS in the HRP run: hand-computed indicator figures in the view, and the PMR's CPMS sheet, the CPMS HXL CSV
and the dashboard showing exactly the view's numbers (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from connectors.synthetic import generate
from flows.config import parse_config
from flows.hrp import run_hrp
from forms.definition import load_form
from reports.hrp_xlsx import read_table as read_sheet
from reports.hxl import read_hxl_csv
from transforms.flatten import flatten
from warehouse import staging
from warehouse.db import dispose, engine
from warehouse.staging import read_table

START, END = "2026-01-01", "2026-03-31"
PERIOD = f"{START}/{END}"
TARGETS = "indicator_code,target\n9.1.1,30\n1.2.1,yes\n1.2.2,yes\n18.1.1,50\n"
# (key, org, admin1, month, standards, [(indicator, achieved | (num, den, girls, boys, a0_5, a6_11, a12_17, pwd))])
SUBMISSIONS = [
    ("a", "AHA", "SS01", "2026-01-01", "1 9 18 26", [("9.1.1", (1, 10, 1, 0, 1, 0, 0, 0)), ("1.2.1", "yes")]),
    ("b", "AHA", "SS01", "2026-02-01", "1 9 18 26", [("9.1.1", (6, 10, 4, 2, 2, 2, 2, 1)), ("1.2.1", "yes")]),
    ("c", "CWI", "SS02", "2026-02-01", "1 9 18 26", [("9.1.1", (2, 10, 0, 2, 0, 1, 1, 0)), ("1.2.1", "no"),
                                                     ("7.1.1", (5, 5, 5, 0, 5, 0, 0, 0))]),
    ("d", "CWI", "SS02", "2026-03-01", "1 2 9 18 26", [("1.2.2", "yes")]),  # latest: its standards count
    ("e", "AHA", "SS01", "2025-12-01", "1 9 18 26", [("9.1.1", (10, 10, 5, 5, 5, 5, 0, 0))]),  # before the period
]
NUMBERS = ("numerator", "denominator", "numerator_by_sex/num_girls", "numerator_by_sex/num_boys",
           "numerator_by_age/num_age_0_5", "numerator_by_age/num_age_6_11", "numerator_by_age/num_age_12_17",
           "num_disability")


def cpms_record(key, org, admin1, month, standards, reports) -> dict:
    rows = []
    for indicator, answer in reports:
        row = {"indicator_reports/indicator": indicator}
        if isinstance(answer, str):
            row["indicator_reports/achieved"] = answer
        else:
            row.update({f"indicator_reports/{name}": str(n) for name, n in zip(NUMBERS, answer)})
        rows.append(row)
    payload = {"reporting_org": org, "reporting_month": month, "admin1": admin1, "has_response_plan": "no",
               "priority_standards": standards, "indicator_reports": rows, "meta/rootUuid": key, "_uuid": key,
               "_submission_time": f"{month}T10:00:00"}
    return {"submission_key": key, "version_key": key, "payload": payload}


def stage(url: str, fivew: bool = True) -> None:
    form = load_form("cpms_indicators")
    tables = dict(flatten(form, [cpms_record(*s) for s in SUBMISSIONS]))
    with engine(url).begin() as conn:
        staging.replace(conn, "cpms_indicators", tables)
    if fivew:
        five = load_form("fivew_monthly")
        records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r}
                   for r in generate(five, 20, 2)]
        with engine(url).begin() as conn:
            staging.replace(conn, "fivew_monthly", dict(flatten(five, records)))


def config(url: str, out, tmp_path, forms=("fivew_monthly", "cpms_indicators")):
    (tmp_path / "targets.csv").write_text(TARGETS, encoding="utf-8")
    return parse_config({"country": "SSD", "cluster": "CP", "warehouse": url, "reports_dir": str(out),
                         "sources": {"kobo": {"kind": "kobo"}},
                         "forms": [{"form": f, "source": "kobo"} for f in forms],
                         "reporting_period": {"start": START, "end": END},
                         "cpms_targets": str(tmp_path / "targets.csv")})


def view(url: str) -> pd.DataFrame:
    rows = read_table(engine(url), "cpms_indicator_progress")
    return rows[rows["reporting_period"] == PERIOD].set_index("indicator_code")


def by_suffix(files, suffix: str):
    return next(p for p in files if p.name.endswith(suffix))


def same(a, b) -> bool:
    a = math.nan if a in (None, "") else float(a)
    b = math.nan if b is None or pd.isna(b) else float(b)
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_the_view_holds_the_hand_computed_figures_of_the_priority_standards(warehouse_url, tmp_path):
    stage(warehouse_url)
    run_hrp(config(warehouse_url, tmp_path / "reports", tmp_path), "L1")
    rows = view(warehouse_url)
    assert sorted(rows.index, key=lambda c: [int(p) for p in c.split(".")]) == \
        ["1.1.1", "1.2.1", "1.2.2", "2.1.1", "9.1.1", "18.1.1", "26.1.1"]  # 7.1.1: standard 7 not prioritised
    ratio = rows.loc["9.1.1"]  # AHA's February report (6/10) and CWI's (2/10); December is outside the period
    cells = ["numerator", "denominator", "num_girls", "num_boys", "num_age_0_5", "num_age_6_11", "num_age_12_17",
             "num_disability", "value"]
    assert [float(ratio[c]) for c in cells] == [8, 20, 4, 4, 2, 3, 3, 1, 40.0]
    assert (ratio["reports"], ratio["target"], bool(ratio["met"]), ratio["pillar"]) == (2, "30", True, "2")
    assert (float(rows.loc["1.2.1", "value"]), bool(rows.loc["1.2.1", "met"])) == (50.0, False)  # yes + no
    assert (float(rows.loc["1.2.2", "value"]), bool(rows.loc["1.2.2", "met"])) == (100.0, True)
    no_data = rows.loc["18.1.1"]  # 0/0: no data, neither 0 % nor "not met"
    assert pd.isna(no_data["value"]) and pd.isna(no_data["met"]) and no_data["reports"] == 0
    assert pd.isna(rows.loc["1.1.1", "target"])
    priority = read_table(engine(warehouse_url), "cpms_priority_standards").to_dict("records")
    assert [(p["standards"], bool(p["rule_passed"]), p["rule_message"], p["reports"]) for p in priority] == [
        ("1 2 9 18 26", True, "5 standards prioritised, covering all four pillars.", 4)]
    dispose(warehouse_url)


def test_pmr_sheet_csv_and_dashboard_equal_the_view(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    stage(url)
    files = run_hrp(config(url, tmp_path / "reports", tmp_path), "L1")
    rows = view(url)
    _, tags, sheet = read_sheet(load_workbook(by_suffix(files, "_pmr.xlsx"))["CPMS"], start=4)
    _, csv_tags, csv_rows = read_hxl_csv(by_suffix(files, "_hxl.csv").parent
                                         / "cpms_ssd_cp_2026-01-01_2026-03-31_hxl.csv")
    assert tags == csv_tags and "#indicator +num +f" in tags
    for table in (sheet, csv_rows):
        assert [r["Indicator"] for r in table] == ["1.1.1", "1.2.1", "1.2.2", "2.1.1", "9.1.1", "18.1.1", "26.1.1"]
        for row in table:
            expected = rows.loc[row["Indicator"]]
            for header, column in (("Numerator", "numerator"), ("Denominator", "denominator"),
                                   ("Numerator: girls", "num_girls"), ("Value (%)", "value"),
                                   ("Numerator: children with disabilities", "num_disability")):
                assert same(row[header], expected[column]), (row["Indicator"], header)
    book = load_workbook(by_suffix(files, "_pmr.xlsx"))
    assert "4–10 standards, one per pillar: passed" in book["CPMS"]["A1"].value
    html = by_suffix(files, "_dashboard.html").read_text(encoding="utf-8")
    assert 'id="cpms"' in html and "Priority standards: 1 2 9 18 26" in html
    assert '<tr data-code="9.1.1"><td>2</td><td>9</td>' in html and '<td class="num">40</td>' in html
    dispose(url)


def test_cpms_alone_writes_its_csv_and_nothing_when_not_configured(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    stage(url, fivew=False)
    files = run_hrp(config(url, tmp_path / "alone", tmp_path, forms=("cpms_indicators",)), "L1")
    assert [p.name for p in files] == ["cpms_ssd_cp_2026-01-01_2026-03-31_hxl.csv"]
    assert len(read_hxl_csv(files[0])[2]) == len(view(url))
    assert run_hrp(config(url, tmp_path / "none", tmp_path, forms=("ccpm_partner",)), "L2") == []
    stage(url)
    files = run_hrp(config(url, tmp_path / "fivew", tmp_path, forms=("fivew_monthly",)), "L3")
    assert files and not any("cpms" in p.name for p in files)
    assert "CPMS" not in load_workbook(by_suffix(files, "_pmr.xlsx")).sheetnames
    dispose(url)
