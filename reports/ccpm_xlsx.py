"""The CCPM report as an Excel workbook (openpyxl): Cover, Response rates, Overall, Change, Sub-functions,
Indicators, Distributions, Comments and Action plan sheets. Data sheets carry a human header row and an HXL row.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.ccpm_columns import (
    ACTION_PLAN_COLUMNS, COMMENT_COLUMNS, DISTRIBUTION_COLUMNS, PIVOT_COLUMNS, RESPONSE_COLUMNS, SCORE_COLUMNS,
    TREND_COLUMNS,
)
from reports.ccpm_data import CcpmReportData, format_score
from reports.ccpm_sheets import BOLD, WRAP, fill, records, table
from transforms.ccpm_bands import legend

ANONYMITY_NOTE = "Organisation types with fewer than 3 responses are shown together as \"Other\"."


def _cover(ws: Worksheet, report: CcpmReportData) -> None:
    ws.title = "Cover"
    ws["A1"] = "Cluster Coordination Performance Monitoring (CCPM)"
    ws["A1"].font = Font(bold=True, size=14)
    facts = [("Country", report.country), ("Cluster", report.cluster), ("Level", report.level),
             ("Cycle", report.cycle), ("Survey dates", report.survey_dates()),
             ("Report status", report.stage.capitalize()),
             ("Previous cycle", report.previous_cycle or "none")]
    lines = facts + [("Warning", w) for w in report.warnings] + [("Note", n) for n in report.notes] \
        + [("Anonymity", ANONYMITY_NOTE)]
    for row, (key, value) in enumerate(lines, start=3):
        ws.cell(row, 1, key).font = BOLD
        ws.cell(row, 2, value)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 60


def _function_note(report: CcpmReportData, function: dict, subs: list[dict]) -> str:
    if len(subs) == 1:
        return f"Single sub-function: {format_score(function['score'])}"
    worst = report.worst_subfunction(function["unit_code"])
    return (f"Function-level score (not a CCPM status): {format_score(function['score'])}; "
            f"worst sub-function: {worst['unit_code'] if worst else '–'}")


def _overall(ws: Worksheet, report: CcpmReportData) -> None:
    """Functions as column headers, their sub-functions below as coloured status cells (with the change
    since the previous cycle), then a legend."""
    ws["A1"] = "Overall performance"
    ws["A1"].font = Font(bold=True, size=13)
    functions = report.functions()
    depth = max((len(report.subfunctions(f["unit_code"])) for f in functions), default=0)
    for col, function in enumerate(functions, start=1):
        code = function["unit_code"]
        ws.cell(3, col, f"{code}. {function['unit_name']}").font = BOLD
        ws.cell(3, col).alignment = WRAP
        ws.column_dimensions[get_column_letter(col)].width = 30
        subs = report.subfunctions(code)
        for row, sub in enumerate(subs, start=4):
            text = f"{sub['unit_code']} {sub['unit_name']}\n{sub['status']} ({format_score(sub['score'])})"
            change = report.change_text(sub)
            cell = ws.cell(row, col, f"{text}\n{change}" if change else text)
            cell.fill, cell.alignment = fill(sub["status"]), WRAP
        ws.cell(4 + depth, col, _function_note(report, function, subs)).alignment = WRAP
    top = 6 + depth
    ws.cell(top, 1, "Legend").font = BOLD
    for row, (status, text, colour) in enumerate(legend(report.bands), start=top + 1):
        ws.cell(row, 1, status).fill = PatternFill(fill_type="solid", fgColor=colour)
        ws.cell(row, 2, text)


def _change(ws: Worksheet, report: CcpmReportData) -> None:
    """Scores beside the previous cycle's, with better / same / worse (rule: same status band)."""
    if report.previous_cycle is None:
        ws["A1"] = "No previous cycle of this cluster, country and level in the warehouse."
        return
    ws["A1"] = (f"Change since cycle {report.previous_cycle}: better / same / worse compares status bands"
                + (f" (score changes up to {report.trend_tolerance:g} points count as same)"
                   if report.trend_tolerance else ""))
    table(ws, TREND_COLUMNS, report.trend_rows(), start=3)


def _subfunctions(ws: Worksheet, report: CcpmReportData) -> None:
    """One section per sub-function: status line, indicator scores, answer shares partners vs coordinators."""
    row = 1
    for sub in report.subfunctions():
        ws.cell(row, 1, f"{sub['unit_code']} {sub['unit_name']}").font = Font(bold=True, size=12)
        status = ws.cell(row + 1, 1, sub["status"])
        status.fill = fill(sub["status"])
        ws.cell(row + 1, 2, format_score(sub["score"]))
        ws.cell(row + 1, 3, report.change_text(sub))
        row = table(ws, SCORE_COLUMNS, report.indicators(sub["unit_code"]), start=row + 3, freeze=False)
        row = table(ws, PIVOT_COLUMNS, report.distribution_pivot(sub["unit_code"]), start=row + 1, freeze=False)
        row += 2


def write_ccpm_workbook(path: str | Path, report: CcpmReportData) -> Path:
    """Write the CCPM report workbook to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    _cover(book.active, report)
    table(book.create_sheet("Response rates"), RESPONSE_COLUMNS, records(report.response_counts))
    _overall(book.create_sheet("Overall"), report)
    _change(book.create_sheet("Change"), report)
    _subfunctions(book.create_sheet("Sub-functions"), report)
    table(book.create_sheet("Indicators"), SCORE_COLUMNS, report.scores.to_dict("records"))
    table(book.create_sheet("Distributions"), DISTRIBUTION_COLUMNS, records(report.distributions))
    table(book.create_sheet("Comments"), COMMENT_COLUMNS, records(report.comment_rows()))
    table(book.create_sheet("Action plan"), ACTION_PLAN_COLUMNS, report.action_plan_rows())
    book.save(path)
    return path
