"""The 5W lines mart kept incrementally (SQLite and PostgreSQL): after edits, deletes and additions it equals a
rebuild from scratch; a night with nothing changed builds nothing; a changed list rebuilds every line; and
the reporting period's lines are the only ones read."""

from __future__ import annotations

from functools import partial

import pandas as pd
import pytest

from connectors.synthetic import edited, generate, generate_row
from flows.config import parse_config
from flows.hrp import MAIN, REPEAT, Source, build_marts, load_checked_framework, run_hrp
from flows.stage import list_files
from forms.definition import load_form
from forms.lists import LISTS_DIR
from reports.hrp_data import load_hrp_report_data
from transforms.flatten import flatten
from transforms.hrp_fivew import ACTIVITY_INPUT, MAIN_INPUT, Lists, fivew_lines, in_period
from transforms.hrp_indicators import indicator_progress
from warehouse import fivew_mart, hrp_reads, staging
from warehouse.db import dispose, engine
from warehouse.fivew_mart import Refresh
from warehouse.hrp_marts import create_hrp_objects, write_fivew_activities
from warehouse.staging import read_table

FORM = load_form("fivew_monthly")
SEED, N = 2, 30
KEYS = ["submission_key", "ordinal"]


@pytest.fixture
def url(warehouse_url):
    yield warehouse_url
    dispose(warehouse_url)


def config(url: str, tmp_path, period: dict | None = None, lists: dict | None = None):
    return parse_config({"country": "SSD", "cluster": "CP", "warehouse": url, "reports_dir": str(tmp_path / "out"),
                         "sources": {"kobo": {"kind": "kobo"}}, "forms": [{"form": "fivew_monthly", "source": "kobo"}],
                         "lists": lists or {}, **({"reporting_period": period} if period else {})})


def stage(url: str, rows: list[dict]) -> None:
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r} for r in rows]
    with engine(url).begin() as conn:
        staging.replace(conn, "fivew_monthly", dict(flatten(FORM, records)))


def night(cfg, load_id: str = "L"):
    lists = Lists.read(list_files(cfg))
    return build_marts(cfg, load_id, lists, load_checked_framework(cfg, lists))


def mart(url: str) -> pd.DataFrame:
    return read_table(engine(url), "fivew_activities").sort_values(KEYS).reset_index(drop=True)


def from_scratch(url: str, lists: Lists) -> pd.DataFrame:
    """The lines built the way the mart used to be: from every staged row at once."""
    eng = engine(url)
    lines = fivew_lines(read_table(eng, MAIN), read_table(eng, REPEAT), lists)
    return lines.sort_values(KEYS).reset_index(drop=True)


def test_after_an_edit_a_delete_and_an_addition_the_mart_equals_a_rebuild_from_scratch(url, tmp_path):
    rows = generate(FORM, N, SEED)
    stage(url, rows)
    cfg = config(url, tmp_path)
    assert night(cfg).refresh == Refresh(dropped=0, built=N, full=True)
    changed = edited(rows[3], FORM, 1, changes={"site": "Edited site"})
    stage(url, [changed, generate_row(FORM, N + 1, SEED)])
    with engine(url).begin() as conn:
        staging.delete_submissions(conn, "fivew_monthly", [rows[7]["meta/rootUuid"]])
    assert night(cfg, "L2").refresh == Refresh(dropped=2, built=2, full=False)
    got = mart(url)
    pd.testing.assert_frame_equal(got, from_scratch(url, Lists.read()))
    assert rows[7]["meta/rootUuid"] not in set(got["submission_key"])
    assert set(got.loc[got["submission_key"] == changed["meta/rootUuid"], "site"]) == {"Edited site"}


def test_a_night_with_nothing_changed_builds_nothing_and_leaves_the_mart_as_it_was(url, tmp_path):
    stage(url, generate(FORM, N, SEED))
    cfg = config(url, tmp_path)
    night(cfg)
    before = mart(url)
    assert night(cfg, "L2").refresh == Refresh(dropped=0, built=0, full=False)
    pd.testing.assert_frame_equal(mart(url), before)


