"""Synthetic submissions: KoBo shape, determinism, realistic mixes and the form's consistency rules."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from connectors.sandbox.example_form import example_form
from connectors.synthetic import edited, generate, to_odk
from forms.definition import SOURCES_DIR, load_form


@pytest.fixture(scope="module")
def form():
    return example_form()


@pytest.fixture(scope="module")
def rows(form):
    return generate(form, 400, seed=7)


def _answers(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_") and k != "activities"}


def test_same_seed_gives_the_same_rows_and_another_seed_different_ones(form, rows):
    assert generate(form, 400, seed=7) == rows
    assert generate(form, 400, seed=8) != rows
    assert generate(form, 5, seed=7) == rows[:5]


def test_rows_have_kobo_shape_slash_paths_and_string_values(rows):
    row = rows[0]
    assert "grp/age" in row and "grp/gps" in row and "age" not in row
    for key, value in _answers(row).items():
        assert isinstance(value, str), (key, value)
    lat, lon, alt, acc = (float(x) for x in row["grp/gps"].split())
    assert 3 < lat < 13 and 23 < lon < 36
    assert all(code in ("a", "b", "c") for code in row["topics"].split(" "))
    datetime.strptime(row["start"][:19], "%Y-%m-%dT%H:%M:%S")


def test_repeats_are_lists_of_full_path_dicts_and_empty_repeats_have_no_key(rows):
    with_lines = [r for r in rows if "activities" in r]
    assert 0 < len(with_lines) < len(rows)
    assert all(r["activities"] for r in with_lines)
    line = with_lines[0]["activities"][0]
    assert set(line) <= {"activities/act_name", "activities/reached_f", "activities/reached_m",
                         "activities/reached_total", "activities/reached_new"}
    assert all(isinstance(v, str) for v in line.values())


def test_metadata_ids_times_and_uuids(rows):
    assert [r["_id"] for r in rows] == list(range(1, 401))
    times = [r["_submission_time"] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(len(t) == 19 and not t.endswith("Z") and "+" not in t for t in times)
    row = rows[0]
    assert row["meta/instanceID"] == f"uuid:{row['_uuid']}" == row["meta/rootUuid"]
    assert row["_validation_status"] == {} and row["_attachments"] == [] and row["__version__"].startswith("v")
    assert len({r["_uuid"] for r in rows}) == len(rows)


def test_constraints_bound_numbers(rows):
    assert all(18 <= int(r["grp/age"]) <= 30 for r in rows)
    assert all(0 <= float(r["grp/score"]) <= 5 for r in rows)


def test_admin2_is_chosen_inside_its_admin1(rows):
    assert all(r["admin2"].startswith(r["admin1"]) for r in rows)


def test_cells_add_up_to_the_total_and_new_never_exceeds_it(rows):
    lines = [line for r in rows for line in r.get("activities", [])]
    assert len(lines) > 100
    for line in lines:
        total = int(line["activities/reached_total"])
        assert total == int(line["activities/reached_f"]) + int(line["activities/reached_m"])
        assert int(line["activities/reached_new"]) <= total


def test_mixes_are_realistic_org_types_special_codes_and_comments(rows):
    org_types = Counter(r["org_type"] for r in rows)
    assert org_types["nngo"] > org_types["un"] > org_types["donor"] > 0
    dont_know = sum(r["q1"] == "99" for r in rows) / len(rows)
    assert 0.05 < dont_know < 0.16
    comments = sum("comment_1" in r for r in rows) / len(rows)
    assert 0.3 < comments < 0.5


def test_odk_shape_nests_groups_types_values_and_swaps_geopoint_axes(form, rows):
    row = next(r for r in rows if "activities" in r)
    odk = to_odk(row, form)
    assert odk["__id"] == row["meta/rootUuid"] and odk["meta"]["instanceID"] == row["meta/instanceID"]
    assert odk["grp"]["age"] == int(row["grp/age"]) and isinstance(odk["grp"]["score"], float)
    lat, lon, alt, _ = (float(x) for x in row["grp/gps"].split())
    assert odk["grp"]["gps"]["type"] == "Point" and odk["grp"]["gps"]["coordinates"] == [lon, lat, alt]
    assert odk["topics"] == row["topics"] and "comment_1" in odk
    assert [a["reached_total"] for a in odk["activities"]] == \
        [int(a["activities/reached_total"]) for a in row["activities"]]
    system = odk["__system"]
    assert system["submissionDate"] == row["_submission_time"] + ".000Z"
    assert system["updatedAt"] is None and system["deletedAt"] is None and system["formVersion"] == "2026.1"
    assert set(system) >= {"submissionDate", "updatedAt", "deletedAt", "reviewState", "submitterId", "formVersion"}


def test_an_edit_keeps_id_root_uuid_and_time_and_changes_the_instance(form, rows):
    row = rows[3]
    new = edited(row, form, 1, seed=7, changes={"q1": "2"})
    assert (new["_id"], new["meta/rootUuid"], new["_submission_time"]) == \
        (row["_id"], row["meta/rootUuid"], row["_submission_time"])
    assert new["_uuid"] != row["_uuid"] and new["meta/deprecatedID"] == row["meta/instanceID"]
    assert new["q1"] == "2"


@pytest.mark.skipif(not (SOURCES_DIR / "fivew_monthly.md").exists(), reason="5W form source not written yet")
def test_the_shipped_5w_form_generates_consistent_lines():
    form = load_form("fivew_monthly")
    lines = [line for r in generate(form, 60, seed=3) for line in r.get("activities", [])]
    cells = ("girls", "boys", "women", "men", "elderly_women", "elderly_men")
    for line in lines:
        def get(key):
            return int(line[f"activities/{key}"])
        assert get("reached_total") == sum(get(f"total_by_group/total_{c}") for c in cells)
        assert get("reached_new") == sum(get(f"new_by_group/new_{c}") for c in cells)
        assert all(get(f"new_by_group/new_{c}") <= get(f"total_by_group/total_{c}") for c in cells)
        assert get("pwd_total") <= get("reached_total") and get("pwd_new") <= min(get("pwd_total"),
                                                                                 get("reached_new"))
