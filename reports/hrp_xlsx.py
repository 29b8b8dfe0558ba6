"""Shared workbook writing for the HRP outputs: a sheet = human header row, HXL row, data rows."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT_COLUMNS = {"percent_reached", "progress", "reached_over_target"}


def cell_value(value):
    """Missing values become empty cells; numpy scalars become Python numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def write_table(ws: Worksheet, columns: list[tuple[str, str, str]], frame: pd.DataFrame, start: int = 1) -> None:
    """Header row, HXL row, then one row per record; percent columns formatted as percentages."""
    for col, (_, header, tag) in enumerate(columns, start=1):
        ws.cell(start, col, header).font = BOLD
        ws.cell(start, col).alignment = WRAP
        ws.cell(start + 1, col, tag)
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(header) + 2))
    for row, record in enumerate(frame.to_dict("records"), start=start + 2):
        for col, (key, _, _) in enumerate(columns, start=1):
            cell = ws.cell(row, col, cell_value(record.get(key)))
            if key in PERCENT_COLUMNS:
                cell.number_format = "0.0%"
            elif key in ("achieved", "target", "baseline", "in_need"):
                cell.number_format = "#,##0.##"
    ws.freeze_panes = ws.cell(start + 2, 1)


def read_table(ws: Worksheet, start: int = 1) -> tuple[list[str], list[str], list[dict]]:
    """Headers, HXL tags and records (keyed by HXL tag + header) of a sheet written by ``write_table``."""
    rows = list(ws.iter_rows(min_row=start, values_only=True))
    headers, tags = list(rows[0]), list(rows[1])
    return headers, tags, [dict(zip(headers, r)) for r in rows[2:]]
