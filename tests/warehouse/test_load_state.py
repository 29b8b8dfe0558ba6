"""Loads and cursors: sortable load ids, finished loads with counts, cursor upserts."""

from __future__ import annotations

import pytest

from warehouse import state


def test_load_ids_are_unique_and_sort_by_start(wh):
    ids = [state.start_load(wh, "kobo-main", "ccpm_partner") for _ in range(5)]
    assert len(set(ids)) == 5
    assert ids == sorted(ids)


def test_finish_load_records_status_counts_and_message(wh, load_id):
    assert state.get_load(wh, load_id)["status"] == "running"
    state.finish_load(wh, load_id, "ok", {"new": 3, "n_changed": 1, "quarantined": 0}, "3 new")
    row = state.get_load(wh, load_id)
    assert (row["status"], row["n_new"], row["n_changed"], row["n_quarantined"]) == ("ok", 3, 1, 0)
    assert row["n_deleted"] is None and row["message"] == "3 new"
    assert row["finished_at"] >= row["started_at"]


def test_finish_load_refuses_unknown_status_count_or_load(wh, load_id):
    with pytest.raises(ValueError, match="status"):
        state.finish_load(wh, load_id, "done")
    with pytest.raises(ValueError, match="rows_pulled"):
        state.finish_load(wh, load_id, "ok", {"rows_pulled": 1})
    with pytest.raises(LookupError, match="start_load"):
        state.finish_load(wh, "no-such-load", "failed")


def test_set_cursor_upserts_per_source_and_form(wh, load_id):
    with wh.begin() as conn:
        state.set_cursor(conn, "kobo-main", "ccpm_partner", "2024-01-01T00:00:00", load_id)
        state.set_cursor(conn, "kobo-main", "ccpm_partner", "2024-02-01T00:00:00", load_id)
        state.set_cursor(conn, "odk-main", "ccpm_partner", "odk", load_id)
    assert state.get_cursor(wh, "kobo-main", "ccpm_partner") == "2024-02-01T00:00:00"
    assert state.get_cursor(wh, "odk-main", "ccpm_partner") == "odk"
    assert state.get_cursor(wh, "kobo-main", "fivew_monthly") is None
