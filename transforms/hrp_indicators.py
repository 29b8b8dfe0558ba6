"""HRP indicator progress by admin level (country, admin 1, admin 2), by month and for the whole period.

What a 5W line measures for an indicator: for an indicator that counts people and is summed over months, its
NEW people (a person is counted in the month they are first reached); for other people indicators the
month's total reached; for an indicator that does not count people, the quantity. Percentages divide the
measures of their numerator and denominator indicators, using the month's total reached for people
indicators (both sides describe the same month). Aggregation rules: ``transforms.hrp_aggregate``.

Output columns ``PROGRESS_COLUMNS``: one row per indicator × unit × month (``period_type`` month) and one
per indicator × unit for the whole period (``period_type`` period, with in-need, baseline, target, PRP
``progress`` and ``reached_over_target``, both fractions).
"""

from __future__ import annotations

import pandas as pd

from transforms import hrp_aggregate as agg
from transforms.hrp_fivew import Lists
from transforms.hrp_framework import HrpFramework
from transforms.hrp_targets import targets_by_unit

UNIT_COLUMNS = {0: "country_pcode", 1: "admin1_pcode", 2: "admin2_pcode"}
PROGRESS_COLUMNS = ["indicator_code", "admin_level", "admin_pcode", "period", "period_type", "period_start",
                    "period_end", "unit", "numerator", "denominator", "achieved", "in_need", "baseline",
                    "target", "progress", "reached_over_target"]


def period_bounds(lines: pd.DataFrame, start: str | None, end: str | None) -> tuple[str, str]:
    """The reporting period as ISO dates: the configured bounds, else the months the lines cover."""
    first = str(start)[:10] if start else (lines["date_start"].min() if len(lines) else "")
    last = str(end)[:10] if end else (lines["date_end"].max() if len(lines) else "")
    return str(first), str(last)


def _measure(lines: pd.DataFrame, counts_people: bool, across_periods: str, for_ratio: bool) -> pd.Series:
    if not counts_people:
        return lines["quantity"]
    if across_periods == "sum" and not for_ratio:
        return lines["reached_new"]
    return lines["reached_total"]


def _values(lines: Lines, code: str, framework: HrpFramework, for_ratio: bool = False) -> pd.DataFrame:
    spec = framework.indicator(code)
    part = lines.of(code)
    value = _measure(part, bool(spec["counts_people"]), spec["across_periods"], for_ratio)
    return part.assign(value=pd.to_numeric(value, errors="coerce").astype("float64"))


class Lines:
    """The period's lines split once by indicator (a national 5W month has ~100,000 lines and a framework
    dozens of indicators, each read at three admin levels), with the columns that are grouped on and
    have few distinct values as categories: grouping on them is then done on integer codes, not on text
    (sites are nearly one per line: as a category each group would recode them all)."""

    GROUPED = ("month", "country_pcode", "admin1_pcode", "admin2_pcode", "reporting_org", "implementing_partner")

    def __init__(self, lines: pd.DataFrame):
        lines = lines.astype({column: "category" for column in self.GROUPED if column in lines})
        self.empty = lines.iloc[:0]
        self.parts = dict(iter(lines.groupby("indicator_code", sort=False)))

    def of(self, code: str) -> pd.DataFrame:
        return self.parts.get(code, self.empty)


def _number_rows(lines, spec: dict, framework, unit: str) -> tuple[pd.DataFrame, pd.Series]:
    values = _values(lines, spec["indicator_code"], framework)
    by_month = agg.monthly(values, unit, spec["across_locations"]).rename("achieved")
    months = by_month.reset_index().rename(columns={unit: "admin_pcode"})
    return months, agg.over_periods(by_month, spec["across_periods"])


