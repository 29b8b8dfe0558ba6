"""Shared workbook writing for the HRP outputs: a sheet = human header row, HXL row, data rows."""

from __future__ import annotations

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT_COLUMNS = {"percent_reached", "progress", "reached_over_target"}
NUMBER_COLUMNS = {"achieved", "target", "baseline", "in_need"}
EXCEL_MAX_ROWS = 1_048_576


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


def write_long_table(book, title: str, columns: list[tuple[str, str, str]], frame: pd.DataFrame) -> list[str]:
    """``write_table`` for a write-only workbook (``Workbook(write_only=True)``): rows stream to the file
    instead of living as cell objects, ~5x faster and flat in memory for a national 5W. A table longer than
    an Excel sheet continues on ``<title> (2)``, ``(3)``...; returns the sheet titles written."""
    per_sheet = EXCEL_MAX_ROWS - 2
    keys = [key for key, _, _ in columns]
    formats = {i: "0.0%" if key in PERCENT_COLUMNS else "#,##0.##"
               for i, key in enumerate(keys) if key in PERCENT_COLUMNS | NUMBER_COLUMNS}
    rows = frame.reindex(columns=keys).itertuples(index=False, name=None)
    titles, written = [], 0
    while written < len(frame) or not titles:
        ws = book.create_sheet(title if not titles else f"{title} ({len(titles) + 1})")
        titles.append(ws.title)
        for col, (_, header, _) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(header) + 2))
        ws.freeze_panes = "A3"
        ws.append([_header_cell(ws, header) for _, header, _ in columns])
        ws.append([tag for _, _, tag in columns])
        for _, row in zip(range(per_sheet), rows):
            values = [cell_value(v) for v in row]
            for i, number_format in formats.items():
                values[i] = WriteOnlyCell(ws, values[i])
                values[i].number_format = number_format
            ws.append(values)
            written += 1
    return titles


def _header_cell(ws, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, header)
    cell.font, cell.alignment = BOLD, WRAP
    return cell


def read_table(ws: Worksheet, start: int = 1) -> tuple[list[str], list[str], list[dict]]:
    """Headers, HXL tags and records (keyed by HXL tag + header) of a sheet written by ``write_table``."""
    rows = list(ws.iter_rows(min_row=start, values_only=True))
    headers, tags = list(rows[0]), list(rows[1])
    return headers, tags, [dict(zip(headers, r)) for r in rows[2:]]
