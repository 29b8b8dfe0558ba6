"""Synthetic CPMS submissions respect the form's rules (so the demo's CPMS reports are not quarantined),
and the 5W still does: both pass ``transforms.validate.validate`` with zero issues, KoBo and ODK shapes."""

from __future__ import annotations

import pandas as pd
import pytest

from connectors.kobo import to_record
from connectors.synthetic import generate, to_odk
from forms.definition import load_form
from forms.lists import ListFiles, read_rows
from transforms.flatten import flatten
from transforms.rules import Context
from transforms.validate import validate


def context() -> Context:
    partners = [r["code"] for r in read_rows(ListFiles().partners, ["code"])]
    gaz = read_rows(ListFiles().gazetteer, ["admin1Pcode", "admin2Pcode"])
    gazetteer = pd.DataFrame([{"pcode": r["admin2Pcode"], "parent_pcode": r["admin1Pcode"]} for r in gaz]
                             + [{"pcode": r["admin1Pcode"], "parent_pcode": None} for r in gaz])
    return Context(partners=partners, gazetteer=gazetteer.drop_duplicates("pcode"))


@pytest.fixture(scope="module")
def cpms_rows():
    form = load_form("cpms_indicators")
    return form, generate(form, 60, seed=5)


@pytest.mark.parametrize("form_id", ["cpms_indicators", "fivew_monthly"])
def test_generated_submissions_pass_validation_with_zero_issues(form_id):
    form = load_form(form_id)
    tables = flatten(form, [to_record(r, form_id) for r in generate(form, 60, seed=5)])
    clean, issues = validate(form, tables, context())
    assert issues.empty, issues[["rule", "field", "value"]].head().to_dict("records")
    assert len(clean[f"stg_{form_id}"]) == 60


def test_odk_shaped_cpms_submissions_pass_too(cpms_rows):
    form, rows = cpms_rows
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": to_odk(r, form)}
               for r in rows]
    _, issues = validate(form, flatten(form, records), context())
    assert issues.empty


def test_priority_standards_and_indicator_rows_follow_the_form(cpms_rows):
    form, rows = cpms_rows
    pillar = {c.name: c.extra["pillar"] for c in form.choices["cpms_standard"]}
    spec = {c.name: c.extra for c in form.choices["cpms_indicator"]}
    plans = {r["has_response_plan"] for r in rows}
    assert plans == {"yes", "no"}
    for row in rows:
        reports = row.get("indicator_reports", [])
        codes = [r["indicator_reports/indicator"] for r in reports]
        assert len(codes) == len(set(codes))  # each indicator once per submission
        if row["has_response_plan"] == "yes":
            assert "priority_standards" not in row  # not relevant: not answered
            continue
        chosen = row["priority_standards"].split()
        assert 4 <= len(chosen) <= 10 and {pillar[s] for s in chosen} == {"1", "2", "3", "4"}
        assert all(spec[c]["standard"] in chosen for c in codes)


def test_percent_rows_carry_consistent_numbers_and_yes_no_rows_only_the_answer(cpms_rows):
    form, rows = cpms_rows
    measure = {c.name: c.extra["measure"] for c in form.choices["cpms_indicator"]}
    seen = set()
    for report in (r for row in rows for r in row.get("indicator_reports", [])):
        values = {k.split("/")[-1]: v for k, v in report.items()}
        kind = measure[values["indicator"]]
        seen.add(kind)
        assert values["measure"] == kind
        if kind == "yes_no":
            assert values["achieved"] in ("yes", "no") and "numerator" not in values
            continue
        n = {k: int(v) for k, v in values.items() if k.startswith(("num", "den"))}
        assert "achieved" not in values and 0 <= n["numerator"] <= n["denominator"] and n["denominator"] > 0
        assert n["num_girls"] + n["num_boys"] == n["numerator"]
        assert n["num_age_0_5"] + n["num_age_6_11"] + n["num_age_12_17"] == n["numerator"]
        assert 0 <= n["num_disability"] <= n["numerator"]
    assert seen == {"yes_no", "percent"}