def _ratio_rows(lines, spec: dict, framework, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    num = _values(lines, spec["numerator"], framework, True)
    den = _values(lines, spec["denominator"], framework, True)
    values = pd.concat([num.assign(numerator=num["value"]), den.assign(denominator=den["value"])])
    if values.empty:  # no line in the period: keep the columns (once) so the sums come out empty
        values = values.reindex(columns=list(dict.fromkeys([*values.columns, "numerator", "denominator"])))
    sums = agg.ratio_monthly(values, unit)
    months = sums.reset_index().rename(columns={unit: "admin_pcode"})
    months["achieved"] = [agg.divide(n, d) for n, d in zip(months["numerator"], months["denominator"])]
    return months, agg.ratio_latest(sums)


def _indicator_rows(lines: Lines, spec: dict, framework: HrpFramework, level: int) -> list[pd.DataFrame]:
    unit = UNIT_COLUMNS[level]
    if spec["unit"] == "percentage":
        months, total = _ratio_rows(lines, spec, framework, unit)
        total = total.assign(achieved=[agg.divide(n, d) for n, d in zip(total["numerator"], total["denominator"])])
    else:
        months, achieved = _number_rows(lines, spec, framework, unit)
        total = achieved.to_frame("achieved")
    total = total.rename_axis("admin_pcode").reset_index()
    common = {"indicator_code": spec["indicator_code"], "admin_level": level, "unit": spec["unit"]}
    return [months.assign(period_type="month", **common), total.assign(period_type="period", **common)]


def _with_targets(rows: pd.DataFrame, targets: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """Period rows get the targets (units with a target and no report get a row too); month rows do not."""
    months = rows[rows["period_type"] == "month"]
    whole = rows[rows["period_type"] == "period"].merge(
        targets, on=["indicator_code", "admin_level", "admin_pcode"], how="outer")
    whole = whole.assign(period_type="period", period=f"{first}/{last}", period_start=first, period_end=last)
    whole["progress"] = [agg.progress(a, b, t) for a, b, t in zip(whole["achieved"], whole["baseline"],
                                                                    whole["target"])]
    whole["reached_over_target"] = [agg.reached_over_target(a, t) for a, t in zip(whole["achieved"],
                                                                                  whole["target"])]
    start = pd.PeriodIndex(months["month"], freq="M") if len(months) else None
    months = months.assign(period=months["month"],
                           period_start=start.start_time.strftime("%Y-%m-%d") if start is not None else [],
                           period_end=start.end_time.strftime("%Y-%m-%d") if start is not None else [])
    return pd.concat([whole, months], ignore_index=True)


def indicator_progress(lines: pd.DataFrame, framework: HrpFramework, lists: Lists,
                       start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Achieved, targets and progress of every framework indicator (``PROGRESS_COLUMNS``; see module doc).

    ``lines`` are the 5W activity lines of the period (``transforms.hrp_fivew``).
    """
    first, last = period_bounds(lines, start, end)
    lines = Lines(lines.assign(country_pcode=lists.country_pcode))
    parts = [part for spec in framework.indicators.to_dict("records") for level in UNIT_COLUMNS
             for part in _indicator_rows(lines, spec, framework, level)]
    rows = pd.concat(parts, ignore_index=True)
    for column in ("numerator", "denominator"):
        if column not in rows:
            rows[column] = float("nan")
    targets = targets_by_unit(framework, lists)
    targets = targets[targets["indicator_code"].isin(framework.indicators["indicator_code"])]
    units = dict(zip(framework.indicators["indicator_code"], framework.indicators["unit"]))
    out = _with_targets(rows, targets, first, last)
    out["unit"] = out["indicator_code"].map(units)
    out = out[PROGRESS_COLUMNS].astype({"admin_level": "int64"})
    for column in ("indicator_code", "admin_pcode", "period", "period_type", "period_start", "period_end", "unit"):
        out[column] = out[column].astype("str")
    for column in ("numerator", "denominator", "achieved", "in_need", "baseline", "target", "progress",
                   "reached_over_target"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    order = ["indicator_code", "period_type", "admin_level", "admin_pcode", "period"]
    return out.sort_values(order).reset_index(drop=True)
