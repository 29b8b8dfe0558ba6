"""The consolidated 5W of the period (workbook + HXL CSV) and the operational-presence table
(implementing partner × admin unit × activity; workbook sheet + HXL CSV), from the ``fivew_activities`` view.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from reports import hxl
from reports.hrp_columns import FIVEW_COLUMNS, PRESENCE_COLUMNS
from reports.hrp_data import HrpReportData
from reports.hrp_tables import fivew_table, presence_table
from reports.hrp_xlsx import write_table


def _stem(data: HrpReportData) -> str:
    return f"{data.country}_{data.cluster}_{data.period_start}_{data.period_end}".lower()


def write_fivew_workbook(path: Path, data: HrpReportData) -> Path:
    """Sheets ``5W`` (one row per activity line) and ``Operational presence``."""
    book = Workbook()
    ws = book.active
    ws.title = "5W"
    write_table(ws, FIVEW_COLUMNS, fivew_table(data))
    write_table(book.create_sheet("Operational presence"), PRESENCE_COLUMNS, presence_table(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_fivew_outputs(out_dir: Path, data: HrpReportData) -> list[Path]:
    """5W workbook, 5W HXL CSV and operational-presence HXL CSV under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = _stem(data)
    return [write_fivew_workbook(out_dir / f"fivew_{name}.xlsx", data),
            hxl.write_hxl_csv(out_dir / f"fivew_{name}_hxl.csv", fivew_table(data), FIVEW_COLUMNS),
            hxl.write_hxl_csv(out_dir / f"presence_{name}_hxl.csv", presence_table(data), PRESENCE_COLUMNS)]
