"""Business rules: one passing and one failing case each, on small inline forms shaped like the real ones."""

from __future__ import annotations

from datetime import date

import pandas as pd

from forms.definition import parse_markdown
from transforms.flatten import flatten
from transforms.validate import Context, validate

FIVEW_MD = """
| settings |
| | form_id |
| | fivew_test |
| survey |
| | type | name | label | required | sum_of |
| | select_one partner | reporting_org | Reporting organisation | yes | |
| | date | reporting_month | Reporting month | yes | |
| | select_one admin1 | admin1 | Admin 1 | yes | |
| | select_one admin2 | admin2 | Admin 2 | yes | |
| | begin repeat | activities | Activity line | | |
| | select_one activity | activity | Cluster activity | yes | |
| | integer | reached_total | People reached (total) | | total_girls total_boys |
| | integer | reached_new | People reached (new) | | |
| | integer | total_girls | Girls | | |
| | integer | total_boys | Boys | | |
| | integer | new_girls | New girls | | |
| | end repeat | | | | |
| choices |
| | list_name | name | label | admin1 |
| | partner | p1 | Partner one | |
| | partner | p2 | Partner two | |
| | admin1 | SS01 | State one | |
| | admin1 | SS02 | State two | |
| | admin2 | SS0101 | County one | SS01 |
| | admin2 | SS0201 | County two | SS02 |
| | activity | wash | WASH | |
| | activity | food | Food | |
"""


def line(activity="wash", total=10, new=4, girls=6, boys=4, new_girls=2) -> dict:
    return {"activity": activity, "reached_total": total, "reached_new": new, "total_girls": girls,
            "total_boys": boys, "new_girls": new_girls}


def fivew(key, lines=None, org="p1", month="2026-03-01", admin1="SS01", admin2="SS0101") -> dict:
    payload = {"reporting_org": org, "reporting_month": month, "admin1": admin1, "admin2": admin2,
               "activities": lines if lines is not None else [line()]}
    return {"submission_key": key, "payload": payload}


def check(md, records, context=None) -> pd.DataFrame:
    form = parse_markdown(md)
    return validate(form, flatten(form, records), context)[1]


def rules_of(issues, key) -> set[str]:
    return set(issues.loc[issues["submission_key"] == key, "rule"])


def test_a_correct_5w_report_passes_every_rule():
    context = Context(partners={"P1", "p2"}, window=(date(2026, 3, 1), date(2026, 3, 31)))
    assert check(FIVEW_MD, [fivew("a", [line(), line("food")])], context).empty


def test_new_greater_than_total():
    issues = check(FIVEW_MD, [fivew("a", [line(), line("food", total=120, new=130, girls=60, boys=60)])])
    row = issues[issues["rule"] == "fivew_new_gt_total"].iloc[0]
    assert row["message"] == ("Activity line 2: 'People reached (new)' (130) is greater than 'People reached "
                              "(total)' (120). New people reached this month cannot exceed the total; correct "
                              "one of the two.")
    assert row["org"] == "p1" and row["field"] == "reached_new"


def test_new_greater_than_total_for_one_group():
    issues = check(FIVEW_MD, [fivew("a", [line(girls=6, new_girls=7)])])
    assert "for girls" in issues.loc[issues["rule"] == "fivew_new_gt_total", "message"].iloc[0]


def test_disaggregation_cells_must_add_up_to_the_total():
    issues = check(FIVEW_MD, [fivew("a", [line(total=12)])])
    row = issues[issues["rule"] == "disaggregation_sum"].iloc[0]
    assert "(Girls 6 + Boys 4 = 10) do not add up to 'People reached (total)' (12)" in row["message"]


def test_admin2_must_lie_inside_admin1_from_the_choice_list():
    assert rules_of(check(FIVEW_MD, [fivew("a", admin1="SS02", admin2="SS0101")]), "a") == {
        "fivew_admin2_outside_admin1"}


def test_admin2_parent_from_the_gazetteer_when_given():
    gazetteer = pd.DataFrame({"pcode": ["SS0101", "SS0201"], "parent_pcode": ["SS02", "SS02"]})
    issues = check(FIVEW_MD, [fivew("a"), fivew("b", admin1="SS02")], Context(gazetteer=gazetteer))
    assert rules_of(issues, "a") == {"fivew_admin2_outside_admin1"} and rules_of(issues, "b") == set()


def test_admin2_pcode_prefix_without_parent_lists():
    md = FIVEW_MD.replace("| | admin2 | SS0101 | County one | SS01 |", "| | admin2 | SS0101 | County one | |") \
        .replace("| | admin2 | SS0201 | County two | SS02 |", "| | admin2 | SS0201 | County two | |")
    issues = check(md, [fivew("a", admin1="SS02"), fivew("b", admin1="SS02", admin2="SS0201")])
    assert rules_of(issues, "a") == {"fivew_admin2_outside_admin1"} and rules_of(issues, "b") == set()


