"""Rules that matter, checked in the built XForm and evaluated on sample values (fail if a rule is dropped)."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from forms.definition import load_form
from forms.rules import RuleError, evaluate

GROUPS = ["girls", "boys", "women", "men", "elderly_women", "elderly_men"]


def bind(built, path):
    for element in ET.parse(built.xml).iter("{http://www.w3.org/2002/xforms}bind"):
        if element.get("nodeset") == path:
            return element.attrib
    raise AssertionError(f"no bind for {path}")


def cells(prefix, values):
    return {f"{prefix}_{g}": v for g, v in zip(GROUPS, values)}


def test_5w_breakdown_must_add_up_to_the_total(built_forms):
    form = load_form("fivew_monthly")
    rule = form.field("total_elderly_men").constraint
    values = {"reached_total": 60, **cells("total", [10, 10, 10, 10, 10, 10])}
    assert evaluate(rule, 10, values)
    assert not evaluate(rule, 11, values)
    assert form.field("reached_total").extra["sum_of"].split() == [f"total_{g}" for g in GROUPS]
    xform_rule = bind(built_forms["fivew_monthly"], "/data/activities/total_by_group/total_elderly_men")
    assert "../../reached_total" in xform_rule["constraint"]


def test_5w_new_cannot_exceed_total(built_forms):
    form = load_form("fivew_monthly")
    rule = form.field("reached_new").constraint
    assert evaluate(rule, 5, {"reached_total": 5}) and not evaluate(rule, 6, {"reached_total": 5})
    new_rule = form.field("new_elderly_men").constraint
    values = {"reached_new": 6, **cells("new", [1, 1, 1, 1, 1, 0]), "total_elderly_men": 0}
    assert not evaluate(new_rule, 1, values)  # sums but exceeds that group's total
    assert "reached_total" in bind(built_forms["fivew_monthly"], "/data/activities/reached_new")["constraint"]


def test_5w_reporting_month_cannot_be_in_the_future(built_forms):
    rule = load_form("fivew_monthly").field("reporting_month").constraint
    today = dt.date(2025, 5, 15)
    assert evaluate(rule, "2025-05-01", today=today) and not evaluate(rule, "2025-06-01", today=today)
    assert "today()" in bind(built_forms["fivew_monthly"], "/data/reporting_month")["constraint"]


def test_5w_admin2_cascades_from_admin1_without_assuming_pcode_length(built_forms):
    form = load_form("fivew_monthly")
    assert form.field("admin2").choice_filter == "admin1=${admin1}"
    for choice in form.choices["admin2"]:
        assert choice.extra["admin1"] in form.choice_codes("admin1")
    assert "item[admin1= /data/admin1 ]" in built_forms["fivew_monthly"].xml.read_text()


def test_5w_people_questions_only_for_people_indicators():
    form = load_form("fivew_monthly")
    assert evaluate(form.field("reached_total").relevant, values={"counts_people": "yes"})
    assert not evaluate(form.field("reached_total").relevant, values={"counts_people": "no"})
    assert evaluate(form.field("quantity").relevant, values={"counts_people": "no"})


@pytest.mark.parametrize("selection, ok", [
    ("1 7 14 21", True),                      # four standards, one per pillar
    ("1 2 3 7 8 14 15 21 22 23", True),       # ten
    ("1 7 14", False),                        # fewer than four
    ("1 2 7 14", False),                      # pillar 4 missing
    ("1 2 3 4 7 8 14 15 21 22 23", False),    # eleven
])
def test_cpms_priority_standards_four_to_ten_with_every_pillar(selection, ok, built_forms):
    rule = load_form("cpms_indicators").field("priority_standards").constraint
    assert evaluate(rule, selection) is ok
    assert "count-selected" in bind(built_forms["cpms_indicators"], "/data/priority_standards")["constraint"]


def test_cpms_numerator_within_denominator_and_broken_down():
    form = load_form("cpms_indicators")
    assert evaluate(form.field("numerator").constraint, 3, {"denominator": 3})
    assert not evaluate(form.field("numerator").constraint, 4, {"denominator": 3})
    assert not evaluate(form.field("num_boys").constraint, 2, {"num_girls": 2, "numerator": 3})
    assert not evaluate(form.field("num_age_12_17").constraint, 1, {"num_age_0_5": 1, "num_age_6_11": 2,
                                                                    "numerator": 3})
    assert {c.extra["pillar"] for c in form.choices["cpms_standard"]} == {"1", "2", "3", "4"}
    assert len(form.choices["cpms_standard"]) == 28


def test_cpms_indicators_come_from_the_csv_list_filtered_by_priority():
    form = load_form("cpms_indicators")
    assert {"1.2.1", "1.2.2"} <= set(form.choice_codes("cpms_indicator"))
    assert "selected(${priority_standards}, standard)" in form.field("indicator").choice_filter


def test_action_plan_covers_every_subfunction_and_deadline_follows_workshop():
    form = load_form("ccpm_action_plan")
    assert [c.extra["code"] for c in form.choices["subfunction"]][:3] == ["1.1", "1.2", "2.1"]
    assert len(form.choices["subfunction"]) == 13
    assert not evaluate(form.field("deadline").constraint, "2025-01-01", {"workshop_date": "2025-02-01"})
    assert not evaluate(form.field("support_needed").constraint, "none ocha")


def test_unsupported_expression_is_refused():
    with pytest.raises(RuleError):
        evaluate("pulldata('x', 'y')", 1)