def test_a_changed_list_rebuilds_every_line_with_the_new_names(url, tmp_path):
    stage(url, generate(FORM, N, SEED))
    night(config(url, tmp_path))
    gazetteer = pd.read_csv(LISTS_DIR / "gazetteer.csv", dtype=str)
    pcode = mart(url)["admin2_pcode"].iloc[0]
    gazetteer.loc[gazetteer["admin2Pcode"] == pcode, "admin2Name_en"] = "Renamed Place"
    gazetteer.to_csv(tmp_path / "gazetteer.csv", index=False)
    cfg = config(url, tmp_path, lists={"gazetteer": str(tmp_path / "gazetteer.csv")})
    assert night(cfg, "L2").refresh == Refresh(dropped=0, built=N, full=True)
    got = mart(url)
    assert set(got.loc[got["admin2_pcode"] == pcode, "admin2_name"]) == {"Renamed Place"}
    pd.testing.assert_frame_equal(got, from_scratch(url, Lists.read(list_files(cfg))))
    assert night(cfg, "L3").refresh == Refresh(dropped=0, built=0, full=False)


def test_a_rebuild_in_small_chunks_equals_one_in_a_single_chunk(url):
    stage(url, generate(FORM, N, SEED))
    eng, lists = engine(url), Lists.read()
    create_hrp_objects(eng)
    source = Source(MAIN, REPEAT, MAIN_INPUT, ACTIVITY_INPUT)
    build = partial(fivew_lines, lists=lists)
    assert fivew_mart.refresh(eng, source, build, lists.fingerprint(), "L", chunk=4) == Refresh(0, N, True)
    pd.testing.assert_frame_equal(mart(url), from_scratch(url, lists))
    with eng.begin() as conn:  # a mart written whole is rebuilt from staging by the next refresh
        write_fivew_activities(conn, from_scratch(url, lists).head(3), "L")
    assert fivew_mart.refresh(eng, source, build, lists.fingerprint(), "L", chunk=7) == Refresh(0, N, True)
    pd.testing.assert_frame_equal(mart(url), from_scratch(url, lists))


def test_only_the_reporting_periods_lines_are_read_and_counted(url, tmp_path, monkeypatch):
    stage(url, generate(FORM, N, SEED))
    start, end = "2025-12-01", "2025-12-31"
    read = []
    original = hrp_reads.read_frame
    monkeypatch.setattr(hrp_reads, "read_frame", lambda conn, select: read.append(original(conn, select)) or read[-1])
    files = run_hrp(config(url, tmp_path, {"start": start, "end": end}), "L")
    lines_read = [frame for frame in read if "date_start" in frame.columns]
    assert len(lines_read) == 1  # read once, for the indicator progress and the outputs
    assert all(((f["date_end"] >= start) & (f["date_start"] <= end)).all() for f in lines_read)
    everything = mart(url)
    in_month = in_period(everything, start, end)
    assert 0 < len(in_month) < len(everything)  # lines outside the period exist, and were not read
    lists = Lists.read()
    framework = load_checked_framework(config(url, tmp_path), lists)
    want = indicator_progress(in_month, framework, lists, start, end)
    got = read_table(engine(url), "hrp_indicator_progress")
    got = got[got["reporting_period"] == f"{start}/{end}"]
    key = ["indicator_code", "admin_pcode", "period"]
    pd.testing.assert_series_equal(got.set_index(key).sort_index()["achieved"].astype("float64"),
                                   want.set_index(key).sort_index()["achieved"], check_names=False)
    fivew_csv = next(p for p in files if p.name.startswith("fivew_") and p.name.endswith("_hxl.csv"))
    assert len(pd.read_csv(fivew_csv, skiprows=[1])) == len(in_month)
    data = load_hrp_report_data(engine(url), framework, lists, country="SSD", cluster="CP", start=start, end=end)
    pd.testing.assert_frame_equal(data.lines, in_period(read_table(engine(url), "fivew_activities"), start, end))
    assert set(data.progress["reporting_period"]) == {f"{start}/{end}"}


def test_the_default_period_is_the_first_and_last_day_of_the_months_in_the_mart(url, tmp_path):
    eng = engine(url)
    create_hrp_objects(eng)
    assert hrp_reads.fivew_period(eng, None, None) == ("", "")
    stage(url, generate(FORM, N, SEED))
    marts = night(config(url, tmp_path))
    lines = from_scratch(url, Lists.read())
    assert (marts.start, marts.end) == (lines["date_start"].min(), lines["date_end"].max())
    assert hrp_reads.fivew_period(eng, "2025-12-05", None) == ("2025-12-05", lines["date_end"].max())
    assert hrp_reads.fivew_period(eng, None, "2026-01-31T00:00") == (lines["date_start"].min(), "2026-01-31")
