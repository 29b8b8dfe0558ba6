"""CPMS indicators against targets, and the 4–10 standards / one per pillar rule."""

from __future__ import annotations

import math

import pandas as pd

from forms.definition import load_form
from transforms.cpms_progress import (
    check_priority_standards,
    cpms_progress,
    group_priority,
    read_targets,
    reports_in_period,
)

INDICATORS = pd.DataFrame([{"code": "1.2.1", "standard": "1", "measure": "yes_no"},
                           {"code": "9.1.1", "standard": "9", "measure": "percent"},
                           {"code": "18.1.1", "standard": "18", "measure": "percent"}])


def reports():
    main = pd.DataFrame({"submission_key": ["a", "b", "c"], "reporting_org": ["AHA", "AHA", "CWI"],
                         "admin1": ["SS01", "SS01", "SS02"],
                         "reporting_month": pd.to_datetime(["2026-01-10", "2026-02-10", "2026-02-03"])})
    rows = pd.DataFrame([
        {"submission_key": "a", "indicator": "9.1.1", "numerator": 1, "denominator": 10, "num_girls": 1},
        {"submission_key": "b", "indicator": "9.1.1", "numerator": 6, "denominator": 10, "num_girls": 4},
        {"submission_key": "c", "indicator": "9.1.1", "numerator": 2, "denominator": 10, "num_girls": 0},
        {"submission_key": "b", "indicator": "1.2.1", "achieved": "yes"},
        {"submission_key": "c", "indicator": "1.2.1", "achieved": "no"},
        {"submission_key": "c", "indicator": "18.1.1", "numerator": 0, "denominator": 0}])
    return main, rows.reindex(columns=["submission_key", "indicator", "achieved", "numerator", "denominator",
                                       "num_girls", "num_boys", "num_age_0_5", "num_age_6_11", "num_age_12_17",
                                       "num_disability"])


def test_percentages_use_each_organisations_latest_report_then_divide_the_sums():
    result = cpms_progress(*reports(), INDICATORS, {"9.1.1": 30, "1.2.1": "yes"}).set_index("indicator_code")
    row = result.loc["9.1.1"]  # AHA's February report (6/10) and CWI's (2/10)
    assert (row["numerator"], row["denominator"], row["num_girls"], row["value"]) == (8, 20, 4, 40.0)
    assert row["met"] is True or row["met"] == True
    assert result.loc["1.2.1", "value"] == 50.0 and result.loc["1.2.1", "met"] == False
    assert math.isnan(result.loc["18.1.1", "value"])  # 0/0 is no data


def test_only_the_priority_standards_are_reported_when_given():
    result = cpms_progress(*reports(), INDICATORS, standards={"9", "18"})
    assert list(result["indicator_code"]) == ["9.1.1", "18.1.1"]


def test_the_priority_rule_passes_and_fails_with_a_reason():
    pillars = {c.name: c.extra["pillar"] for c in load_form("cpms_indicators").choices["cpms_standard"]}
    assert check_priority_standards({"1", "9", "18", "26"}, pillars) == (
        True, "4 standards prioritised, covering all four pillars.")
    ok, reason = check_priority_standards({"1", "2", "9", "18"}, pillars)
    assert not ok and "pillar(s) 4" in reason
    ok, reason = check_priority_standards({"1", "9", "18"}, pillars)
    assert not ok and "between 4 and 10" in reason
    ok, reason = check_priority_standards(set(map(str, range(1, 12))), pillars)
    assert not ok and "11 standards" in reason
    assert check_priority_standards(set(), pillars, has_response_plan=True)[0]


def pillars() -> dict[str, str]:
    return {c.name: c.extra["pillar"] for c in load_form("cpms_indicators").choices["cpms_standard"]}


def test_the_groups_standards_are_those_of_the_latest_report_and_the_rule_is_judged_on_them():
    main = pd.DataFrame({"submission_key": ["a", "b", "c"], "has_response_plan": ["no", "no", "no"],
                         "priority_standards": ["1 9 18 26", "1 2 9 18 26", "1 2 9 18"],
                         "reporting_month": pd.to_datetime(["2026-01-01", "2026-03-01", "2026-02-01"])})
    priority = group_priority(main, pillars())
    assert (priority.standards, priority.passed, priority.reports) == (("1", "2", "9", "18", "26"), True, 3)
    failing = group_priority(main.iloc[[0, 2]], pillars())  # the latest is c: no pillar 4 standard
    assert not failing.passed and "pillar(s) 4" in failing.message
    plan = group_priority(main.assign(has_response_plan="yes"), pillars())
    assert plan.has_response_plan and plan.standards == () and plan.passed
    assert group_priority(main.iloc[0:0], pillars()) is None


def test_reports_count_when_their_month_overlaps_the_period_and_targets_are_read_from_csv(tmp_path):
    main = pd.DataFrame({"submission_key": ["a", "b", "c"],
                         "reporting_month": pd.to_datetime(["2025-12-31", "2026-01-15", "2026-04-01"], utc=True)})
    assert list(reports_in_period(main, "2026-01-01", "2026-03-31")["submission_key"]) == ["b"]
    assert list(reports_in_period(main, None, "2026-01-31")["submission_key"]) == ["a", "b"]
    path = tmp_path / "targets.csv"
    path.write_text("indicator_code,target\n9.1.1,75\n1.2.1,yes\n18.1.1,\n", encoding="utf-8")
    assert read_targets(path) == {"9.1.1": "75", "1.2.1": "yes"}
    shipped = {c.name for c in load_form("cpms_indicators").choices["cpms_indicator"]}
    assert set(read_targets()) == shipped and read_targets()["1.2.1"] == "yes"  # the sample covers the list


def test_an_indicator_of_a_priority_standard_without_report_is_no_data_and_not_judged():
    result = cpms_progress(*reports(), INDICATORS, {"18.1.1": 50, "9.1.1": 90}, standards={"9", "18"},
                           pillar_of=pillars()).set_index("indicator_code")
    assert result.loc["9.1.1", "met"] == False and result.loc["9.1.1", "pillar"] == "2"
    assert math.isnan(result.loc["18.1.1", "value"]) and result.loc["18.1.1", "met"] is None
