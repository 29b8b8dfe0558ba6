"""The HRP Periodic Monitoring Report of the cluster: a workbook, HXL CSVs of the same figures, and the
RPM-shaped long CSV (OCHA Response Planning and Monitoring: plan → cluster → objective → activity →
indicator, per period and location, metric in-need | target | baseline | reached).

Sheets: Cover (what, when, how people are counted, how progress is computed), Caseload (country, admin 1,
admin 2), Indicators (country), Indicators by admin 1, Partners, and CPMS when the CPMS form is monitored.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from reports import hxl
from reports.hrp_columns import CASELOAD_COLUMNS, INDICATOR_COLUMNS, PARTNER_COLUMNS, RPM_COLUMNS
from reports.hrp_cpms import write_cpms_sheet
from reports.hrp_data import HrpReportData
from reports.hrp_tables import caseload_table, indicator_table, partner_table, rpm_table
from reports.hrp_xlsx import BOLD, WRAP, cell_value, write_table
from transforms.hrp_aggregate import PROGRESS_LABEL, REACHED_LABEL


def stem(data: HrpReportData) -> str:
    return f"hrp_{data.country}_{data.cluster}_{data.period_start}_{data.period_end}".lower()


def _cover(ws, data: HrpReportData) -> None:
    ws.title = "Cover"
    ws["A1"] = "HRP Periodic Monitoring Report: cluster figures"
    ws["A1"].font = BOLD
    facts = [("Country", data.country), ("Cluster", data.cluster), ("Plan", data.plan_code),
             ("Period", f"{data.period_start} to {data.period_end}"),
             ("People reached (no double counting)", data.people.total.get("reached", 0)),
             ("How people reached are counted", data.people.method),
             ("Progress", PROGRESS_LABEL), ("Also shown", REACHED_LABEL),
             ("Source", "Partners' monthly 5W reports, validated; targets from the cluster HRP framework")]
    for row, (key, value) in enumerate(facts, start=3):
        ws.cell(row, 1, key).font = BOLD
        ws.cell(row, 2, cell_value(value)).alignment = WRAP
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 100


def write_pmr_workbook(path: Path, data: HrpReportData) -> Path:
    """The PMR workbook at ``path``."""
    book = Workbook()
    _cover(book.active, data)
    sheets = [("Caseload", CASELOAD_COLUMNS, caseload_table(data)),
              ("Indicators", INDICATOR_COLUMNS, indicator_table(data, 0)),
              ("Indicators by admin 1", INDICATOR_COLUMNS, indicator_table(data, 1)),
              ("Partners", PARTNER_COLUMNS, partner_table(data))]
    for title, columns, frame in sheets:
        write_table(book.create_sheet(title), columns, frame)
    if data.cpms is not None:
        write_cpms_sheet(book.create_sheet("CPMS"), data.cpms, data.cluster)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_rpm_csv(path: Path, data: HrpReportData) -> Path:
    """The RPM-shaped long CSV (``RPM_COLUMNS``)."""
    frame = rpm_table(data)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RPM_COLUMNS)
        for record in frame.to_dict("records"):
            writer.writerow([hxl.hxl_cell(record.get(c)) for c in RPM_COLUMNS])
    return path


def write_pmr(out_dir: Path, data: HrpReportData) -> list[Path]:
    """PMR workbook, caseload and indicator HXL CSVs, and the RPM long CSV, under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem(data)
    return [write_pmr_workbook(out_dir / f"{name}_pmr.xlsx", data),
            hxl.write_hxl_csv(out_dir / f"{name}_caseload_hxl.csv", caseload_table(data), CASELOAD_COLUMNS),
            hxl.write_hxl_csv(out_dir / f"{name}_indicators_hxl.csv", _all_levels(data), INDICATOR_COLUMNS),
            write_rpm_csv(out_dir / f"{name}_rpm.csv", data)]


def _all_levels(data: HrpReportData) -> pd.DataFrame:
    return pd.concat([indicator_table(data, level) for level in (0, 1, 2)], ignore_index=True)
