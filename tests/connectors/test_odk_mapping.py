"""Pure ODK logic: table names, parent keys, filters, record mapping, attaching repeat rows."""

from datetime import datetime, timedelta, timezone

from connectors.odk import _place, odata_time, parent_key, quote_id, table_name, to_record, version_key
from connectors.odk_sync import changed_filter, deleted_filter

ROW = {
    "__id": "uuid:first", "grp": {"age": 34}, "meta": {"instanceID": "uuid:second"},
    "__system": {"submissionDate": "2026-03-01T12:00:00.000Z", "updatedAt": "2026-03-02T08:00:00.000Z",
                 "deletedAt": None, "reviewState": "approved"},
}


def test_repeat_tables_and_their_parent_key_columns():
    repeats = ["members", "members/visits"]
    assert table_name() == "Submissions"
    assert table_name("members/visits") == "Submissions.members.visits"
    assert parent_key("members", repeats) == "__Submissions-id"
    assert parent_key("members/visits", repeats) == "__Submissions-members-id"


def test_form_ids_are_quoted_like_pyodk():
    assert quote_id("5W monthly (v2)") == "5W%20monthly%20(v2)"


def test_filters_start_at_cursor_minus_overlap():
    start = datetime(2026, 3, 2, tzinfo=timezone.utc) - timedelta(minutes=30)
    assert odata_time(start) == "2026-03-01T23:30:00.000Z"
    assert changed_filter(start) == ("__system/submissionDate gt 2026-03-01T23:30:00.000Z or "
                                     "__system/updatedAt gt 2026-03-01T23:30:00.000Z")
    assert changed_filter(None) is None
    assert deleted_filter(start) == "__system/deletedAt gt 2026-03-01T23:30:00.000Z"


def test_record_keys_on_first_instance_id_and_versions_on_update_time():
    rec = to_record(ROW, "fivew_monthly")
    assert rec["submission_key"] == "uuid:first"
    assert rec["version_key"] == "2026-03-02T08:00:00.000Z uuid:second"
    assert rec["submitted_at"] == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert rec["updated_at"] == datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    assert rec["deleted_at"] is None
    assert rec["validation_status"] == "approved"


def test_a_soft_delete_changes_the_version_and_sets_deleted_at():
    row = {**ROW, "__system": {**ROW["__system"], "deletedAt": "2026-03-04T00:00:00.000Z"}}
    assert version_key(row) != version_key(ROW)
    assert to_record(row, "f")["deleted_at"] == datetime(2026, 3, 4, tzinfo=timezone.utc)


def test_never_updated_row_versions_on_submission_date():
    row = {**ROW, "__system": {**ROW["__system"], "updatedAt": None}}
    assert version_key(row) == "2026-03-01T12:00:00.000Z uuid:second"


def test_repeat_rows_go_where_expand_would_put_them():
    parent = {"__id": "p", "hh": {"members@odata.navigationLink": "Submissions('p')/hh/members"}}
    _place(parent, "hh/members", {"__id": "c1", "name": "Ana"})
    _place(parent, "hh/members", {"__id": "c2", "name": "Ben"})
    assert parent["hh"] == {"members": [{"__id": "c1", "name": "Ana"}, {"__id": "c2", "name": "Ben"}]}
