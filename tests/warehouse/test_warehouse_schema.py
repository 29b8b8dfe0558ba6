"""Tables and public views: created idempotently, views expose the DESIGN.md columns."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse import schema

VIEW_COLUMNS = {
    "submissions": ["source", "form_id", "submission_key", "version_key", "submitted_at", "updated_at",
                    "deleted_at", "validation_status", "load_id"],
    "quarantine": ["form_id", "submission_key", "rule", "field", "value", "message"],
    "ccpm_scores": ["cycle", "unit_type", "unit_code", "score", "status", "n_respondents", "n_partners",
                    "n_coordinators"],
}


def test_create_all_twice_keeps_tables_and_rows(wh, load_id):
    schema.create_all(wh)
    with wh.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.loads)).scalar() == 1
    tables = set(sa.inspect(wh).get_table_names())
    assert {"loads", "cursors", "raw_submissions", "submission_state", "quarantine_issues",
            "mart_ccpm_scores"} <= tables


def test_views_return_the_design_columns(wh):
    with wh.connect() as conn:
        for view, expected in VIEW_COLUMNS.items():
            columns = list(conn.exec_driver_sql(f"SELECT * FROM {view}").keys())
            assert columns[: len(expected)] == expected, view
    assert set(VIEW_COLUMNS) <= set(sa.inspect(wh).get_view_names())
