"""Flattening KoBo- and ODK-shaped submissions into typed tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pandas.testing as pdt

sys.path.insert(0, str(Path(__file__).parent))
from transform_forms import household_form, kobo_record, odk_record  # noqa: E402

from transforms.flatten import FlatTables, flatten  # noqa: E402

MAIN, MEMBERS, CHILDREN = "stg_household", "stg_household__members", "stg_household__children"


def test_kobo_and_odk_shapes_give_identical_rows():
    form = household_form()
    kobo, odk = flatten(form, [kobo_record()]), flatten(form, [odk_record()])
    assert set(kobo) == {MAIN, MEMBERS, CHILDREN}
    for name in kobo:
        pdt.assert_frame_equal(kobo[name], odk[name])
    assert kobo.issues.empty and odk.issues.empty


def test_main_table_columns_are_named_and_typed_from_the_form():
    main = flatten(household_form(), [kobo_record()])[MAIN]
    assert list(main.columns[:4]) == ["submission_key", "version_key", "form_version", "submitted_at"]
    row = main.iloc[0]
    assert row["submission_key"] == "s1" and row["form_version"] == "vA"
    assert main["age"].dtype == "Int64" and row["age"] == 34
    assert main["score"].dtype == "Float64" and row["score"] == 1.5
    assert row["visit"] == pd.Timestamp("2026-03-01") and main["visit"].dt.tz is None
    assert row["seen_at"] == pd.Timestamp("2026-03-01T07:30:00", tz="UTC")
    assert row["submitted_at"] == pd.Timestamp("2026-03-02T08:00:00", tz="UTC")


def test_select_multiple_keeps_the_codes_and_adds_one_boolean_per_choice():
    records = [kobo_record("a"), kobo_record("b", **{"grp/needs": "shelter"}), kobo_record("c", **{"grp/needs": ""})]
    main = flatten(household_form(), records)[MAIN]
    assert main["needs"].tolist()[:2] == ["food water", "shelter"]
    assert main["needs__food"].tolist()[:2] == [True, False]
    assert main["needs__shelter"].tolist()[:2] == [False, True]
    assert main["needs__water"].dtype == "boolean" and main["needs__water"].isna().iloc[2]


def test_a_batch_where_nobody_answered_a_select_multiple_flattens_it_as_empty():
    records = []
    for key, answer in (("a", None), ("b", ""), ("c", None)):
        record = kobo_record(key)
        if answer is None:
            del record["payload"]["grp/needs"]  # not asked (a skipped group) or left empty
        else:
            record["payload"]["grp/needs"] = answer
        records.append(record)
    tables = flatten(household_form(), records)
    main = tables[MAIN]
    assert main["needs"].isna().all() and str(main["needs"].dtype) == "str"
    assert main["needs__food"].dtype == "boolean" and main["needs__food"].isna().all()
    assert tables.issues.empty


def test_geopoint_axis_order_differs_between_kobo_and_odk():
    for record in (kobo_record(), odk_record()):
        row = flatten(household_form(), [record])[MAIN].iloc[0]
        assert (row["loc_lat"], row["loc_lon"], row["loc_alt"], row["loc_acc"]) == (4.85, 31.58, 500, 5)


def test_nested_repeats_carry_ordinals_and_parent_ordinals():
    tables = flatten(household_form(), [kobo_record()])
    members, children = tables[MEMBERS], tables[CHILDREN]
    assert members[["ordinal", "m_name", "sex"]].values.tolist() == [[1, "Amal", "f"], [2, "Badr", "m"]]
    assert members["parent_ordinal"].isna().all() and set(members["repeat_path"]) == {"members"}
    assert children[["ordinal", "parent_ordinal", "ordinal_path", "c_age"]].values.tolist() == [
        [1, 1, "1.1", 4], [2, 1, "1.2", 9]]
    assert set(children["repeat_path"]) == {"members/children"}


def test_empty_or_absent_repeat_gives_no_rows_but_the_table_exists():
    record = kobo_record()
    del record["payload"]["members"]
    tables = flatten(household_form(), [record])
    assert len(tables[MAIN]) == 1 and tables[MEMBERS].empty and "m_name" in tables[MEMBERS].columns


def test_untypable_values_become_null_and_are_reported():
    record = kobo_record(age="abc", visit="2026-02-31", loc="95 10 0 0", **{"grp/score": "1,5"})
    tables = flatten(household_form(), [record])
    row = tables[MAIN].iloc[0]
    assert pd.isna(row["age"]) and pd.isna(row["visit"]) and pd.isna(row["loc_lat"]) and pd.isna(row["score"])
    found = tables.issues.set_index("field")
    assert found.loc["age", "rule"] == "type_integer" and found.loc["age", "value"] == "abc"
    assert found.loc["visit", "rule"] == "type_date" and "'Visit date'" in found.loc["visit", "message"]
    assert found.loc["loc", "rule"] == "type_geopoint"
    assert found.loc["score", "rule"] == "type_decimal"
    assert set(tables.issues["org"]) == {"o1"}


def test_numbers_are_read_as_to_numeric_reads_them_whatever_the_rest_of_the_column():
    """A column of good numbers takes numpy's conversion; digit-group underscores and other scripts'
    digits, which Python's float would read, stay untypable, as does one bad value among good ones."""
    answers = ["12", " 7 ", "1e3", "1_000", "\u0661\u0662", "3.5", "abc", ""]
    records = [kobo_record(key=f"s{i}", age=age) for i, age in enumerate(answers)]
    tables = flatten(household_form(), records)
    ages = dict(zip(tables[MAIN]["submission_key"], tables[MAIN]["age"]))
    assert [ages[f"s{i}"] for i in range(3)] == [12, 7, 1000]
    assert all(pd.isna(ages[f"s{i}"]) for i in range(3, 8))
    flagged = tables.issues.loc[tables.issues["field"] == "age", "submission_key"]
    assert sorted(flagged) == ["s3", "s4", "s5", "s6"]  # "" is an empty answer, not a mistyped one
    clean = flatten(household_form(), [kobo_record(key=f"s{i}", age=str(i)) for i in range(3)])
    assert list(clean[MAIN]["age"]) == [0, 1, 2] and clean.issues.empty


