"""CPMS indicator progress in the HRP outputs: the PMR's ``CPMS`` sheet, an HXL CSV and the dashboard section,
all read from the views ``cpms_indicator_progress`` and ``cpms_priority_standards`` (never the marts).

A percentage indicator's value is numerator ÷ denominator × 100 of the organisations' latest reports (0/0 is
no data, an empty cell); a yes/no indicator's value is the % of latest reports answering yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine

from reports import hxl
from reports.hrp_xlsx import BOLD, WRAP, write_table
from warehouse.staging import read_table

VALUE_LABEL = ("Value (%): numerator ÷ denominator × 100 summed over each organisation's latest report per "
               "admin 1 (0/0 = no data); yes/no indicators: % of those reports answering yes")
CPMS_OUTPUT_COLUMNS = [
    ("sector", "Cluster", hxl.SECTOR), ("period_start", "Period start", hxl.DATE_START),
    ("period_end", "Period end", hxl.DATE_END), ("pillar", "Pillar", "#meta +pillar"),
    ("standard", "Standard", "#meta +standard"), ("indicator_code", "Indicator", hxl.INDICATOR),
    ("indicator_en", "Indicator name", hxl.INDICATOR_NAME), ("kind", "Kind", "#indicator +type"),
    ("measure", "Measure", "#indicator +measure"), ("reports", "Reports (latest per organisation × admin 1)",
                                                    "#meta +count"),
    ("numerator", "Numerator", "#indicator +num"), ("denominator", "Denominator", "#indicator +denom"),
    ("num_girls", "Numerator: girls", "#indicator +num +f"), ("num_boys", "Numerator: boys", "#indicator +num +m"),
    ("num_age_0_5", "Numerator: 0-5 years", "#indicator +num +age0_5"),
    ("num_age_6_11", "Numerator: 6-11 years", "#indicator +num +age6_11"),
    ("num_age_12_17", "Numerator: 12-17 years", "#indicator +num +age12_17"),
    ("num_disability", "Numerator: children with disabilities", "#indicator +num +disabled"),
    ("yes", "Reports answering yes", "#indicator +yes"), ("value", "Value (%)", "#indicator +value +pct"),
    ("target", "Target", "#indicator +target"), ("met", "Target met", "#indicator +met"),
]


@dataclass
class CpmsReport:
    """One reporting period's CPMS rows and the group's priority choice, as the views hold them."""

    period: str
    rows: pd.DataFrame
    priority: dict | None

    @property
    def rule_line(self) -> str:
        if self.priority is None:
            return "No CPMS report in the period."
        verdict = "passed" if self.priority["rule_passed"] else "NOT passed"
        chosen = self.priority["standards"] or "none"
        prefix = "Response plan agreed" if self.priority["has_response_plan"] else f"Priority standards: {chosen}"
        return f"{prefix}. 4–10 standards, one per pillar: {verdict}. {self.priority['rule_message']}"


def load_cpms(engine: Engine, period: str) -> CpmsReport | None:
    """The period's CPMS figures from the views; None when the CPMS marts were never written."""
    if not sa.inspect(engine).has_table("mart_cpms_indicator_progress"):
        return None
    rows = read_table(engine, "cpms_indicator_progress")
    rows = rows[rows["reporting_period"] == period]
    order = rows["standard"].astype("str").str.zfill(3) + "|" + rows["indicator_code"].astype("str")
    rows = rows.assign(_order=order).sort_values("_order").drop(columns="_order").reset_index(drop=True)
    priority = read_table(engine, "cpms_priority_standards")
    priority = priority[priority["reporting_period"] == period].to_dict("records")
    if rows.empty and not priority:
        return None
    return CpmsReport(period, rows, priority[0] if priority else None)


def cpms_table(report: CpmsReport, cluster: str) -> pd.DataFrame:
    """The rows as every CPMS output shows them (yes/no for ``met``)."""
    start, end = report.period.split("/")
    met = report.rows["met"].astype(object).map(lambda m: None if pd.isna(m) else ("yes" if m else "no"))
    return report.rows.assign(sector=cluster, period_start=start, period_end=end, met=met)


def write_cpms_sheet(ws: Worksheet, report: CpmsReport, cluster: str) -> None:
    """The PMR's ``CPMS`` sheet: the priority rule's verdict and how values are computed, then the table."""
    ws.title = "CPMS"
    ws["A1"], ws["A2"] = report.rule_line, VALUE_LABEL
    ws["A1"].font, ws["A2"].alignment = BOLD, WRAP
    write_table(ws, CPMS_OUTPUT_COLUMNS, cpms_table(report, cluster), start=4)


def write_cpms_csv(path: Path, report: CpmsReport, cluster: str) -> Path:
    """The CPMS table as an HXL CSV."""
    return hxl.write_hxl_csv(path, cpms_table(report, cluster), CPMS_OUTPUT_COLUMNS)
