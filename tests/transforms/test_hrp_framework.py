"""HRP framework import: the shipped sample is consistent; bad rows are all reported with where and what."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.hrp_fivew import Lists
from transforms.hrp_framework import DEFAULT_FRAMEWORK, FrameworkError, load_framework


@pytest.fixture(scope="module")
def lists() -> Lists:
    return Lists.read()


def checks(lists: Lists) -> dict:
    gaz = lists.gazetteer
    return {"activities": set(lists.activities["indicator_code"]),
            "pcodes": set(gaz["admin0Pcode"]) | set(gaz["admin1Pcode"]) | set(gaz["admin2Pcode"])}


def test_the_shipped_sample_matches_the_activity_list_and_gazetteer(lists):
    fw = load_framework(DEFAULT_FRAMEWORK, **checks(lists))
    assert set(fw.indicators["indicator_code"]) - {"CA3.2"} <= set(lists.activities["indicator_code"])
    people = dict(zip(lists.activities["indicator_code"], lists.activities["counts_people"] == "yes"))
    for code, counts in zip(fw.indicators["indicator_code"], fw.indicators["counts_people"]):
        assert counts == people.get(code, False), code
    assert len(fw.caseload()) == len(lists.gazetteer)


def test_a_workbook_reads_like_the_csv_pair(tmp_path, lists):
    book = tmp_path / "framework.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.read_csv(DEFAULT_FRAMEWORK, dtype=str).to_excel(writer, sheet_name="framework", index=False)
        pd.read_csv(DEFAULT_FRAMEWORK.with_name("hrp_targets.csv"), dtype=str).to_excel(
            writer, sheet_name="targets", index=False)
    from_book, from_csv = load_framework(book, **checks(lists)), load_framework(DEFAULT_FRAMEWORK)
    pd.testing.assert_frame_equal(from_book.targets, from_csv.targets)
    pd.testing.assert_frame_equal(from_book.indicators, from_csv.indicators)


def test_every_bad_row_is_reported_with_file_row_column_value_and_fix(tmp_path, lists):
    frame = pd.read_csv(DEFAULT_FRAMEWORK, dtype=str, keep_default_na=False)
    frame.loc[1, "across_periods"] = "cumulative"
    frame.loc[2, "denominator"] = ""
    frame.loc[4, "unit"] = "people"
    frame.to_csv(tmp_path / "hrp_framework.csv", index=False)
    targets = pd.read_csv(DEFAULT_FRAMEWORK.with_name("hrp_targets.csv"), dtype=str, keep_default_na=False)
    targets.loc[0, "target"] = "1,200"
    targets.loc[3, "pcode"] = "XX99"
    targets.to_csv(tmp_path / "hrp_targets.csv", index=False)
    with pytest.raises(FrameworkError) as caught:
        load_framework(tmp_path / "hrp_framework.csv", **checks(lists))
    found = {(e.file.rsplit("/", 1)[-1], e.row, e.column, e.value) for e in caught.value.errors}
    assert found == {("hrp_framework.csv", 3, "across_periods", "cumulative"),
                     ("hrp_framework.csv", 4, "denominator", ""), ("hrp_framework.csv", 6, "unit", "people"),
                     ("hrp_targets.csv", 2, "target", "1,200"), ("hrp_targets.csv", 5, "pcode", "XX99")}
    message = str(caught.value)
    assert "row 3, column 'across_periods'" in message and "must be one of sum, max, avg, latest" in message


def test_a_missing_column_is_named(tmp_path):
    pd.read_csv(DEFAULT_FRAMEWORK, dtype=str).drop(columns=["across_locations"]).to_csv(
        tmp_path / "hrp_framework.csv", index=False)
    (tmp_path / "hrp_targets.csv").write_text(DEFAULT_FRAMEWORK.with_name("hrp_targets.csv").read_text())
    with pytest.raises(FrameworkError, match="no column 'across_locations'"):
        load_framework(tmp_path / "hrp_framework.csv")
