"""The consolidated 5W of the period (workbook + HXL CSV) and the operational-presence table
(implementing partner × admin unit × activity; workbook sheet + HXL CSV), from the ``fivew_activities`` view.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from reports import hxl
from reports.hrp_columns import FIVEW_COLUMNS, PRESENCE_COLUMNS
from reports.hrp_data import HrpReportData
from reports.hrp_tables import fivew_table, presence_table
from reports.hrp_xlsx import write_long_table


def _stem(data: HrpReportData) -> str:
    return f"{data.country}_{data.cluster}_{data.period_start}_{data.period_end}".lower()


def write_fivew_workbook(path: Path, data: HrpReportData, max_lines: int | None = None,
                         csv_name: str = "", lines: pd.DataFrame | None = None,
                         presence: pd.DataFrame | None = None) -> Path:
    """Sheets ``5W`` (one row per activity line; past Excel's 1,048,576 rows it goes on in ``5W (2)``...)
    and ``Operational presence``, streamed (write-only workbook).

    With more than ``max_lines`` lines the ``5W`` sheet only says how many there are and which HXL CSV
    holds them: a workbook of a national 5W takes minutes to write every night and is too long to open
    in a spreadsheet, while the CSV is written in seconds and loads in Excel, Power BI or HXL tools.
    ``lines`` and ``presence``: the two tables when the caller has made them already."""
    book = Workbook(write_only=True)
    lines = fivew_table(data) if lines is None else lines
    if max_lines is not None and len(lines) > max_lines:
        note = book.create_sheet("5W")
        note.append([f"This period has {len(lines):,} activity lines, more than the {max_lines:,} this workbook "
                     f"holds (setting fivew_workbook_max_lines). Every line is in {csv_name or 'the 5W HXL CSV'}, "
                     "next to this file."])
    else:
        write_long_table(book, "5W", FIVEW_COLUMNS, lines)
    write_long_table(book, "Operational presence", PRESENCE_COLUMNS,
                     presence_table(data) if presence is None else presence)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_fivew_outputs(out_dir: Path, data: HrpReportData, max_lines: int | None = None) -> list[Path]:
    """5W workbook, 5W HXL CSV and operational-presence HXL CSV under ``out_dir`` (``max_lines``: see
    ``write_fivew_workbook``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = _stem(data)
    csv_name = f"fivew_{name}_hxl.csv"
    lines, presence = fivew_table(data), presence_table(data)
    return [write_fivew_workbook(out_dir / f"fivew_{name}.xlsx", data, max_lines, csv_name, lines, presence),
            hxl.write_hxl_csv(out_dir / csv_name, lines, FIVEW_COLUMNS),
            hxl.write_hxl_csv(out_dir / f"presence_{name}_hxl.csv", presence, PRESENCE_COLUMNS)]
