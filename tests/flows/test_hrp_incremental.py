"""The 5W lines mart kept incrementally (SQLite and PostgreSQL): after edits, deletes and additions it equals a
rebuild from scratch; a night with nothing changed builds nothing; a changed list rebuilds every line; the
lines the database makes in SQL equal those ``fivew_lines`` makes, on odd rows and lists too; and the
reporting period's lines are the only ones read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial

import pandas as pd
import pytest
import sqlalchemy as sa

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
from warehouse import changes, fivew_mart, hrp_reads, staging
from warehouse.db import dispose, engine
from warehouse.fivew_mart import Refresh
from warehouse.hrp_marts import create_hrp_objects, write_fivew_activities
from warehouse.hrp_reads import view
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


def stage(url: str, rows: list[dict], odd: bool = False) -> None:
    """Stage ``rows`` as the nightly flow does; with ``odd``, edited first as ``make_odd`` says."""
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r} for r in rows]
    tables = dict(flatten(FORM, records))
    if odd:
        tables[MAIN], tables[REPEAT] = make_odd(tables[MAIN], tables[REPEAT])
    with engine(url).begin() as conn:
        staging.replace(conn, "fivew_monthly", tables)


UTC = timezone.utc
ODD_MONTHS = {  # submission (index in with_lines) -> its reporting month, its lines' month and last day (at UTC)
    0: None,
    1: (datetime(2026, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))), "2026-02", "2026-02-28"),
    2: (datetime(2024, 2, 29, 12, tzinfo=UTC), "2024-02", "2024-02-29"),
    3: (datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "2025-12", "2025-12-31"),
    4: (datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=3))), "2026-02", "2026-02-28"),
    5: (datetime(1999, 2, 1, tzinfo=UTC), "1999-02", "1999-02-28"),
}


def make_odd(main: pd.DataFrame, repeat: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The staged frames with what real 5Ws hold, in the submissions with lines (``with_lines``): a
    submission without a month (``ODD_MONTHS``: months at either end of a month, in other time zones, in a
    leap February), unknown and missing p-codes and partners, text beyond ASCII, lines without an indicator
    or with an unlisted one, missing numbers, and a submission without any line."""
    main, repeat = main.copy(), repeat.copy()
    keys = main["submission_key"][main["submission_key"].isin(repeat["submission_key"])].tolist()
    at = lambda row: main["submission_key"] == keys[row]
    months = main["reporting_month"].astype(object)
    for row, month in ODD_MONTHS.items():
        months[at(row)] = None if month is None else month[0].astimezone(UTC).replace(tzinfo=None)
    main["reporting_month"] = pd.to_datetime(months)
    for row, column, value in [(6, "admin2", None), (7, "admin2", "ZZ0199"), (8, "admin1", None),
                               (8, "admin2", None), (9, "implementing_partner", "NOT-LISTED"),
                               (10, "implementing_partner", None), (11, "site", None), (11, "reporting_org", None),
                               (12, "site", "Kajo-Keji — Ŝité «ü» 北")]:
        main.loc[at(row), column] = value
    for row, column, value in [(0, "indicator", None), (1, "indicator", "XX9.9"), (2, "quantity", None),
                               (2, "pwd_new", None), (3, "modality", None), (3, "activity", None)]:
        repeat.loc[repeat.index[row], column] = value
    return main, repeat[repeat["submission_key"] != keys[13]].reset_index(drop=True)


def with_lines(rows: list[dict]) -> list[str]:
    """The keys of the generated submissions that report activities, in order."""
    return [row["meta/rootUuid"] for row in rows if row.get("activities")]


def odd_lists() -> Lists:
    """The sample lists with what real lists hold: every p-code listed twice, with another name the second
    time (the first row names it), "counts people" as "Yes", "YES", "no" and "", and empty units and
    organisation types."""
    lists = Lists.read()
    gazetteer = pd.concat([lists.gazetteer, lists.gazetteer.assign(admin1Name_en="Second name",
                                                                   admin2Name_en="Second name")], ignore_index=True)
    activities = lists.activities.copy()
    activities["counts_people"] = ["Yes", "YES", "no", "", *activities["counts_people"].iloc[4:]]
    activities.loc[activities.index[5], "unit"] = ""
    partners = lists.partners.copy()
    partners.loc[partners.index[0], "org_type"] = ""
    return Lists(gazetteer.astype("str"), partners.astype("str"), activities.astype("str"))


def refresh_whole(url: str, lists: Lists, in_sql: bool) -> Refresh:
    """A refresh of the mart by ``fivew_mart.refresh``, in SQL (lookups given) or by chunks of ``fivew_lines``."""
    eng = engine(url)
    create_hrp_objects(eng)
    source = Source(MAIN, REPEAT, MAIN_INPUT, ACTIVITY_INPUT)
    return fivew_mart.refresh(eng, source, partial(fivew_lines, lists=lists), lists.fingerprint(), "L", chunk=5,
                              lookups=lists.lookups() if in_sql else None)


