"""Pure KoBo logic: page parameters, offsets, record mapping, cursor maths."""

from datetime import datetime, timedelta, timezone

import pytest

from connectors.kobo import clamp_page_size, page_params, pages_by_key, to_record
from connectors.kobo_sync import kobo_time, tombstone
from connectors.records import later, parse_utc, window_start

ROW = {
    "_id": 7, "_uuid": "b2", "meta/instanceID": "uuid:b2", "meta/rootUuid": "uuid:a1",
    "_submission_time": "2026-03-01T12:30:05", "_validation_status": {"uid": "validation_status_on_hold"},
    "grp/age": "34", "members": [{"members/m_name": "Ana"}],
}


def test_page_size_is_clamped_to_what_kobo_serves():
    assert clamp_page_size(5000) == 1000
    assert clamp_page_size(0) == 1
    assert page_params(2000, 30000)["limit"] == 1000


def test_query_fields_and_sort_are_sent_as_compact_json():
    params = page_params(0, 100, {"_id": {"$in": [1, 2]}}, ["_id", "_uuid"], {"_id": 1})
    assert params["query"] == '{"_id":{"$in":[1,2]}}'
    assert params["fields"] == '["_id","_uuid"]'
    assert params["sort"] == '{"_id":1}'
    assert params["format"] == "json"


def test_pages_go_by_id_key_only_in_id_order_with_the_id_read_and_no_id_bound_in_the_query():
    assert pages_by_key(None, None, {"_id": 1}) and pages_by_key({"_submission_time": {"$gte": "x"}}, None, None)
    assert pages_by_key(None, ["_id", "_uuid"], {"_id": 1})
    assert not pages_by_key({"_id": {"$in": [1, 2]}}, None, {"_id": 1})
    assert not pages_by_key(None, None, {"_id": -1}) and not pages_by_key(None, None, {"_submission_time": 1})
    assert not pages_by_key(None, ["_uuid"], {"_id": 1})


def test_record_uses_root_uuid_uuid_and_naive_submission_time_as_utc():
    rec = to_record(ROW, "ccpm_partner")
    assert rec["submission_key"] == "uuid:a1"
    assert rec["version_key"] == "b2"
    assert rec["submitted_at"] == datetime(2026, 3, 1, 12, 30, 5, tzinfo=timezone.utc)
    assert rec["validation_status"] == "validation_status_on_hold"
    assert rec["updated_at"] is None and rec["deleted_at"] is None
    assert rec["payload"] is ROW
    assert rec["source"] == "kobo" and rec["form_id"] == "ccpm_partner"


def test_record_falls_back_to_id_and_reads_empty_validation_as_none():
    row = {"_id": 9, "_uuid": "c3", "_submission_time": "2026-03-01T00:00:00", "_validation_status": {}}
    rec = to_record(row, "f")
    assert rec["submission_key"] == "9"
    assert rec["validation_status"] is None


def test_incremental_window_starts_overlap_before_the_cursor_in_kobo_time():
    start = window_start("2026-03-02T00:00:00+00:00", timedelta(hours=2))
    assert kobo_time(start) == "2026-03-01T22:00:00"
    assert window_start(None, timedelta(hours=2)) is None


def test_cursor_only_moves_forward():
    t1 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert later(None, t1) == "2026-03-01T00:00:00+00:00"
    assert later("2026-03-05T00:00:00+00:00", t1) == "2026-03-05T00:00:00+00:00"
    assert later("2026-02-01T00:00:00+00:00", None) == "2026-02-01T00:00:00+00:00"


@pytest.mark.parametrize("text", ["2026-03-01T12:00:00Z", "2026-03-01T15:00:00+03:00", "2026-03-01T12:00:00"])
def test_times_are_read_as_aware_utc(text):
    assert parse_utc(text) == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def test_a_hard_delete_is_a_new_version_with_deleted_at_and_no_payload():
    when = datetime(2026, 3, 3, tzinfo=timezone.utc)
    rec = tombstone("kobo", "f", "uuid:a1", ("b2", None), when)
    assert rec["version_key"] == "b2#deleted"
    assert rec["deleted_at"] == when and rec["payload"] == {}
