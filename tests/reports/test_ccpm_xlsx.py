"""The CCPM workbook read back with openpyxl: statuses, fills and numbers equal the ``ccpm_scores`` view."""

from __future__ import annotations

import math

import pytest
from ccpm_report_fixtures import report_from, write_scores_view
from openpyxl import load_workbook

from reports.ccpm_data import format_score
from reports.ccpm_xlsx import write_ccpm_workbook
from transforms.ccpm_bands import STATUS_COLOURS, band_status, status_colour


@pytest.fixture
def workbook(sqlite_url, tmp_path):
    report = report_from(write_scores_view(sqlite_url), stage="final")
    book = load_workbook(write_ccpm_workbook(tmp_path / "out" / "ccpm.xlsx", report))
    return book, report


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:].upper()


def _rows(ws, start=3):
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, (c for c in row))) for row in ws.iter_rows(min_row=start)]


def test_sheets_and_cover(workbook):
    book, _ = workbook
    assert book.sheetnames == ["Cover", "Response rates", "Overall", "Change", "Sub-functions", "Indicators",
                               "Distributions", "Comments",
                               "Action plan"]
    cover = {row[0].value: row[1].value for row in book["Cover"].iter_rows(min_row=3) if row[0].value}
    assert cover["Country"] == "SSD" and cover["Cluster"] == "CCCM" and cover["Level"] == "national"
    assert cover["Survey dates"] == "2025-03-01 to 2025-03-14"
    assert cover["Report status"] == "Final"
    assert "below 50%" in cover["Warning"]


def test_every_data_sheet_has_human_headers_and_an_hxl_row(workbook):
    book, _ = workbook
    for name in ("Response rates", "Indicators", "Distributions", "Comments", "Action plan"):
        ws = book[name]
        assert all(c.value and not c.value.startswith("#") for c in ws[1]), name
        assert all(c.value and c.value.startswith("#") for c in ws[2]), name


def test_indicator_sheet_equals_the_view(workbook):
    book, report = workbook
    rows = _rows(book["Indicators"])
    assert len(rows) == len(report.scores)
    for cells, expected in zip(rows, report.scores.to_dict("records")):
        assert cells["Code"].value == expected["unit_code"]
        assert cells["Status"].value == expected["status"] == band_status(expected["score"])
        assert _fill(cells["Status"]) == status_colour(expected["status"])
        if math.isnan(expected["score"]):
            assert cells["Score (%)"].value is None
        else:
            assert cells["Score (%)"].value == pytest.approx(expected["score"])
        assert cells["Respondents"].value == expected["n_respondents"]


def test_overall_sheet_colours_subfunction_cells_by_status(workbook):
    book, report = workbook
    ws = book["Overall"]
    headers = [c.value for c in ws[3] if c.value]
    assert headers == [f"{f['unit_code']}. {f['unit_name']}" for f in report.functions()]
    shown = {}
    for row in ws.iter_rows(min_row=4, max_row=7):
        for cell in row:
            if cell.value and "\n" in cell.value:
                shown[cell.value.split()[0]] = cell
    assert set(shown) == {s["unit_code"] for s in report.subfunctions()}
    for sub in report.subfunctions():
        cell = shown[sub["unit_code"]]
        assert cell.value.endswith(f"{sub['status']} ({format_score(sub['score'])})")
        assert _fill(cell) == status_colour(sub["status"])
    notes = [c.value for c in ws["A"] if c.value and c.value.startswith("Function-level")]
    assert notes == ["Function-level score (not a CCPM status): 62.5%; worst sub-function: 1.1"]
    legend = {c.value: _fill(c) for c in ws["A"] if c.value in STATUS_COLOURS}
    assert legend == {status: hexcode for status, (_, hexcode) in STATUS_COLOURS.items()}


def test_response_rates_apply_anonymity_and_comments_stay_anonymous(workbook):
    book, report = workbook
    rates = {r["Organisation type"].value: r for r in _rows(book["Response rates"])}
    # ingo 2 responses and nngo 1: both merged into Other; un 0 stays
    assert set(rates) == {"un", "Other", "Total"}
    assert rates["Other"]["Responses"].value == 3 and rates["Other"]["Participating organisations"].value == 10
    assert rates["Total"]["Response rate"].value == pytest.approx(3 / 13)
    comments = book["Comments"]
    assert [c.value for c in comments[1]] == ["Function", "Function name", "Respondent type", "Comment"]
    assert sorted(c.value for c in comments["D"][2:]) == ["Good maps", "Meetings are too long"]
    every_value = {c.value for ws in book for row in ws.iter_rows() for c in row}
    assert not every_value & {"P1", "P2", "P3", "C1"}


def test_distributions_and_action_plan(workbook):
    book, report = workbook
    rows = _rows(book["Distributions"])
    assert len(rows) == len(report.distributions)
    dk = [r for r in rows if r["Answer"].value == "Don't know" and r["Indicator"].value == "1.1.2"]
    assert dk[0]["Share"].value == pytest.approx(0.5) and dk[0]["Not scored because"].value == "dont_know"
    plan = _rows(book["Action plan"])
    assert [(r["Sub-function"].value, r["Status"].value) for r in plan] == \
        [(a["unit_code"], a["status"]) for a in report.action_plan_rows()]