def test_organisation_must_be_on_the_partner_list():
    issues = check(FIVEW_MD, [fivew("a", org="p2"), fivew("b")], Context(partners=["p1"]))
    assert rules_of(issues, "a") == {"fivew_org_unknown"} and rules_of(issues, "b") == set()
    assert "'Reporting organisation' 'p2' is not on the cluster's partner list" in issues["message"].iloc[0]


def test_month_must_be_inside_the_reporting_window():
    context = Context(window=(date(2026, 3, 1), date(2026, 3, 31)))
    issues = check(FIVEW_MD, [fivew("a", month="2026-02-27"), fivew("b", month="2026-03-31")], context)
    assert rules_of(issues, "a") == {"fivew_month_outside_window"} and rules_of(issues, "b") == set()


def test_duplicate_activity_lines_within_and_across_submissions():
    issues = check(FIVEW_MD, [fivew("a", [line(), line()]), fivew("b"), fivew("c", [line("food")])])
    dup = issues[issues["rule"] == "fivew_duplicate_line"]
    assert dup["submission_key"].tolist() == ["a", "b"]
    assert "repeats line 1 of submission a" in dup["message"].iloc[0]


CPMS_MD = """
| settings |
| | form_id |
| | cpms_test |
| survey |
| | type | name | label | relevant |
| | select_multiple cpms_standard | priority_standards | Priority CPMS standards | |
| | begin repeat | indicator_reports | Indicator report | |
| | integer | denominator | Denominator | |
| | integer | numerator | Numerator | |
| | end repeat | | | |
| choices |
| | list_name | name | label | pillar |
""" + "".join(f"| | cpms_standard | {n} | Standard {n} | {1 if n <= 6 else 2 if n <= 13 else 3 if n <= 20 else 4} |\n"
              for n in range(1, 29))


def cpms(key, standards="1 7 14 21", numerator=5, denominator=10) -> dict:
    return {"submission_key": key, "payload": {"priority_standards": standards, "indicator_reports": [
        {"numerator": numerator, "denominator": denominator}]}}


def test_cpms_numerator_cannot_exceed_denominator():
    issues = check(CPMS_MD, [cpms("a"), cpms("b", numerator=11)])
    assert rules_of(issues, "a") == set() and rules_of(issues, "b") == {"cpms_numerator_gt_denominator"}


def test_cpms_four_to_ten_standards():
    issues = check(CPMS_MD, [cpms("a", "1 7 14"), cpms("b", " ".join(str(n) for n in range(1, 29))),
                             cpms("c", "1 2 7 14 21 28")])
    assert "cpms_standard_count" in rules_of(issues, "a") and "cpms_standard_count" in rules_of(issues, "b")
    assert rules_of(issues, "c") == set()


def test_cpms_at_least_one_standard_per_pillar():
    issues = check(CPMS_MD, [cpms("a", "1 2 7 8 14")])
    assert rules_of(issues, "a") == {"cpms_pillar_missing"}
    assert "pillar 4" in issues["message"].iloc[0]


CCPM_MD = """
| settings |
| | form_id |
| | ccpm_test |
| survey |
| | type | name | label | scale |
| | select_one freq | q1 | Meetings often enough | 0-4 |
| | integer | q2 | Score out of five | 1-5 |
| choices |
| | list_name | name | label | special |
| | freq | 0 | Never | |
| | freq | 4 | Always | |
| | freq | 5 | Listed by mistake | |
| | freq | 99 | Don't know | dont_know |
"""


def test_ccpm_codes_on_the_scale_or_special():
    records = [{"submission_key": k, "payload": {"q1": q1, "q2": q2}}
               for k, q1, q2 in (("a", "4", "5"), ("b", "99", "1"), ("c", "5", "3"), ("d", "0", "7"))]
    issues = check(CCPM_MD, records)
    assert rules_of(issues, "a") == set() and rules_of(issues, "b") == set()
    assert rules_of(issues, "c") == {"ccpm_code_off_scale"} and rules_of(issues, "d") == {"ccpm_code_off_scale"}
    assert "answer code '5' is not on the 0-4 scale" in issues["message"].iloc[0]


def test_cpms_standards_are_checked_only_where_the_question_is_relevant():
    md = CPMS_MD.replace("| | select_multiple cpms_standard | priority_standards | Priority CPMS standards | |",
                         "| | select_one yes_no | has_plan | Plan agreed | |\n"
                         "| | select_multiple cpms_standard | priority_standards | Priority CPMS standards "
                         "| ${has_plan} = 'no' |") + "| | yes_no | yes | Yes | |\n| | yes_no | no | No | |\n"
    records = [cpms("a", "1 7"), cpms("b", "1 7")]
    records[0]["payload"]["has_plan"], records[1]["payload"]["has_plan"] = "yes", "no"
    issues = check(md, records)
    assert rules_of(issues, "a") == set() and "cpms_standard_count" in rules_of(issues, "b")
