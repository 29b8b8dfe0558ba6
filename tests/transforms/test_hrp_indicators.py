"""HRP indicator aggregation (two axes, ratios, progress) against hand-computed fixtures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from transforms import hrp_aggregate as agg
from transforms.hrp_fivew import LINE_COLUMNS, Lists, empty_lines
from transforms.hrp_framework import FRAMEWORK_COLUMNS, HrpFramework
from transforms.hrp_indicators import indicator_progress

PLACES = {"SS0101": "SS01", "SS0102": "SS01", "SS0201": "SS02"}


def framework(*rows: tuple, targets: list[tuple] = ()) -> HrpFramework:
    """Indicators as (code, unit, counts_people, across_locations, across_periods, numerator, denominator)."""
    records = [dict(zip(FRAMEWORK_COLUMNS, ("HRP", "CO1", "Objective", r[0][:3], "Activity", r[0], r[0], *r[1:])))
               for r in rows]
    indicators = pd.DataFrame(records)
    indicators["counts_people"] = indicators["counts_people"] == "yes"
    target_frame = pd.DataFrame(list(targets), columns=["indicator_code", "pcode", "in_need", "baseline", "target"])
    return HrpFramework(indicators, target_frame.astype({c: "float64" for c in ("in_need", "baseline", "target")}))


def lines(*rows: dict) -> pd.DataFrame:
    records = []
    for i, row in enumerate(rows, start=1):
        base = {"submission_key": f"s{i}", "ordinal": 1, "reporting_org": "AHA", "implementing_partner": "AHA",
                "site": "", "month": "2026-01", "admin2_pcode": "SS0101", "quantity": 0, "reached_total": 0,
                "reached_new": 0}
        base.update(row)
        base["admin1_pcode"] = PLACES[base["admin2_pcode"]]
        base["indicator_code"] = base.get("indicator_code", "X1.1")
        records.append(base)
    return pd.concat([empty_lines(), pd.DataFrame(records).reindex(columns=LINE_COLUMNS)], ignore_index=True)


@pytest.fixture(scope="module")
def lists() -> Lists:
    return Lists.read()


def period_row(result: pd.DataFrame, code: str, pcode: str) -> pd.Series:
    rows = result[(result["indicator_code"] == code) & (result["admin_pcode"] == pcode)
                  & (result["period_type"] == "period")]
    assert len(rows) == 1
    return rows.iloc[0]


def month_value(result: pd.DataFrame, code: str, pcode: str, month: str) -> float:
    rows = result[(result["indicator_code"] == code) & (result["admin_pcode"] == pcode) & (result["period"] == month)]
    return float(rows["achieved"].iloc[0])


def test_people_indicator_sums_new_people_over_months_and_locations(lists):
    fw = framework(("X1.1", "number", "yes", "sum", "sum", "", ""))
    data = lines({"reached_new": 10, "reached_total": 50}, {"reached_new": 5, "reached_total": 50, "site": "b"},
                 {"reached_new": 7, "reached_total": 60, "month": "2026-02"},
                 {"reached_new": 4, "admin2_pcode": "SS0201"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-03-31")
    assert period_row(result, "X1.1", "SS0101")["achieved"] == 22
    assert period_row(result, "X1.1", "SS01")["achieved"] == 22
    assert period_row(result, "X1.1", "SS")["achieved"] == 26
    assert month_value(result, "X1.1", "SS0101", "2026-01") == 15


def test_cumulative_indicator_takes_the_latest_month_never_the_sum(lists):
    fw = framework(("X1.1", "number", "no", "sum", "latest", "", ""))
    data = lines({"quantity": 3}, {"quantity": 2, "implementing_partner": "BRIDGE"},
                 {"quantity": 4, "month": "2026-02"}, {"quantity": 2, "implementing_partner": "BRIDGE",
                                                       "month": "2026-02"},
                 {"quantity": 5, "admin2_pcode": "SS0102"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-02-28")
    assert month_value(result, "X1.1", "SS0101", "2026-01") == 5
    assert period_row(result, "X1.1", "SS0101")["achieved"] == 6  # Feb: 4 + 2
    assert period_row(result, "X1.1", "SS0102")["achieved"] == 5
    # admin 1: locations summed per month (Jan 10, Feb 6), then the latest month (PRP order)
    assert month_value(result, "X1.1", "SS01", "2026-01") == 10
    assert period_row(result, "X1.1", "SS01")["achieved"] == 6


@pytest.mark.parametrize("across, expected", [("sum", 9.0), ("max", 6.0), ("avg", 4.5)])
def test_across_locations_rules(lists, across, expected):
    fw = framework(("X1.1", "number", "no", across, "sum", "", ""))
    data = lines({"quantity": 3, "site": "a"}, {"quantity": 6, "site": "b"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-01-31")
    assert period_row(result, "X1.1", "SS0101")["achieved"] == expected


def test_lines_of_one_location_add_up_before_the_location_rule(lists):
    fw = framework(("X1.1", "number", "no", "max", "sum", "", ""))
    data = lines({"quantity": 3, "site": "a"}, {"quantity": 4, "site": "a"}, {"quantity": 6, "site": "b"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-01-31")
    assert period_row(result, "X1.1", "SS0101")["achieved"] == 7


@pytest.mark.parametrize("across, expected", [("sum", 12.0), ("max", 7.0), ("avg", 4.0), ("latest", 1.0)])
def test_across_periods_rules(lists, across, expected):
    fw = framework(("X1.1", "number", "no", "sum", across, "", ""))
    data = lines({"quantity": 4}, {"quantity": 7, "month": "2026-02"}, {"quantity": 1, "month": "2026-03"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-03-31")
    assert period_row(result, "X1.1", "SS0101")["achieved"] == expected


def ratio_framework(targets=()) -> HrpFramework:
    return framework(("N1.1", "number", "yes", "sum", "sum", "", ""), ("D1.1", "number", "yes", "sum", "sum", "", ""),
                     ("R1.1", "percentage", "no", "sum", "latest", "N1.1", "D1.1"), targets=list(targets))


def test_ratio_sums_numerators_and_denominators_then_takes_the_latest_month(lists):
    data = lines({"indicator_code": "N1.1", "reached_total": 9}, {"indicator_code": "D1.1", "reached_total": 10},
                 {"indicator_code": "N1.1", "reached_total": 1, "month": "2026-02"},
                 {"indicator_code": "D1.1", "reached_total": 4, "month": "2026-02"},
                 {"indicator_code": "N1.1", "reached_total": 2, "month": "2026-02", "admin2_pcode": "SS0102"},
                 {"indicator_code": "D1.1", "reached_total": 4, "month": "2026-02", "admin2_pcode": "SS0102"})
    result = indicator_progress(data, ratio_framework(), lists, "2026-01-01", "2026-02-28")
    assert month_value(result, "R1.1", "SS0101", "2026-01") == 90.0
    assert period_row(result, "R1.1", "SS0101")["achieved"] == 25.0
    row = period_row(result, "R1.1", "SS01")  # (1 + 2) / (4 + 4), not the mean of 25 % and 50 %
    assert (row["numerator"], row["denominator"], row["achieved"]) == (3.0, 8.0, 37.5)


def test_a_zero_over_zero_ratio_is_no_data_not_zero_percent(lists):
    fw = ratio_framework([("R1.1", "SS0101", None, 10, 50)])
    data = lines({"indicator_code": "N1.1", "reached_total": 0}, {"indicator_code": "D1.1", "reached_total": 0})
    row = period_row(indicator_progress(data, fw, lists, "2026-01-01", "2026-01-31"), "R1.1", "SS0101")
    assert math.isnan(row["achieved"]) and math.isnan(row["progress"]) and row["target"] == 50
    assert math.isnan(agg.divide(0, 0)) and agg.divide(0, 5) == 0.0


def test_a_ratio_nobody_reported_in_the_period_is_no_data_not_an_error(lists):
    fw = ratio_framework([("R1.1", "SS0101", None, 10, 50)])
    data = lines({"indicator_code": "OTHER", "reached_total": 3})
    row = period_row(indicator_progress(data, fw, lists, "2026-01-01", "2026-01-31"), "R1.1", "SS0101")
    assert math.isnan(row["achieved"]) and row["target"] == 50


def test_progress_when_target_equals_baseline_is_zero_and_both_measures_are_given(lists):
    fw = framework(("X1.1", "number", "no", "sum", "sum", "", ""), ("X2.1", "number", "no", "sum", "sum", "", ""),
                   targets=[("X1.1", "SS0101", 100, 20, 20), ("X2.1", "SS0101", 100, 20, 120)])
    data = lines({"quantity": 70}, {"quantity": 70, "indicator_code": "X2.1"})
    result = indicator_progress(data, fw, lists, "2026-01-01", "2026-01-31")
    same = period_row(result, "X1.1", "SS0101")
    assert same["progress"] == 0.0 and same["reached_over_target"] == 70 / 20
    moving = period_row(result, "X2.1", "SS0101")
    assert moving["progress"] == pytest.approx((70 - 20) / (120 - 20))
    assert moving["reached_over_target"] == pytest.approx(70 / 120)


def test_progress_never_goes_below_zero():
    assert agg.progress(10, 20, 50) == 0.0
    assert agg.progress(35, 20, 50) == 0.5
    assert math.isnan(agg.progress(float("nan"), 0, 50))


def test_targets_roll_up_by_the_location_rule_unless_written_for_the_higher_unit(lists):
    fw = framework(("X1.1", "number", "no", "sum", "sum", "", ""),
                   targets=[("X1.1", "SS0101", 100, 0, 40), ("X1.1", "SS0102", 50, 0, 10),
                            ("X1.1", "SS0201", 10, 0, 5), ("X1.1", "SS02", 12, 0, 8)])
    result = indicator_progress(lines({"quantity": 5}), fw, lists, "2026-01-01", "2026-01-31")
    assert period_row(result, "X1.1", "SS01")["target"] == 50
    assert period_row(result, "X1.1", "SS02")["target"] == 8
    assert period_row(result, "X1.1", "SS")["target"] == 58
    no_report = period_row(result, "X1.1", "SS0102")
    assert no_report["target"] == 10 and math.isnan(no_report["achieved"])