def not_by_chunks(*args, **kwargs):
    raise AssertionError("the lines were made by chunks, not in SQL")


def built(url: str) -> pd.DataFrame:
    return read_table(engine(url), "mart_fivew_built").sort_values("submission_key").reset_index(drop=True)


def in_a_far_time_zone(url: str) -> None:
    """Make PostgreSQL sessions of ``url`` run in a time zone other than UTC (nothing on SQLite)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE \"{parsed.database}\" SET timezone TO 'Asia/Tokyo'")
    admin.dispose()


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


def logged(url: str) -> list[str]:
    with engine(url).connect() as conn:
        upto = changes.last_seq(conn, "fivew_monthly")
        return [] if upto is None else sorted(conn.execute(changes.keys("fivew_monthly", upto)).scalars())


def followed(url: str) -> bool:
    with engine(url).connect() as conn:
        return changes.followed(conn, "fivew_monthly")


def restage_behind_stagings_back(url: str, key: str) -> None:
    """Change a staged submission's version without staging (so nothing is logged)."""
    with engine(url).begin() as conn:
        conn.execute(sa.text(f"UPDATE {MAIN} SET version_key = 'tampered' WHERE submission_key = :k"), {"k": key})


def test_once_built_the_mart_compares_only_what_staging_logged_and_then_forgets_it(url, tmp_path):
    rows = generate(FORM, N, SEED)
    stage(url, rows)
    cfg = config(url, tmp_path)
    assert not followed(url)
    night(cfg)
    assert followed(url) and logged(url) == []
    stage(url, [edited(rows[3], FORM, 1, changes={"site": "Edited site"})])
    assert logged(url) == [rows[3]["meta/rootUuid"]]
    restage_behind_stagings_back(url, rows[5]["meta/rootUuid"])
    assert night(cfg, "L2").refresh == Refresh(dropped=1, built=1, full=False)  # rows[5] was not logged
    assert logged(url) == []
    assert night(cfg, "L3").refresh == Refresh(dropped=0, built=0, full=False)


def test_a_mart_built_before_staging_logged_compares_every_submission_once_then_follows(url, tmp_path):
    rows = generate(FORM, N, SEED)
    stage(url, rows)
    cfg = config(url, tmp_path)
    night(cfg)
    with engine(url).begin() as conn:  # a warehouse of an earlier version: nothing followed, nothing logged
        conn.execute(changes.staging_followed.delete())
    restage_behind_stagings_back(url, rows[5]["meta/rootUuid"])
    stage(url, [edited(rows[3], FORM, 1)])
    assert logged(url) == []
    assert night(cfg, "L2").refresh == Refresh(dropped=2, built=2, full=False)
    assert followed(url) and logged(url) == []


