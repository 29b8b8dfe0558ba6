"""The CCPM report as an Excel workbook (openpyxl): Cover, Response rates, Overall, Indicators,
Distributions, Comments and Action plan sheets. Data sheets carry a human header row and an HXL row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.ccpm_columns import (
    ACTION_PLAN_COLUMNS, COMMENT_COLUMNS, DISTRIBUTION_COLUMNS, RESPONDENT_TYPE_LABELS, RESPONSE_COLUMNS,
    SCORE_COLUMNS,
)
from reports.ccpm_data import CcpmReportData, format_score
from transforms.ccpm_bands import legend, status_colour

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT_COLUMNS = {"response_rate", "share"}


def fill(status: str) -> PatternFill:
    """The solid fill of a CCPM status (colours from transforms.ccpm_bands)."""
    return PatternFill(fill_type="solid", fgColor=status_colour(status))


def _table(ws: Worksheet, columns: list[tuple[str, str, str]], rows: list[dict], start: int = 1) -> None:
    """Header row, HXL row, then one row per record; status cells filled in their band colour."""
    for col, (_, header, hxl) in enumerate(columns, start=1):
        ws.cell(start, col, header).font = BOLD
        ws.cell(start + 1, col, hxl)
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(60, len(header) + 4))
    for offset, record in enumerate(rows, start=start + 2):
        for col, (key, _, _) in enumerate(columns, start=1):
            value = _cell_value(record.get(key))
            cell = ws.cell(offset, col, value)
            if key in PERCENT_COLUMNS:
                cell.number_format = "0%"
            elif key == "score":
                cell.number_format = "0.0"
            elif key == "status" and value:
                cell.fill = fill(value)
    ws.freeze_panes = ws.cell(start + 2, 1)


def _cell_value(value):
    """Missing values (None, NaN, NA) become empty cells; numpy scalars become Python numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _cover(ws: Worksheet, report: CcpmReportData) -> None:
    ws.title = "Cover"
    ws["A1"] = "Cluster Coordination Performance Monitoring (CCPM)"
    ws["A1"].font = Font(bold=True, size=14)
    facts = [("Country", report.country), ("Cluster", report.cluster), ("Level", report.level),
             ("Cycle", report.cycle), ("Survey dates", report.survey_dates()),
             ("Report status", report.stage.capitalize())]
    for row, (key, value) in enumerate(facts, start=3):
        ws.cell(row, 1, key).font = BOLD
        ws.cell(row, 2, value)
    for row, warning in enumerate(report.warnings, start=len(facts) + 4):
        ws.cell(row, 1, "Warning").font = BOLD
        ws.cell(row, 2, warning)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 60


def _overall(ws: Worksheet, report: CcpmReportData) -> None:
    """Functions as column headers, their sub-functions below as coloured status cells, then a legend."""
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
            cell = ws.cell(row, col, f"{sub['unit_code']} {sub['unit_name']}\n{sub['status']} "
                                     f"({format_score(sub['score'])})")
            cell.fill, cell.alignment = fill(sub["status"]), WRAP
        worst = report.worst_subfunction(code)
        note = (f"Function-level score (not a CCPM status): {format_score(function['score'])}; "
                f"worst sub-function: {worst['unit_code'] if worst else '–'}") if len(subs) > 1 else \
            f"Single sub-function: {format_score(function['score'])}"
        ws.cell(4 + depth, col, note).alignment = WRAP
    top = 6 + depth
    ws.cell(top, 1, "Legend").font = BOLD
    for row, (status, text, colour) in enumerate(legend(report.bands), start=top + 1):
        ws.cell(row, 1, status).fill = PatternFill(fill_type="solid", fgColor=colour)
        ws.cell(row, 2, text)


def _records(rows) -> list[dict]:
    """Records of a DataFrame or list, with respondent types shown by name."""
    if rows is None:
        return []
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    for record in records:
        kind = record.get("respondent_type")
        if kind is not None:
            record["respondent_type"] = RESPONDENT_TYPE_LABELS.get(kind, kind)
    return records


def write_ccpm_workbook(path: str | Path, report: CcpmReportData) -> Path:
    """Write the CCPM report workbook to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    _cover(book.active, report)
    _table(book.create_sheet("Response rates"), RESPONSE_COLUMNS, _records(report.response_counts))
    _overall(book.create_sheet("Overall"), report)
    _table(book.create_sheet("Indicators"), SCORE_COLUMNS, report.scores.to_dict("records"))
    _table(book.create_sheet("Distributions"), DISTRIBUTION_COLUMNS, _records(report.distributions))
    _table(book.create_sheet("Comments"), COMMENT_COLUMNS, _records(report.comment_rows()))
    _table(book.create_sheet("Action plan"), ACTION_PLAN_COLUMNS, report.action_plan_rows())
    book.save(path)
    return path
