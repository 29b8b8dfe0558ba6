"""Worksheet helpers shared by the CCPM workbooks (report, follow-up, partner commitments): tables with a
human header row and an HXL row, status cells filled in their band colour, percentages formatted.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.ccpm_columns import RESPONDENT_TYPE_LABELS
from transforms.ccpm_bands import status_colour

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT_COLUMNS = {"response_rate", "effective_rate", "share", "partner_share", "coordinator_share"}
SCORE_COLUMNS = {"score", "previous_score"}
STATUS_COLUMNS = {"status", "previous_status"}
OVERDUE_FILL = PatternFill(fill_type="solid", fgColor="F4CCCC")


def fill(status: str) -> PatternFill:
    """The solid fill of a CCPM status (colours from transforms.ccpm_bands)."""
    return PatternFill(fill_type="solid", fgColor=status_colour(status))


def cell_value(value):
    """Missing values (None, NaN, NA) become empty cells; numpy scalars become Python numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def table(ws: Worksheet, columns: list[tuple[str, str, str]], rows: list[dict], start: int = 1,
          freeze: bool = True) -> int:
    """Header row, HXL row, then one row per record; return the next free row."""
    for col, (_, header, hxl) in enumerate(columns, start=1):
        ws.cell(start, col, header).font = BOLD
        ws.cell(start + 1, col, hxl)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 max(12, min(60, len(header) + 4)))
    offset = start + 2
    for offset, record in enumerate(rows, start=start + 2):
        for col, (key, _, _) in enumerate(columns, start=1):
            value = cell_value(record.get(key))
            cell = ws.cell(offset, col, value)
            if key in PERCENT_COLUMNS:
                cell.number_format = "0%"
            elif key in SCORE_COLUMNS:
                cell.number_format = "0.0"
            elif key in STATUS_COLUMNS and value:
                cell.fill = fill(value)
            if record.get("overdue") is True and key not in STATUS_COLUMNS:
                cell.fill = OVERDUE_FILL
    if freeze:
        ws.freeze_panes = ws.cell(start + 2, 1)
    return offset + 1 if rows else start + 2


def records(rows) -> list[dict]:
    """Records of a DataFrame or list, with respondent types shown by name."""
    if rows is None:
        return []
    out = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    for record in out:
        kind = record.get("respondent_type")
        if kind is not None:
            record["respondent_type"] = RESPONDENT_TYPE_LABELS.get(kind, kind)
    return out