def test_a_refresh_that_fails_keeps_the_logged_changes_for_the_next_night(url, tmp_path, monkeypatch):
    rows = generate(FORM, N, SEED)
    stage(url, rows)
    cfg = config(url, tmp_path)
    night(cfg)
    before = mart(url)
    stage(url, [edited(rows[3], FORM, 1, changes={"site": "Edited site"})])
    with monkeypatch.context() as patched:
        patched.setattr(fivew_mart, "_build_in_sql", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
        with pytest.raises(OSError):
            night(cfg, "L2")
    pd.testing.assert_frame_equal(mart(url), before)  # the refresh's transaction left nothing behind
    assert logged(url) == [rows[3]["meta/rootUuid"]]
    assert night(cfg, "L3").refresh == Refresh(dropped=1, built=1, full=False)
    pd.testing.assert_frame_equal(mart(url), from_scratch(url, Lists.read()))


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


def test_lines_made_in_sql_equal_the_lines_fivew_lines_makes_on_odd_rows_and_lists(url, monkeypatch):
    in_a_far_time_zone(url)
    rows = generate(FORM, N, SEED)
    keys = with_lines(rows)
    stage(url, rows, odd=True)
    lists = odd_lists()
    with engine(url).connect() as conn:
        assert fivew_mart.joinable_in_sql(view(conn, MAIN), view(conn, REPEAT), lists.lookups())
    monkeypatch.setattr(fivew_mart, "_build_in_chunks", not_by_chunks)
    assert refresh_whole(url, lists, in_sql=True) == Refresh(dropped=0, built=N, full=True)
    got = mart(url)
    pd.testing.assert_frame_equal(got, from_scratch(url, lists))
    staged = read_table(engine(url), MAIN)[["submission_key", "version_key"]]
    pd.testing.assert_frame_equal(built(url)[["submission_key", "version_key"]], staged)
    assert set(built(url)["load_id"]) == {"L"}
    line = got.groupby("submission_key").first()
    for row, month in ODD_MONTHS.items():
        bounds = line.loc[keys[row], ["month", "date_end"]]
        assert bounds.isna().all() if month is None else tuple(bounds) == month[1:]
    assert keys[13] not in line.index  # built, without lines
    assert line.loc[keys[12], "site"] == "Kajo-Keji — Ŝité «ü» 北"
    assert line.loc[keys[7], "admin2_pcode"] == "ZZ0199" and pd.isna(line.loc[keys[7], "admin2_name"])
    assert pd.isna(line.loc[keys[9], "org_type"])
    assert not got.loc[got["indicator_code"].isna() | (got["indicator_code"] == "XX9.9"), "counts_people"].any()
    names = set(got["admin1_name"]) | set(got["admin2_name"])
    assert "Second name" not in names and names & set(lists.gazetteer["admin2Name_en"])
    counted = dict(zip(lists.activities["indicator_code"], lists.activities["counts_people"].str.lower() == "yes"))
    listed = got[got["indicator_code"].isin(counted)]
    assert listed["counts_people"].tolist() == listed["indicator_code"].map(counted).tolist()
    assert {True, False} <= set(listed["counts_people"])


def test_the_period_lines_read_from_the_drivers_rows_equal_those_read_through_sqlalchemy(url):
    stage(url, generate(FORM, N, SEED), odd=True)  # unicode, missing names, numbers and indicators
    refresh_whole(url, odd_lists(), in_sql=True)
    got = hrp_reads.read_fivew_lines(engine(url), None, None)
    want = mart(url)
    want = want[want["date_start"].notna()].reset_index(drop=True)  # a line without a month is in no period
    assert len(got) > 0 and {str(t) for t in got.dtypes} == {"str", "Int64", "boolean"}
    pd.testing.assert_frame_equal(got, want)


def test_lines_made_in_sql_or_by_chunks_are_the_same_after_edits_deletes_and_additions(url):
    rows = generate(FORM, N, SEED)
    stage(url, rows, odd=True)
    lists = odd_lists()
    assert refresh_whole(url, lists, in_sql=True).full
    stage(url, [edited(rows[3], FORM, 1, changes={"admin2": "ZZ0199"}), generate_row(FORM, N + 1, SEED)])
    with engine(url).begin() as conn:
        staging.delete_submissions(conn, "fivew_monthly", [rows[7]["meta/rootUuid"]])
    assert refresh_whole(url, lists, in_sql=True) == Refresh(dropped=2, built=2, full=False)
    in_sql, in_sql_built = mart(url), built(url)
    with engine(url).begin() as conn:
        write_fivew_activities(conn, in_sql.head(0), "L")
    assert refresh_whole(url, lists, in_sql=False) == Refresh(dropped=0, built=N, full=True)
    pd.testing.assert_frame_equal(in_sql, mart(url))
    pd.testing.assert_frame_equal(in_sql_built, built(url))
    pd.testing.assert_frame_equal(in_sql, from_scratch(url, lists))


def test_lines_are_made_by_chunks_when_a_staged_column_is_not_of_its_usual_kind(url):
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r}
               for r in generate(FORM, N, SEED)]
    tables = dict(flatten(FORM, records))
    tables[MAIN]["site"] = pd.array(range(N), dtype="Int64")  # a form whose sites are numbers
    with engine(url).begin() as conn:
        staging.replace(conn, "fivew_monthly", tables)
    lists = Lists.read()
    with engine(url).connect() as conn:
        assert not fivew_mart.joinable_in_sql(view(conn, MAIN), view(conn, REPEAT), lists.lookups())
    assert refresh_whole(url, lists, in_sql=True) == Refresh(dropped=0, built=N, full=True)
    got = mart(url)
    pd.testing.assert_frame_equal(got, from_scratch(url, lists))
    assert set(got["site"]) <= {str(i) for i in range(N)} and len(set(got["site"])) > N // 2


def test_lines_are_made_by_chunks_when_a_list_has_a_missing_code(url):
    stage(url, generate(FORM, N, SEED), odd=True)  # with a submission without admin2
    lists = Lists.read()
    gazetteer = pd.concat([lists.gazetteer, lists.gazetteer.head(1).assign(admin2Pcode=None, admin2Name_en="None")],
                          ignore_index=True)
    unnamed = Lists(gazetteer, lists.partners, lists.activities)
    with engine(url).connect() as conn:
        main, repeat = view(conn, MAIN), view(conn, REPEAT)
        assert fivew_mart.joinable_in_sql(main, repeat, lists.lookups())
        assert not fivew_mart.joinable_in_sql(main, repeat, unnamed.lookups())
    assert refresh_whole(url, unnamed, in_sql=True).full
    got = mart(url)
    pd.testing.assert_frame_equal(got, from_scratch(url, unnamed))
    assert set(got.loc[got["admin2_pcode"].isna(), "admin2_name"]) == {"None"}  # as a DataFrame merge matches


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
