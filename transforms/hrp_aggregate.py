"""The two aggregation axes of an HRP indicator and its progress (shared/domain/hrp.md, as in PRP and DHIS2).

Order, as in PRP: within each month the reports of all locations inside an admin unit are combined with the
indicator's ``across_locations`` rule (sum | max | avg), then the monthly values of the period are combined
with its ``across_periods`` rule (sum | max | avg | latest). A location is one partner's site in one admin 2
unit; the lines it reports in one month (one per modality or population group) are added up first.
Ratios sum numerators and denominators across locations, take the latest month, then divide: 0/0 is no data
(NaN), never 0 %.
"""

from __future__ import annotations

import math

import pandas as pd

LOCATION = ["reporting_org", "implementing_partner", "admin2_pcode", "site"]
ACROSS_LOCATIONS = {"sum": "sum", "max": "max", "avg": "mean"}
PROGRESS_LABEL = "Progress = max(0, achieved − baseline) ÷ (target − baseline); 0 when target = baseline"
REACHED_LABEL = "Reached ÷ target (achieved divided by the target, baseline ignored)"


def monthly(values: pd.DataFrame, unit: str, across_locations: str) -> pd.Series:
    """Value per (unit, month): lines added up per location and month, then combined across locations.

    ``values`` has the columns of LOCATION, ``unit`` (the admin column), ``month`` and ``value``.
    """
    per_location = values.groupby([unit, "month", *LOCATION], dropna=False)["value"].sum(min_count=1)
    return per_location.groupby(level=[0, 1]).agg(ACROSS_LOCATIONS[across_locations])


def over_periods(series: pd.Series, across_periods: str) -> pd.Series:
    """Combine a (unit, month) series over months, per unit."""
    series = series.dropna().sort_index()
    grouped = series.groupby(level=0)
    if across_periods == "latest":
        return grouped.last()
    return grouped.agg({"sum": "sum", "max": "max", "avg": "mean"}[across_periods])


def ratio_monthly(values: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Summed numerator and denominator per (unit, month); ``values`` has ``numerator``/``denominator``."""
    return values.groupby([unit, "month"], dropna=False)[["numerator", "denominator"]].sum(min_count=1)


def ratio_latest(monthly_sums: pd.DataFrame) -> pd.DataFrame:
    """The latest reported month's numerator and denominator per unit, taken together from that one month
    (months sort as YYYY-MM text)."""
    return monthly_sums.sort_index().groupby(level=0).tail(1).droplevel(1)


def divide(numerator, denominator, scale: float = 100.0) -> float:
    """numerator ÷ denominator × scale; NaN (no data) when the denominator is 0 or missing."""
    if denominator is None or pd.isna(denominator) or denominator == 0:
        return math.nan
    return float(numerator if not pd.isna(numerator) else 0) / float(denominator) * scale


def progress(achieved, baseline, target) -> float:
    """PRP progress: max(0, achieved − baseline) ÷ (target − baseline); 0 when target = baseline.

    A fraction (0.5 = 50 %), may exceed 1. NaN when nothing was achieved on record or there is no target.
    A missing baseline counts as 0.
    """
    if pd.isna(achieved) or pd.isna(target):
        return math.nan
    baseline = 0.0 if pd.isna(baseline) else float(baseline)
    if float(target) == baseline:
        return 0.0
    return max(0.0, float(achieved) - baseline) / (float(target) - baseline)


def reached_over_target(achieved, target) -> float:
    """achieved ÷ target as a fraction; NaN without data or with a zero or missing target."""
    if pd.isna(achieved) or pd.isna(target) or float(target) == 0:
        return math.nan
    return float(achieved) / float(target)