def test_type_issue_in_a_repeat_names_the_line():
    record = kobo_record()
    record["payload"]["members"][0]["members/children"][1]["members/children/c_age"] = "nine"
    issues = flatten(household_form(), [record]).issues
    assert issues["message"].iloc[0].startswith("Household member 1, Child 2: 'Child age' must be a whole number")


def test_unknown_keys_are_ignored_and_counted():
    record = kobo_record(**{"old_question": "x", "grp/gone": "y", "meta/instanceID": "uuid:1"})
    tables = flatten(household_form(), [record, kobo_record("s2", old_question="z")])
    assert isinstance(tables, FlatTables) and "old_question" not in tables[MAIN].columns
    assert tables.unknown_keys == {"old_question": 2, "grp/gone": 1}


def test_non_dict_payloads_are_reported_as_malformed_without_rows():
    tables = flatten(household_form(), ["junk", {"submission_key": "k9", "payload": [1, 2]}, kobo_record()])
    assert tables[MAIN]["submission_key"].tolist() == ["s1"]
    assert tables.issues["rule"].tolist() == ["malformed_payload", "malformed_payload"]
    assert tables.issues["submission_key"].iloc[1] == "k9"


def test_questions_sharing_a_name_use_their_paths():
    from forms.definition import parse_markdown

    form = parse_markdown("""
| settings |
| | form_id |
| | twins |
| survey |
| | type | name | label |
| | begin group | a | A |
| | integer | n | N in A |
| | end group | | |
| | begin group | b | B |
| | integer | n | N in B |
| | end group | | |
""")
    record = {"submission_key": "k", "payload": {"a": {"n": 1}, "b": {"n": 2}}}
    main = flatten(form, [record])["stg_twins"]
    assert main[["a/n", "b/n"]].values.tolist() == [[1, 2]]
