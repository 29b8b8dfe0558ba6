"""Landing records: idempotent, every version kept, deletes recorded, cursor in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from warehouse import raw, state
from warehouse.schema import raw_submissions, submission_state

from warehouse_records import T0


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def _state(engine, key: str) -> dict:
    with engine.connect() as conn:
        query = sa.select(submission_state).where(submission_state.c.submission_key == key)
        return dict(conn.execute(query).mappings().one())


def test_landing_the_same_records_twice_changes_nothing(wh, load_id, record):
    records = [record(f"uuid-{i}") for i in range(3)]
    with wh.begin() as conn:
        assert raw.land(conn, records, load_id) == {"new": 3, "changed": 0, "unchanged": 0}
    before = _state(wh, "uuid-1")
    second_load = state.start_load(wh, "kobo-main", "ccpm_partner")
    with wh.begin() as conn:
        assert raw.land(conn, records, second_load) == {"new": 0, "changed": 0, "unchanged": 3}
    assert _count(wh, raw_submissions) == 3
    assert _state(wh, "uuid-1") == before  # not even the load id moves


def test_an_edit_adds_a_raw_version_and_updates_state(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-1", "v1")], load_id)
    edited = record("uuid-1", "v2", updated_at=T0 + timedelta(days=2), payload={"q1": "edited"})
    with wh.begin() as conn:
        assert raw.land(conn, [edited], load_id) == {"new": 0, "changed": 1, "unchanged": 0}
    assert _count(wh, raw_submissions) == 2
    current = _state(wh, "uuid-1")
    assert current["version_key"] == "v2"
    assert current["updated_at"] == T0 + timedelta(days=2)
    with wh.connect() as conn:
        payload = conn.execute(sa.select(raw_submissions.c.payload).where(
            raw_submissions.c.id == current["raw_id"])).scalar_one()
    assert '"edited"' in payload


def test_a_validation_status_change_is_a_change_without_a_new_version(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-1")], load_id)
        counts = raw.land(conn, [record("uuid-1", validation_status="validation_status_approved")], load_id)
    assert counts == {"new": 0, "changed": 1, "unchanged": 0}
    assert _count(wh, raw_submissions) == 1
    assert _state(wh, "uuid-1")["validation_status"] == "validation_status_approved"


def test_a_delete_sets_deleted_at_and_keeps_raw(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-1"), record("uuid-2")], load_id)
    deleted_at = T0 + timedelta(days=3)
    with wh.begin() as conn:
        assert raw.mark_deleted(conn, "ccpm_partner", ["uuid-1", "unknown"], deleted_at, load_id) == 1
        assert raw.mark_deleted(conn, "ccpm_partner", ["uuid-1"], deleted_at + timedelta(days=1), load_id) == 0
    assert _state(wh, "uuid-1")["deleted_at"] == deleted_at
    assert _count(wh, raw_submissions) == 2
    keys = raw.current_keys(wh, "ccpm_partner")
    assert keys["uuid-1"] == ("v1", None, deleted_at)
    assert keys["uuid-2"] == ("v1", None, None)


def test_a_record_with_deleted_at_from_the_source_is_recorded(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("odk-1")], load_id)
        counts = raw.land(conn, [record("odk-1", deleted_at=T0 + timedelta(days=1))], load_id)
    assert counts["changed"] == 1
    assert _state(wh, "odk-1")["deleted_at"] == T0 + timedelta(days=1)


def test_cursor_and_rows_commit_together_or_not_at_all(wh, load_id, record):
    with pytest.raises(RuntimeError), wh.begin() as conn:
        raw.land(conn, [record("uuid-1")], load_id)
        state.set_cursor(conn, "kobo-main", "ccpm_partner", "2024-03-01T08:30:00", load_id)
        raise RuntimeError("crash before commit")
    assert state.get_cursor(wh, "kobo-main", "ccpm_partner") is None
    assert _count(wh, raw_submissions) == 0 and _count(wh, submission_state) == 0
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-1")], load_id)
        state.set_cursor(conn, "kobo-main", "ccpm_partner", "2024-03-01T08:30:00", load_id)
    assert state.get_cursor(wh, "kobo-main", "ccpm_partner") == "2024-03-01T08:30:00"
    assert _count(wh, raw_submissions) == 1


def test_payload_round_trips_unicode_and_sql_looking_text(wh, load_id, record):
    payload = {"q'; DROP TABLE raw_submissions; --": "Robert'); DROP TABLE x;--", "lieu": "Goma – Nord-Kivu ✓"}
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-ü", payload=payload)], load_id)
    [[pending]] = list(raw.pending(wh, "ccpm_partner"))
    assert pending["submission_key"] == "uuid-ü"
    assert pending["payload"] == payload


def test_a_record_without_version_key_is_refused_with_its_key(wh, load_id, record):
    with pytest.raises(ValueError, match="uuid-1.*version_key"), wh.begin() as conn:
        raw.land(conn, [record("uuid-1", version_key=None)], load_id)


def test_landing_pages_larger_than_a_batch(wh, load_id, record):
    records = [record(f"k{i:05d}") for i in range(2500)]
    with wh.begin() as conn:
        assert raw.land(conn, records, load_id)["new"] == 2500
        assert raw.land(conn, records, load_id)["unchanged"] == 2500
    assert _count(wh, submission_state) == 2500


def test_submissions_view_shows_the_current_version_and_its_deletion(wh, load_id, record):
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-1", "v1"), record("uuid-2", "v1")], load_id)
        raw.land(conn, [record("uuid-1", "v2")], load_id)
        raw.mark_deleted(conn, "ccpm_partner", ["uuid-2"], T0, load_id)
    with wh.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT submission_key, version_key, deleted_at, load_id FROM submissions ORDER BY submission_key"
        ).all()
    assert [(r[0], r[1], r[2] is not None, r[3]) for r in rows] == [
        ("uuid-1", "v2", False, load_id), ("uuid-2", "v1", True, load_id)]


def test_landing_names_the_versions_it_made_current_with_the_json_it_stored(wh, load_id, record):
    payload = {"lieu": "Goma – Nord-Kivu ✓", "n": 3}
    with wh.begin() as conn:
        raw.land(conn, [record("uuid-a", payload=payload)], load_id)
        edit = record("uuid-a", version="v2", payload={**payload, "n": 4})
        landed = raw.land(conn, [record("uuid-a", payload=payload), edit, record("uuid-b")], load_id,
                          keep_json=True)
        plain = raw.land(conn, [record("uuid-c")], load_id)
    assert set(landed.written) == {("ccpm_partner", "uuid-a", "v2"), ("ccpm_partner", "uuid-b", "v1")}
    stored = landed.written[("ccpm_partner", "uuid-a", "v2")]
    assert stored.encode() == raw.dump_bytes(edit["payload"])
    assert plain.written == {("ccpm_partner", "uuid-c", "v1"): None}  # JSON is kept only when asked for
    pending = {r["submission_key"]: r for batch in raw.pending(wh, "ccpm_partner") for r in batch}
    assert pending["uuid-a"]["payload"] == {**payload, "n": 4}  # what was stored is what staging reads
