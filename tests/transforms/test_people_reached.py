"""People reached without double counting, against a hand-computed fixture (shared/domain/hrp.md)."""

from __future__ import annotations

import pandas as pd

from transforms.hrp_fivew import LINE_COLUMNS, empty_lines
from transforms.people_reached import METHOD, people_reached, people_reached_by_month

AREAS = {"SS0101": ("SS01", "Northern Lakes", "Lakeside"), "SS0201": ("SS02", "Eastern Hills", "Stonecrest")}


def lines(*rows: dict) -> pd.DataFrame:
    """5W lines with every unspecified figure 0; people counted unless said otherwise."""
    records = []
    for i, row in enumerate(rows, start=1):
        admin1, name1, name2 = AREAS[row.get("admin2_pcode", "SS0101")]
        base = {c: 0 for c in LINE_COLUMNS if c.startswith(("new_", "total_", "reached_", "pwd_", "quantity"))}
        base.update(submission_key=f"s{i}", ordinal=1, admin2_pcode="SS0101", admin1_pcode=admin1,
                    admin1_name=name1, admin2_name=name2, counts_people=True, population_group="idp",
                    month="2026-01", reporting_org="AHA", implementing_partner="AHA", site="", reached_total=100)
        base.update(row)
        records.append(base)
    frame = pd.DataFrame(records).reindex(columns=LINE_COLUMNS)
    return pd.concat([empty_lines(), frame], ignore_index=True)


def three_activities() -> pd.DataFrame:
    return lines(
        {"activity_code": "CA1", "new_girls": 10, "new_boys": 5, "pwd_new": 2},
        {"activity_code": "CA1", "month": "2026-02", "new_girls": 4, "new_boys": 6, "pwd_new": 1},
        {"activity_code": "CA2", "new_girls": 12, "new_boys": 2, "pwd_new": 2, "population_group": "returnee"},
        {"activity_code": "CA2", "month": "2026-02", "implementing_partner": "BRIDGE", "new_girls": 3,
         "new_boys": 1},
        {"activity_code": "CA5", "new_girls": 1, "new_boys": 20, "pwd_new": 5},
        {"activity_code": "CA4", "counts_people": False, "new_girls": 500, "new_boys": 500, "pwd_new": 90},
        {"activity_code": "CA1", "admin2_pcode": "SS0201", "new_girls": 7},
    )


def test_a_place_reached_by_three_activities_counts_the_maximum_per_sex_and_age_group():
    result = people_reached(three_activities())
    lakeside = result.by_admin2.set_index("admin2_pcode").loc["SS0101"]
    # girls: CA1 10+4=14, CA2 12+3=15, CA5 1 -> 15; boys: CA1 11, CA2 3, CA5 20 -> 20
    assert (lakeside["new_girls"], lakeside["new_boys"], lakeside["reached"]) == (15, 20, 35)
    assert lakeside["pwd"] == 5  # CA1 3, CA2 2, CA5 5


def test_the_cluster_total_is_the_sum_of_the_admin_maxima_and_ignores_non_people_indicators():
    result = people_reached(three_activities())
    assert result.total["reached"] == 35 + 7
    assert result.by_admin1.set_index("admin1_pcode")["reached"].to_dict() == {"SS01": 35, "SS02": 7}


def test_monthly_totals_are_never_summed_over_time():
    result = people_reached(lines({"activity_code": "CA1", "reached_total": 900, "reached_new": 3, "new_girls": 3},
                                  {"activity_code": "CA1", "month": "2026-02", "reached_total": 900,
                                   "reached_new": 2, "new_girls": 2}))
    assert result.total["reached"] == 5


def test_population_groups_use_the_same_rule_alongside_the_total():
    frame = three_activities()
    frame["reached_new"] = frame[[c for c in frame.columns if c.startswith("new_")]].sum(axis=1)
    groups = people_reached(frame).by_population_group
    lakeside = groups[groups["admin2_pcode"] == "SS0101"].set_index("population_group")["reached"].to_dict()
    # idp: CA1 15+10=25, CA2 (BRIDGE, Feb) 4, CA5 21 -> 25; returnee: CA2 14
    assert lakeside == {"idp": 25, "returnee": 14}


def test_the_method_is_part_of_the_result():
    assert people_reached(three_activities()).method == METHOD
    assert "maximum" in METHOD and "new" in METHOD


def test_by_month_applies_the_rule_within_each_month():
    by_month = people_reached_by_month(three_activities()).set_index("month")["reached"].to_dict()
    # January: Lakeside girls max(10,12,1)=12, boys max(5,2,20)=20; Stonecrest 7. February: girls 4, boys 6.
    assert by_month == {"2026-01": 39, "2026-02": 10}


def test_no_people_lines_give_zero():
    result = people_reached(empty_lines())
    assert result.total["reached"] == 0 and result.by_admin2.empty
