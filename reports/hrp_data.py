"""Everything the HRP outputs show, read from the public views ``fivew_activities`` and
``hrp_indicator_progress`` (never from the mart tables), plus the framework's names and caseload, and the
CPMS figures (``reports.hrp_cpms``) when the CPMS form is monitored.

Every output (PMR workbook, HXL and RPM CSVs, 5W, presence, dashboard) is drawn from one ``HrpReportData``,
so the same figure is the same number everywhere and equals the views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Engine

from transforms.hrp_fivew import Lists
from transforms.hrp_framework import HrpFramework
from transforms.hrp_targets import targets_by_unit
from transforms.people_reached import PeopleReached, people_reached, people_reached_by_month
from warehouse.hrp_reads import read_fivew_lines, read_progress


@dataclass
class HrpReportData:
    """The figures of one reporting period and what names them."""

    country: str
    cluster: str
    plan_code: str
    period: str
    period_start: str
    period_end: str
    lines: pd.DataFrame
    progress: pd.DataFrame
    framework: HrpFramework
    lists: Lists
    people: PeopleReached
    people_by_month: pd.DataFrame
    caseload: pd.DataFrame = field(default_factory=pd.DataFrame)
    cpms: object = None  # reports.hrp_cpms.CpmsReport when the CPMS form is configured and staged
    tables: dict = field(default_factory=dict, repr=False, compare=False)  # reports.hrp_tables, made once

    def period_progress(self, level: int | None = None) -> pd.DataFrame:
        """Period rows (with targets) joined with the framework's objective and indicator names."""
        rows = self.progress[self.progress["period_type"] == "period"]
        if level is not None:
            rows = rows[rows["admin_level"] == level]
        names = self.framework.indicators.drop(columns=["unit"])
        rows = rows.merge(names, on="indicator_code", how="left").merge(self.unit_names(), on="admin_pcode",
                                                                         how="left")
        return rows.sort_values(["objective_code", "indicator_code", "admin_level", "admin_pcode"]) \
            .reset_index(drop=True)

    def unit_names(self) -> pd.DataFrame:
        gaz = self.lists.gazetteer
        parts = [gaz[["admin0Pcode", "admin0Name_en"]].set_axis(["admin_pcode", "admin_name"], axis=1),
                 gaz[["admin1Pcode", "admin1Name_en"]].set_axis(["admin_pcode", "admin_name"], axis=1),
                 gaz[["admin2Pcode", "admin2Name_en"]].set_axis(["admin_pcode", "admin_name"], axis=1)]
        return pd.concat(parts).drop_duplicates("admin_pcode")

    def caseload_at(self, level: int) -> pd.DataFrame:
        """In need, targeted and reached (no double counting) per unit of admin level 0, 1 or 2."""
        rows = self.caseload[self.caseload["admin_level"] == level][["admin_pcode", "in_need", "target"]]
        reached = {0: pd.DataFrame({"admin_pcode": [self.lists.country_pcode],
                                    "reached": [self.people.total.get("reached", 0)]}),
                   1: self.people.by_admin1.rename(columns={"admin1_pcode": "admin_pcode"}),
                   2: self.people.by_admin2.rename(columns={"admin2_pcode": "admin_pcode"})}[level]
        out = rows.rename(columns={"target": "targeted"}).merge(
            reached[["admin_pcode", "reached"]], on="admin_pcode", how="outer")
        out["reached"] = out["reached"].fillna(0).astype("int64")
        out["percent_reached"] = [r / t if pd.notna(t) and t else float("nan")
                                  for r, t in zip(out["reached"], out["targeted"])]
        return out.merge(self.unit_names(), on="admin_pcode", how="left").sort_values("admin_pcode") \
            .reset_index(drop=True)


def load_hrp_report_data(engine: Engine, framework: HrpFramework, lists: Lists, *, country: str,
                         cluster: str, start: str, end: str, lines: pd.DataFrame | None = None) -> HrpReportData:
    """Read the views' rows of the reporting period ``start``..``end`` (ISO dates; only those rows are read)
    and derive people reached. ``lines``: the period's ``fivew_activities`` lines when the caller has just
    read them (``warehouse.hrp_reads.read_fivew_lines``), so a national 5W is not read twice."""
    period = f"{start}/{end}"
    lines = read_fivew_lines(engine, start, end) if lines is None else lines
    progress = read_progress(engine, period)
    caseload = targets_by_unit(framework, lists)
    caseload = caseload[caseload["indicator_code"] == "caseload"]
    plan = str(framework.indicators["plan_code"].iloc[0]) if len(framework.indicators) else ""
    return HrpReportData(country, cluster, plan, period, start, end, lines, progress, framework, lists,
                         people_reached(lines), people_reached_by_month(lines), caseload)
