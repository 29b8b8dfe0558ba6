"""Scoring tags on the CCPM-style forms: indicators, scales, special codes, comments and roles."""

import pytest

from forms.ccpm import load_framework
from forms.definition import load_form

SCORED_FORMS = ["ccpm_partner", "ccpm_coordinator", "partner_commitments"]
ORG_TYPES = ["ingo", "nngo", "un", "national_authority", "donor", "academia", "private_sector", "observer", "other"]


def scored(form):
    return [f for f in form.fields if "indicator" in f.extra]


@pytest.mark.parametrize("form_id", ["ccpm_partner", "ccpm_coordinator"])
def test_every_scored_question_carries_a_framework_indicator_and_a_scale(form_id):
    form = load_form(form_id)
    codes = set(load_framework().indicator_codes())
    assert scored(form)
    for f in scored(form):
        assert f.extra["indicator"] in codes, f"{form_id}/{f.name}: unknown indicator {f.extra['indicator']}"
        assert f.extra["scale"] == "0-4", f.name
        assert f.type == "select_one" and f.required


def test_partner_form_asks_every_framework_indicator():
    asked = {f.extra["indicator"] for f in scored(load_form("ccpm_partner"))}
    missing = set(load_framework().indicator_codes()) - asked
    assert not missing, f"indicators never asked: {sorted(missing)}"


@pytest.mark.parametrize("form_id", SCORED_FORMS)
def test_answer_lists_score_zero_to_four_and_flag_special_codes(form_id):
    form = load_form(form_id)
    for f in scored(form):
        choices = form.choices[f.list_name]
        special = {c.name: c.extra.get("special") for c in choices if c.extra.get("special")}
        assert special.get("99") == "dont_know" and special.get("9999") == "not_applicable", f.list_name
        scored_codes = {int(c.name) for c in choices if c.name not in special}
        assert scored_codes <= set(range(0, 5)) and {0, 4} <= scored_codes, f.list_name


def test_precondition_absent_is_offered_for_the_mapping_question():
    form = load_form("ccpm_partner")
    mapping = next(f for f in scored(form) if f.extra["indicator"] == "1.2.1")
    specials = {c.name: c.extra.get("special") for c in form.choices[mapping.list_name]}
    assert specials["999"] == "precondition_absent"


def test_partner_commitments_use_partnership_codes():
    codes = {f.extra["indicator"] for f in scored(load_form("partner_commitments"))}
    assert {"PP.equality", "PP.transparency", "PP.results", "PP.responsibility", "PP.complementarity"} <= codes
    assert all(c.startswith(("PP.", "MC.")) for c in codes)


@pytest.mark.parametrize("form_id", ["ccpm_partner", "ccpm_coordinator"])
def test_one_open_comment_per_function(form_id):
    comments = [f for f in load_form(form_id).fields if "function" in f.extra]
    assert sorted(int(f.extra["function"]) for f in comments) == [1, 2, 3, 4, 5, 6, 7]
    assert all(f.type == "text" and not f.required for f in comments)


def test_partner_form_roles_and_organisation_types():
    form = load_form("ccpm_partner")
    roles = {f.extra["role"]: f for f in form.fields if "role" in f.extra}
    assert roles["org_type"].list_name == "org_type" and roles["level"].list_name == "level"
    assert form.choice_codes("org_type") == ORG_TYPES
    assert form.field("admin1").relevant == "${level} = 'subnational'"
    assert form.choice_codes("admin1") == ["SS01", "SS02", "SS03"]


def test_coordinator_form_counts_participants_per_organisation_type():
    form = load_form("ccpm_coordinator")
    participants = [f for f in form.fields if f.extra.get("role") == "participants"]
    assert [f.name for f in participants] == [f"n_orgs_{t}" for t in ORG_TYPES]
    assert all(f.type == "integer" and f.constraint == ". >= 0" for f in participants)
    assert form.field("avg_attendance").type == "integer"
