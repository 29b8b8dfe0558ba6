"""The generated Great Expectations suite, quarantine of whole submissions, and hostile input."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from transform_forms import household_form, kobo_record, odk_record  # noqa: E402

from transforms.flatten import flatten  # noqa: E402
from transforms.issues import ISSUE_COLUMNS  # noqa: E402
from transforms.validate import validate  # noqa: E402
from transforms.validate_suite import build_suite, parse_range  # noqa: E402

MAIN, MEMBERS, CHILDREN = "stg_household", "stg_household__members", "stg_household__children"


def run(records):
    form = household_form()
    return validate(form, flatten(form, records))


def test_good_submissions_pass_untouched():
    clean, issues = run([kobo_record("a"), odk_record("b")])
    assert issues.empty and list(issues.columns) == ISSUE_COLUMNS
    assert clean[MAIN]["submission_key"].tolist() == ["a", "b"] and len(clean[CHILDREN]) == 4


def test_required_unconditional_question_left_empty():
    clean, issues = run([kobo_record("a", age=""), kobo_record("b")])
    assert issues[["submission_key", "rule", "field"]].values.tolist() == [["a", "required", "age"]]
    assert "'Age of respondent' is required" in issues["message"].iloc[0]
    assert clean[MAIN]["submission_key"].tolist() == ["b"]


def test_required_question_with_relevant_is_not_checked():
    _, issues = run([kobo_record("a", **{"grp/score": "3"})])  # 'why' is required only when relevant
    assert issues.empty


def test_required_in_a_repeat_is_checked_per_line():
    record = kobo_record("a")
    record["payload"]["members"][1]["members/m_name"] = ""
    _, issues = run([record])
    assert issues["message"].tolist() == [
        "Household member 2: 'Member name' is required but was left empty. Answer it and send the form again."]


def test_unknown_choice_codes_for_select_one_and_select_multiple():
    record = kobo_record("a", reporting_org="o9", **{"grp/needs": "food fuel"})
    _, issues = run([record, kobo_record("b")])
    found = issues.set_index("field")
    assert found.loc["reporting_org", "rule"] == "choice_unknown" and found.loc["reporting_org", "value"] == "o9"
    assert found.loc["needs", "rule"] == "choice_unknown" and found.loc["needs", "value"] == "food fuel"
    assert set(issues["submission_key"]) == {"a"}


def test_numeric_ranges_from_simple_constraints():
    record = kobo_record("a", age="130", **{"grp/score": "4"})  # score <= 4 passes, age <= 120 fails
    record["payload"]["members"][0]["members/children"][0]["members/children/c_age"] = "18"  # . < 18
    _, issues = run([record])
    assert sorted(issues["field"]) == ["age", "c_age"] and set(issues["rule"]) == {"range"}
    age = issues.set_index("field").loc["age"]
    assert age["value"] == "130" and "must be at least 0 and at most 120" in age["message"]
    assert "less than 18" in issues.set_index("field").loc["c_age", "message"]


def test_parse_range_reads_simple_comparisons_only():
    assert parse_range(". >= 0 and . <= 4") == {"min_value": 0, "strict_min": False, "max_value": 4,
                                                  "strict_max": False}
    assert parse_range("0 < .") == {"min_value": 0, "strict_min": True}
    assert parse_range(". >= 0 and . <= ${reached_total}") == {"min_value": 0, "strict_min": False}
    assert parse_range(". < 0 or . > 10") is None and parse_range("regex(., '^a')") is None


def test_a_bad_repeat_line_quarantines_the_whole_submission():
    record = kobo_record("a")
    record["payload"]["members"][0]["members/children"][1]["members/children/c_age"] = "x"
    clean, issues = run([record, kobo_record("b")])
    assert set(issues["submission_key"]) == {"a"}
    for name in (MAIN, MEMBERS, CHILDREN):
        assert set(clean[name]["submission_key"]) == {"b"}


def test_mistyped_required_answer_is_reported_once():
    _, issues = run([kobo_record("a", age="thirty")])
    assert issues["rule"].tolist() == ["type_integer"]


HOSTILE_TEXT = ["x" * 100_000, "مرحبا بالعالم", "🎉🔥 ok", "'; DROP TABLE stg_household; --", "Robert'); --"]
BAD_INTEGERS = ["abc", "1e400", "NaN", " ", "3.7", "12abc", "\x00\x07", {"nested": ["x"]}, [1, 2], True,
                "٣٤", "'; DROP TABLE x; --", "🎉"]
BREAKERS = {
    "payload": lambda r, rng: r.update(payload=rng.choice(["not json", 42, None, ["a"]])),
    "age": lambda r, rng: r["payload"].update(age=rng.choice(BAD_INTEGERS)),
    "visit": lambda r, rng: r["payload"].update(visit=rng.choice(["2026-02-31", "yesterday", 12, {"d": 1}])),
    "members": lambda r, rng: r["payload"].update(members=rng.choice(["oops", [1, 2], [{"m_name": ""}]])),
    "org": lambda r, rng: r["payload"].update(reporting_org=rng.choice(["'; DELETE FROM x; --", "منظمة", "🙂"])),
    "loc": lambda r, rng: r["payload"].update(loc=rng.choice(
        ["north", "1 2 3 4 5", {"type": "Point", "coordinates": "x"}, "91 0 0 0"])),
}


def _add_noise(record, rng) -> None:
    """Harmless oddities a good submission may carry: odd text, unknown and SQL-looking keys, a missing group."""
    payload = record["payload"]
    payload["'; DROP TABLE x; --"] = "🎉" * 50
    payload["note_text"] = rng.choice(HOSTILE_TEXT)
    payload.pop("grp", None)
    payload.pop("grp/needs", None)


def _hostile_batch(rng: random.Random, n: int) -> tuple[list, set[str]]:
    """n records, KoBo or ODK shaped, a third of them broken in one way; returns the keys of the broken ones."""
    records, broken = [], set()
    for i in range(n):
        record = kobo_record(f"k{i}") if rng.random() < 0.5 else odk_record(f"k{i}")
        if rng.random() < 0.3:
            _add_noise(record, rng)
        if rng.random() < 0.35:
            rng.choice(list(BREAKERS.values()))(record, rng)
            broken.add(f"k{i}")
        records.append(record)
    return records, broken


def test_fuzzed_hostile_batch_never_raises_and_sorts_every_row():
    records, broken = _hostile_batch(random.Random(20260301), 400)
    clean, issues = run(records)
    assert set(issues["submission_key"]) == broken
    assert set(clean[MAIN]["submission_key"]) == {f"k{i}" for i in range(400)} - broken
    for name in (MEMBERS, CHILDREN):
        assert set(clean[name]["submission_key"]).isdisjoint(broken)
    assert issues["message"].notna().all() and all(len(v) <= 200 for v in issues["value"].dropna())


def test_fuzzed_batch_keeps_good_text_intact():
    records, broken = _hostile_batch(random.Random(5), 60)
    clean, _ = run(records)
    texts = dict(zip(clean[MAIN]["submission_key"], clean[MAIN]["note_text"]))
    for record in records:
        key = record["submission_key"]
        if key in texts:
            assert texts[key] == record["payload"]["note_text"]


def test_timing_of_flatten_and_validate_on_5000_rows():
    rng = random.Random(7)
    records = [kobo_record(f"t{i}", age=str(rng.randrange(0, 140))) for i in range(5000)]
    form = household_form()
    started = time.perf_counter()
    tables = flatten(form, records)
    flat = time.perf_counter()
    clean, issues = validate(form, tables)
    done = time.perf_counter()
    print(f"\nflatten 5000 rows: {flat - started:.2f}s; validate: {done - flat:.2f}s; "
          f"{len(issues)} issues, {len(clean[MAIN])} clean")
    assert len(clean[MAIN]) + issues["submission_key"].nunique() == 5000


def test_gx_sees_only_checked_columns_with_plain_numbers_and_clean_tables_keep_their_types():
    from transforms.validate import gx_frame

    form = household_form()
    tables = flatten(form, [kobo_record("a"), kobo_record("b", age="")])
    suite = build_suite(form, None, tables[MAIN].columns)
    given = gx_frame(tables[MAIN].set_axis([7, 9]), suite)
    assert set(given.columns) == {e.column for e in suite.expectations} < set(tables[MAIN].columns)
    assert given.index.tolist() == [0, 1] and str(given["age"].dtype) == "float64"
    clean, issues = validate(form, tables)
    assert issues["submission_key"].tolist() == ["b"] and str(clean[MAIN]["age"].dtype) == "Int64"


def test_validation_result_holds_full_results_for_the_expectations_that_failed():
    """The suite runs with counts only (BASIC) first, then in full for the failed expectations alone: the
    result kept (Data Docs) has one entry per expectation, the failed ones with every unexpected value and
    its row."""
    form, results = household_form(), []
    tables = flatten(form, [kobo_record("a"), kobo_record("b", age="130"), kobo_record("c", reporting_org="o9")])
    _, issues = validate(form, tables, collect=results)
    main = next(r for r in results if r.suite_name == MAIN)
    suite = build_suite(form, None, tables[MAIN].columns)
    assert len(main.results) == len(suite.expectations)
    failed = {(o.expectation_config.kwargs["column"], o.expectation_config.meta["rule"]): o.result
              for o in main.results if not o.success}
    assert set(failed) == {("age", "range"), ("reporting_org", "choice_unknown")}
    assert failed[("age", "range")]["unexpected_index_list"] == [1]
    assert failed[("age", "range")]["unexpected_list"] == [130.0]
    assert failed[("reporting_org", "choice_unknown")]["unexpected_list"] == ["o9"]
    assert main.statistics["unsuccessful_expectations"] == 2
    assert sorted(issues["submission_key"]) == ["b", "c"]
