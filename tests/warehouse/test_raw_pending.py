"""pending / mark_staged / pending_deletes: exactly the staging work left, in batches."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse import raw, schema
from warehouse.schema import submission_state as state

from warehouse_records import T0


def _pending_keys(engine, batch_size=5000) -> list[str]:
    return [row["submission_key"] for batch in raw.pending(engine, "ccpm_partner", batch_size) for row in batch]


def test_pending_yields_unstaged_versions_in_batches_until_marked(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record(f"k{i}") for i in range(5)], load_id)
    batches = list(raw.pending(wh, "ccpm_partner", batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    first = batches[0][0]
    assert first["payload"]["meta/rootUuid"] == "k0"
    assert first["submitted_at"] == T0 and first["source"] == "kobo-main"
    with wh.begin() as conn:
        raw.mark_staged(conn, "ccpm_partner", [(r["submission_key"], r["version_key"]) for r in batches[0]])
    assert _pending_keys(wh) == ["k2", "k3", "k4"]


def test_marking_each_batch_while_iterating_visits_every_submission_once(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record(f"k{i}") for i in range(7)], load_id)
    seen = []
    for batch in raw.pending(wh, "ccpm_partner", batch_size=3):
        seen += [r["submission_key"] for r in batch]
        with wh.begin() as conn:
            raw.mark_staged(conn, "ccpm_partner", [(r["submission_key"], r["version_key"]) for r in batch])
    assert seen == [f"k{i}" for i in range(7)]
    assert _pending_keys(wh) == []


def test_an_edit_after_staging_is_pending_again(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("k1"), record("k2")], load_id)
        raw.mark_staged(conn, "ccpm_partner", [("k1", "v1"), ("k2", "v1")])
        raw.land(conn, [record("k1", "v2"), record("k2")], load_id)
    [[row]] = list(raw.pending(wh, "ccpm_partner"))
    assert (row["submission_key"], row["version_key"]) == ("k1", "v2")


def test_deleted_submissions_leave_pending_and_enter_pending_deletes(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("k1"), record("k2")], load_id)
        raw.mark_staged(conn, "ccpm_partner", [("k1", "v1"), ("k2", "v1")])
        raw.mark_deleted(conn, "ccpm_partner", ["k1"], T0, load_id)
    assert _pending_keys(wh) == []
    assert raw.pending_deletes(wh, "ccpm_partner") == [("k1", "v1")]
    with wh.begin() as conn:
        raw.mark_staged(conn, "ccpm_partner", raw.pending_deletes(wh, "ccpm_partner"))
    assert raw.pending_deletes(wh, "ccpm_partner") == []


def test_restage_makes_every_submission_pending(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("k1"), record("k2")], load_id)
        raw.mark_staged(conn, "ccpm_partner", [("k1", "v1"), ("k2", "v1")])
        assert raw.restage(conn, "ccpm_partner") == 2
    assert _pending_keys(wh) == ["k1", "k2"]


def test_pending_is_per_form(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("k1"), record("k1", form_id="fivew_monthly")], load_id)
    assert _pending_keys(wh) == ["k1"]
    assert len(raw.current_keys(wh, "fivew_monthly")) == 1


def test_a_key_marked_twice_in_one_call_keeps_the_last_version_given(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("k0"), record("k1")], load_id)
        raw.mark_staged(conn, "ccpm_partner", [("k0", "v1"), ("k1", "v1"), ("k0", "v0")])
    assert _pending_keys(wh) == ["k0"]  # its mark says v0, the current version is v1


def _plan(conn, query) -> str:
    """The database's plan of ``query`` as one text (PostgreSQL told to avoid a table scan where it can:
    on a test's few rows it would rather read the table)."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))


def test_pending_work_is_found_through_the_index_of_unstaged_submissions(wh):
    """A night finds what is left to stage without reading every submission's state: the partial index
    holds only the unstaged ones, and both queries of staging's work are answered from it."""
    for deleted in (state.c.deleted_at.is_(None), state.c.deleted_at.is_not(None)):
        query = sa.select(state.c.submission_key).where(raw._unstaged("ccpm_partner"), deleted)
        with wh.begin() as conn:
            assert "ix_submission_state_unstaged" in _plan(conn, query.order_by(state.c.submission_key))


def test_a_warehouse_made_before_the_unstaged_index_gets_it_and_keeps_its_pending_work(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record(f"k{i}") for i in range(3)], load_id)
        raw.mark_staged(conn, "ccpm_partner", [("k0", record("k0")["version_key"])])
        conn.exec_driver_sql("DROP INDEX ix_submission_state_unstaged")
    schema.create_all(wh)
    assert "ix_submission_state_unstaged" in {ix["name"] for ix in sa.inspect(wh).get_indexes("submission_state")}
    assert _pending_keys(wh) == ["k1", "k2"]


def test_rows_of_keys_reads_only_the_keys_asked_for_that_the_warehouse_holds(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record(f"k{i}") for i in range(7)], load_id)
    rows = raw.rows_of_keys(wh, "ccpm_partner", ["k5", "k1", "missing", "k3"], chunk=2)
    assert sorted(key for key, _, _ in rows) == ["k1", "k3", "k5"]
    whole = {row[0]: row for row in raw.current_rows(wh, "ccpm_partner")}
    assert all(tuple(row) == whole[row[0]] for row in rows)
    assert raw.rows_of_keys(wh, "other_form", ["k1"]) == []


def test_holds_at_least_counts_the_forms_submissions_up_to_the_number_asked(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record(f"k{i}") for i in range(5)], load_id)
    assert [raw.holds_at_least(wh, "ccpm_partner", n) for n in (0, 1, 5, 6)] == [True, True, True, False]
    assert not raw.holds_at_least(wh, "other_form", 1)
