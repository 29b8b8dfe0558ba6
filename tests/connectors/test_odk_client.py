"""OdkClient against the sandbox's Central API: paging, repeats, incremental nights, soft deletes, re-login."""

from datetime import timedelta

import pytest

from connectors.errors import SourceError
from connectors.odk import OdkClient, to_record
from connectors.odk_sync import OdkNight
from connectors.sandbox import Sandbox

FORM = "fivew_monthly"
REPEATS = ["activities"]
OVERLAP = timedelta(minutes=10)
EMAIL, PASSWORD = "sandbox@example.org", "sandbox-password"


@pytest.fixture
def sandbox():
    with Sandbox(port=0, seed=2, forms={FORM: 30}, odk_email=EMAIL, odk_password=PASSWORD) as sb:
        yield sb


def client_for(sb, **kwargs):
    kwargs.setdefault("backoff_factor", 0.01)
    return OdkClient(sb.url, EMAIL, PASSWORD, project_id=1, **kwargs)


def without_links(value):
    """A row without OData keys (``__id`` of repeat rows, parent links, navigation links)."""
    if isinstance(value, dict):
        return {k: without_links(v) for k, v in value.items()
                if not (k.startswith("__") and k != "__system") and "@odata" not in k}
    if isinstance(value, list):
        return [without_links(v) for v in value]
    return value


def run(batches, warehouse, cursor=None):
    """What the flow does with batches: keep current rows, drop soft-deleted ones, move the cursor."""
    for batch in batches:
        for rec in batch.records:
            if rec["deleted_at"] is not None:
                warehouse.pop(rec["submission_key"], None)
            else:
                warehouse[rec["submission_key"]] = rec
        cursor = batch.cursor or cursor
    return cursor


def test_pages_follow_next_link_and_count(sandbox):
    client = client_for(sandbox, page_size=7)
    pages = list(client.iter_table(FORM))
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    assert client.last_count == 30
    assert len({row["__id"] for p in pages for row in p}) == 30


def test_first_night_reads_every_row_with_its_repeats_like_expand(sandbox):
    client, warehouse = client_for(sandbox, page_size=8), {}
    cursor = run(OdkNight(client, FORM, None, OVERLAP, REPEATS), warehouse)
    truth = {row["__id"]: row for row in sandbox.odk_truth(FORM, include_deleted=False)}
    assert set(warehouse) == set(truth) and cursor is not None
    for key, rec in warehouse.items():
        assert without_links(rec["payload"]) == without_links(truth[key])
    assert any(rec["payload"].get("activities") for rec in warehouse.values())


def test_next_night_sees_new_edited_reviewed_and_soft_deleted_rows(sandbox):
    client, warehouse = client_for(sandbox, page_size=8), {}
    cursor = run(OdkNight(client, FORM, None, OVERLAP, REPEATS), warehouse)
    sandbox.add(FORM, 3)
    sandbox.edit(FORM, 4)
    sandbox.set_validation_status(FORM, 5, "validation_status_approved")
    sandbox.delete(FORM, 6)
    known = {k: (r["version_key"], r["validation_status"]) for k, r in warehouse.items()}
    night = client.night(FORM, cursor, OVERLAP, REPEATS, known)
    batches = list(night)
    assert batches[-1].cursor > cursor and all(b.cursor is None for b in batches[:-1])
    assert (night.summary.new, night.summary.changed, night.summary.deleted) == (3, 2, 1)
    records = {r["submission_key"]: r for b in batches for r in b.records}
    truth = {row["__id"]: row for row in sandbox.odk_truth(FORM)}
    deleted_key = next(k for k, r in records.items() if r["deleted_at"] is not None)
    assert truth[deleted_key]["__system"]["deletedAt"] is not None
    edited = next(r for r in records.values() if r["payload"]["__system"]["edits"] == 1)
    assert without_links(edited["payload"]) == without_links(truth[edited["submission_key"]])
    approved = [r for r in records.values() if r["validation_status"] == "approved"]
    assert len(approved) == 1
    cursor = run(batches, warehouse, cursor)
    alive = {row["__id"] for row in sandbox.odk_truth(FORM, include_deleted=False)}
    assert set(warehouse) == alive

    known = {k: (r["version_key"], r["validation_status"]) for k, r in warehouse.items()}
    quiet = OdkNight(client, FORM, cursor, OVERLAP, REPEATS, known)
    list(quiet)
    assert (quiet.summary.new, quiet.summary.changed, quiet.summary.deleted) == (0, 0, 0)


def test_an_expired_session_token_logs_in_again(sandbox):
    sandbox.state.odk_token_uses = 2
    client = client_for(sandbox, page_size=5)
    rows = [row for page in client.iter_table(FORM) for row in page]
    assert len(rows) == 30
    assert client.session.logins >= 3


def test_wrong_password_fails_with_a_message_about_credentials(sandbox):
    client = OdkClient(sandbox.url, EMAIL, "wrong", backoff_factor=0.01)
    with pytest.raises(SourceError) as error:
        list(client.iter_table(FORM))
    assert error.value.status == 401
    assert "logging in as sandbox@example.org" in str(error.value) and "password" in str(error.value)
    assert "wrong" not in str(error.value)


def test_records_key_on_first_instance_id(sandbox):
    client = client_for(sandbox)
    sandbox.edit(FORM, 1)
    rows = [row for page in client.iter_table(FORM) for row in page]
    rec = next(to_record(r, FORM) for r in rows if r["__system"]["edits"])
    assert rec["submission_key"] != rec["payload"]["meta"]["instanceID"]
    assert rec["updated_at"] is not None
