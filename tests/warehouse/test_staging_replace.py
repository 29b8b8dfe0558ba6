"""Staging: replace parents with all their repeat rows, typed columns, evolution and drift, odd names."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from warehouse import changes, staging
from warehouse.schema import staging_changes
from warehouse.staging import SchemaDriftError

MAIN, REPEAT = "stg_fivew_monthly", "stg_fivew_monthly__activities"


def _main(keys, **columns) -> pd.DataFrame:
    return pd.DataFrame({"submission_key": pd.Series(keys, dtype="str"), **columns})


def _repeat(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["submission_key", "repeat_path", "ordinal", "reached"])
    return frame.astype({"submission_key": "str", "repeat_path": "str", "ordinal": "Int64", "reached": "Int64"})


def _replace(engine, tables) -> dict:
    with engine.begin() as conn:
        return staging.replace(conn, "fivew_monthly", tables)


def test_replace_creates_typed_tables_that_read_back_with_their_dtypes(wh):
    main = _main(
        ["s1", "s2"],
        reached=pd.Series([10, None], dtype="Int64"),
        share=pd.Series([0.5, None], dtype="Float64"),
        is_new=pd.Series([True, None], dtype="boolean"),
        start=pd.to_datetime(pd.Series(["2024-03-01T10:00:00+03:00", None]), utc=True),
        admin1=pd.Series(["SS01", None], dtype="str"),
    )
    assert _replace(wh, {MAIN: main}) == {MAIN: 2}
    back = staging.read_table(wh, MAIN)
    assert {c: str(t) for c, t in back.dtypes.items()} == {
        "submission_key": "str", "reached": "Int64", "share": "Float64", "is_new": "boolean",
        "start": "datetime64[us, UTC]", "admin1": "str",
    }
    pd.testing.assert_frame_equal(back, main, check_dtype=False)
    assert back.loc[0, "start"] == pd.Timestamp("2024-03-01T07:00:00Z")


def test_timestamps_of_any_zone_or_none_are_stored_as_the_same_utc_instant(wh):
    def times(*texts):
        return pd.to_datetime(pd.Series(texts), format="ISO8601")

    main = _main(
        ["s1", "s2", "s3"],
        juba=times("2024-03-01T10:00:00.123456", None, "2024-12-31T23:30:00").dt.tz_localize("Africa/Juba"),
        naive=times("2024-03-01T07:00:00.123456", "2024-06-30T00:00:00", None),
    )
    _replace(wh, {MAIN: main})
    back = staging.read_table(wh, MAIN).set_index("submission_key")
    assert back.loc["s1", "juba"] == pd.Timestamp("2024-03-01T08:00:00.123456Z")  # Juba is UTC+2
    assert back.loc["s3", "juba"] == pd.Timestamp("2024-12-31T21:30:00Z")
    assert back.loc["s1", "naive"] == pd.Timestamp("2024-03-01T07:00:00.123456Z")  # naive is taken as UTC
    assert pd.isna(back.loc["s2", "juba"]) and pd.isna(back.loc["s3", "naive"])


def test_a_changed_parent_replaces_all_its_repeat_rows(wh):
    _replace(wh, {MAIN: _main(["s1", "s2"]), REPEAT: _repeat([
        ("s1", "activities", 1, 5), ("s1", "activities", 2, 6), ("s1", "activities", 3, 7),
        ("s2", "activities", 1, 8),
    ])})
    _replace(wh, {MAIN: _main(["s1"]), REPEAT: _repeat([("s1", "activities", 1, 50)])})
    rows = staging.read_table(wh, REPEAT)
    assert rows[["submission_key", "ordinal", "reached"]].values.tolist() == [["s1", 1, 50], ["s2", 1, 8]]
    assert staging.read_table(wh, MAIN)["submission_key"].tolist() == ["s1", "s2"]


def test_an_edit_that_drops_every_repeat_row_clears_the_repeat_table(wh):
    _replace(wh, {MAIN: _main(["s1"]), REPEAT: _repeat([("s1", "activities", 1, 5)])})
    _replace(wh, {MAIN: _main(["s1"])})  # the edited submission has no repeat rows any more
    assert staging.read_table(wh, REPEAT).empty


def test_a_new_question_arrives_as_a_new_column(wh):
    _replace(wh, {MAIN: _main(["s1"], reached=pd.Series([1], dtype="Int64"))})
    _replace(wh, {MAIN: _main(["s2"], reached=pd.Series([2], dtype="Int64"),
                               new_question=pd.Series(["oui"], dtype="str"))})
    back = staging.read_table(wh, MAIN)
    assert back.columns.tolist() == ["submission_key", "reached", "new_question"]
    assert back["new_question"].tolist()[1] == "oui" and pd.isna(back["new_question"].tolist()[0])


def test_a_type_change_raises_schema_drift_saying_what_to_do(wh):
    _replace(wh, {MAIN: _main(["s1"], reached=pd.Series([1], dtype="Int64"))})
    with pytest.raises(SchemaDriftError) as err:
        _replace(wh, {MAIN: _main(["s2"], reached=pd.Series(["many"], dtype="str"))})
    message = str(err.value)
    for part in (MAIN, "'reached'", "BIGINT", "integer", "str (text)", "new name", "re-stage"):
        assert part in message
    assert staging.read_table(wh, MAIN)["submission_key"].tolist() == ["s1"]


def test_integers_into_a_float_column_and_anything_into_text_are_accepted(wh):
    _replace(wh, {MAIN: _main(["s1"], share=pd.Series([0.5], dtype="Float64"),
                               note=pd.Series(["x"], dtype="str"))})
    _replace(wh, {MAIN: _main(["s2"], share=pd.Series([1], dtype="Int64"), note=pd.Series([7], dtype="Int64"))})
    back = staging.read_table(wh, MAIN)
    assert back["share"].tolist() == [0.5, 1.0]
    assert back["note"].tolist() == ["x", "7"]


def test_sql_looking_and_unicode_names_and_values_are_stored_verbatim(wh):
    odd = {
        'select': ["from"],
        'x"; DROP TABLE loads; --': ["'; DELETE FROM submission_state; --"],
        "groupe/région_été": ["Équateur – Mbandaka ✓"],
        "Order": ["日本語"],
    }
    main = _main(["s'1"], **{k: pd.Series(v, dtype="str") for k, v in odd.items()})
    _replace(wh, {MAIN: main})
    _replace(wh, {MAIN: main})
    back = staging.read_table(wh, MAIN)
    pd.testing.assert_frame_equal(back, main)
    assert sa.inspect(wh).has_table("loads")


def test_delete_submissions_drops_parent_and_repeat_rows(wh):
    _replace(wh, {MAIN: _main(["s1", "s2"]), REPEAT: _repeat([("s1", "activities", 1, 5), ("s2", "activities", 1, 6)])})
    with wh.begin() as conn:
        staging.delete_submissions(conn, "fivew_monthly", ["s1"])
    assert staging.read_table(wh, MAIN)["submission_key"].tolist() == ["s2"]
    assert staging.read_table(wh, REPEAT)["submission_key"].tolist() == ["s2"]


def _logged(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(staging_changes.c.form_id, staging_changes.c.submission_key)
                                               .order_by(staging_changes.c.seq))]


def test_replace_and_delete_log_the_keys_they_touch_only_for_a_followed_form(wh):
    _replace(wh, {MAIN: _main(["s1", "s2"])})
    assert _logged(wh) == []  # nobody follows the form: a first load writes no log
    with wh.begin() as conn:
        changes.follow(conn, "fivew_monthly")
    _replace(wh, {MAIN: _main(["s3", "s1"])})
    with wh.begin() as conn:
        staging.delete_submissions(conn, "fivew_monthly", ["s2"])
        staging.replace(conn, "ccpm_partner", {"stg_ccpm_partner": _main(["p1"])})
    assert _logged(wh) == [("fivew_monthly", "s1"), ("fivew_monthly", "s3"), ("fivew_monthly", "s2")]
    with wh.begin() as conn:
        upto = changes.last_seq(conn, "fivew_monthly")
        assert sorted(conn.execute(changes.keys("fivew_monthly", upto)).scalars()) == ["s1", "s2", "s3"]
        staging.replace(conn, "fivew_monthly", {MAIN: _main(["s4"])})  # logged after the read: kept
        changes.forget(conn, "fivew_monthly", upto)
    assert _logged(wh) == [("fivew_monthly", "s4")]


def test_a_warehouse_without_the_log_tables_stages_as_before(warehouse_url):
    from warehouse import db

    engine = db.engine(warehouse_url)
    _replace(engine, {MAIN: _main(["s1"])})  # no schema.create_all: no log tables
    assert staging.read_table(engine, MAIN)["submission_key"].tolist() == ["s1"]
    assert not sa.inspect(engine).has_table("staging_changes")
    db.dispose(warehouse_url)


def test_a_failed_replace_rolls_back_new_tables_and_columns(wh):
    _replace(wh, {MAIN: _main(["s1"])})
    with pytest.raises(RuntimeError), wh.begin() as conn:
        staging.replace(conn, "fivew_monthly", {MAIN: _main(["s2"], extra=pd.Series(["e"], dtype="str")),
                                                REPEAT: _repeat([("s2", "activities", 1, 1)])})
        raise RuntimeError("crash before commit")
    assert staging.read_table(wh, MAIN).columns.tolist() == ["submission_key"]
    assert not sa.inspect(wh).has_table(REPEAT)


def test_tables_of_another_form_or_without_key_are_refused(wh):
    with pytest.raises(ValueError, match="stg_other"):
        _replace(wh, {MAIN: _main(["s1"]), "stg_other": _main(["s1"])})
    with pytest.raises(ValueError, match="submission_key"):
        _replace(wh, {MAIN: pd.DataFrame({"key": ["s1"]})})
