"""The tables every HRP output shows, built once from ``HrpReportData`` (so all outputs agree)."""

from __future__ import annotations

from functools import wraps

import pandas as pd

from reports.hrp_data import HrpReportData
from transforms.hrp_fivew import NEW_CELLS

CASELOAD_METRICS = {"in_need": "in-need", "target": "target", "baseline": "baseline"}


def once(table):
    """Make a table of ``data`` once and hand out copies: the PMR and the dashboard both show it."""
    @wraps(table)
    def made(data: HrpReportData) -> pd.DataFrame:
        if table.__name__ not in data.tables:
            data.tables[table.__name__] = table(data)
        return data.tables[table.__name__].copy()
    return made


def _admin1_of(data: HrpReportData) -> dict[str, str]:
    gaz = data.lists.gazetteer
    return {**dict(zip(gaz["admin2Pcode"], gaz["admin1Pcode"])), **dict(zip(gaz["admin1Pcode"],
                                                                            gaz["admin1Pcode"]))}


def caseload_table(data: HrpReportData) -> pd.DataFrame:
    """In need, targeted, reached and % reached for the country, each admin 1 and each admin 2, with the
    sex × age, disability breakdown of the people reached."""
    cells = {1: data.people.by_admin1.rename(columns={"admin1_pcode": "admin_pcode"}),
             2: data.people.by_admin2.rename(columns={"admin2_pcode": "admin_pcode"})}
    country = pd.DataFrame([{"admin_pcode": data.lists.country_pcode, **data.people.total}])
    cells[0] = country
    parts = []
    for level in (0, 1, 2):
        rows = data.caseload_at(level).merge(cells[level][["admin_pcode", *NEW_CELLS, "pwd"]],
                                             on="admin_pcode", how="left")
        parts.append(rows.assign(admin_level=level))
    out = pd.concat(parts, ignore_index=True)
    admin1 = _admin1_of(data)
    out["admin1_pcode"] = out["admin_pcode"].map(admin1)
    out["admin2_pcode"] = out["admin_pcode"].where(out["admin_level"] == 2)
    for column in [*NEW_CELLS, "pwd"]:
        out[column] = out[column].fillna(0).astype("int64")
    return out.assign(sector=data.cluster, period_start=data.period_start, period_end=data.period_end)


def indicator_table(data: HrpReportData, level: int) -> pd.DataFrame:
    """Objective framework rows (baseline, target, achieved, both progress measures) at one admin level."""
    rows = data.period_progress(level)
    rows["admin1_pcode"] = rows["admin_pcode"].map(_admin1_of(data))
    rows["admin2_pcode"] = rows["admin_pcode"].where(rows["admin_level"] == 2)
    return rows.assign(sector=data.cluster)


def fivew_table(data: HrpReportData) -> pd.DataFrame:
    """The consolidated 5W of the period: every activity line as in the view, with the cluster."""
    return data.lines.assign(sector=data.cluster)


def presence_table(data: HrpReportData) -> pd.DataFrame:
    """Operational presence: implementing partner × admin 2 × activity, with months and lines reported."""
    keys = ["implementing_partner", "org_type", "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name",
            "activity_code", "activity_name"]
    lines = data.lines.assign(**{k: data.lines[k].fillna("") for k in keys})
    out = lines.groupby(keys, dropna=False).agg(months=("month", "nunique"), lines=("month", "size"))
    return out.reset_index().assign(sector=data.cluster)


@once
def partner_table(data: HrpReportData) -> pd.DataFrame:
    """Reporting partners: where they work, which activities, through which reporting organisations."""
    lines = data.lines.assign(org_type=data.lines["org_type"].fillna(""))
    grouped = lines.groupby(["implementing_partner", "org_type"], dropna=False)
    out = grouped.agg(reporting_orgs=("reporting_org", lambda s: ", ".join(sorted(set(s.dropna())))),
                      admin1_count=("admin1_pcode", "nunique"), admin2_count=("admin2_pcode", "nunique"),
                      activities=("activity_code", lambda s: ", ".join(sorted(set(s.dropna())))),
                      lines=("month", "size"))
    return out.reset_index()


def gaps_table(data: HrpReportData) -> pd.DataFrame:
    """Admin 2 units with people in need and no partner reporting there in the period."""
    need = data.caseload_at(2)
    need = need[need["in_need"].fillna(0) > 0]
    present = set(data.lines["admin2_pcode"].dropna())
    return need[~need["admin_pcode"].isin(present)][["admin_pcode", "admin_name", "in_need", "targeted"]] \
        .reset_index(drop=True)


def rpm_table(data: HrpReportData) -> pd.DataFrame:
    """RPM-shaped long table: plan, cluster, objective, activity, indicator, period, location p-code,
    disaggregation category, metric (in-need | target | baseline | reached) and value."""
    rows = data.period_progress()
    metrics = {"in_need": "in-need", "target": "target", "baseline": "baseline", "achieved": "reached"}
    long = rows.melt(id_vars=["plan_code", "objective_code", "activity_code", "indicator_code", "period",
                              "admin_pcode"], value_vars=list(metrics), var_name="metric", value_name="value")
    long = long.dropna(subset=["value"]).assign(metric=lambda f: f["metric"].map(metrics),
                                                disaggregation="total", cluster=data.cluster)
    long = long.rename(columns={"plan_code": "plan", "objective_code": "objective", "activity_code": "activity",
                                "indicator_code": "indicator", "admin_pcode": "location_pcode"})
    people = _rpm_people(data)
    out = pd.concat([long, people], ignore_index=True)
    return out.sort_values(["indicator", "location_pcode", "metric", "disaggregation"]).reset_index(drop=True)


def _rpm_people(data: HrpReportData) -> pd.DataFrame:
    """People reached (no double counting) per admin 2 and sex × age / disability, as RPM rows, with the
    caseload's in-need, target and baseline of each admin 2 where the framework has them."""
    cells = data.people.by_admin2.melt(id_vars=["admin2_pcode"], value_vars=[*NEW_CELLS, "pwd", "reached"],
                                       var_name="disaggregation", value_name="value")
    cells["disaggregation"] = cells["disaggregation"].str.replace("new_", "", regex=False) \
        .replace({"reached": "total", "pwd": "persons_with_disabilities"})
    cells = cells.rename(columns={"admin2_pcode": "location_pcode"}).assign(metric="reached")
    caseload = data.caseload.reindex(columns=["admin_level", "admin_pcode", *CASELOAD_METRICS])
    caseload = caseload[caseload["admin_level"] == 2].rename(columns={"admin_pcode": "location_pcode"})
    figures = caseload.melt(id_vars=["location_pcode"], value_vars=list(CASELOAD_METRICS), var_name="metric",
                            value_name="value").dropna(subset=["value"])
    figures = figures.assign(metric=figures["metric"].map(CASELOAD_METRICS), disaggregation="total")
    return pd.concat([cells, figures], ignore_index=True).assign(
        plan=data.plan_code, cluster=data.cluster, objective="", activity="", indicator="people_reached",
        period=data.period)
