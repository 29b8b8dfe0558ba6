"""KoboClient against the sandbox: paging, clamping, halving on 502, and nights that track the truth."""

import json
from concurrent.futures import Future
from datetime import timedelta

import pytest

from connectors.errors import SourceError
from connectors.known import rows_of
from connectors.kobo import KoboClient, to_record
from connectors.kobo_sync import light_rows
from connectors.sandbox import Sandbox

FORM = "ccpm_partner"
OVERLAP = timedelta(minutes=10)  # submissions are a minute apart


@pytest.fixture
def sandbox():
    with Sandbox(port=0, token="sandbox-token", seed=1, forms={FORM: 40}) as sb:
        yield sb


def client_for(sb, **kwargs):
    kwargs.setdefault("backoff_factor", 0.01)
    return KoboClient(sb.url, "sandbox-token", **kwargs)


def test_pages_follow_next_until_every_row_is_read(sandbox):
    client = client_for(sandbox, page_size=15)
    pages = list(client.iter_pages(sandbox.asset_uid(FORM)))
    assert [len(p) for p in pages] == [15, 15, 10]
    assert [r["_id"] for p in pages for r in p] == [r["_id"] for r in sandbox.truth(FORM)]


def test_page_size_above_1000_is_clamped(sandbox):
    sandbox.add(FORM, 2100 - 40)
    client = client_for(sandbox, page_size=5000)
    pages = list(client.iter_pages(sandbox.asset_uid(FORM), fields=["_id"]))
    assert [len(p) for p in pages] == [1000, 1000, 100]


def test_a_502_after_retries_halves_the_page_and_continues_from_the_same_row(sandbox, monkeypatch):
    monkeypatch.setattr("connectors.kobo.MIN_PAGE_SIZE", 4)
    # no read-ahead: the fault must meet the second page, not one fetched before it was injected
    client = client_for(sandbox, page_size=16, retries=1, prefetch=0)
    client_pages = client.iter_pages(sandbox.asset_uid(FORM), fields=["_id"])
    first = next(client_pages)
    sandbox.inject([{"status": 502, "times": 2}])  # both attempts of the second page fail
    rest = list(client_pages)
    assert [len(p) for p in [first] + rest] == [16, 8, 8, 8]
    assert [r["_id"] for p in [first] + rest for r in p] == list(range(1, 41))


def test_pages_after_the_first_ask_for_ids_above_the_last_one_read(sandbox, monkeypatch):
    asked = []
    client = client_for(sandbox, page_size=15, prefetch=0)
    real = client.session.get_json
    monkeypatch.setattr(client.session, "get_json", lambda path, params, **kw: asked.append(params) or real(
        path, params, **kw))
    window = {"_submission_time": {"$gte": "2000-01-01T00:00:00"}}
    pages = list(client.iter_pages(sandbox.asset_uid(FORM), query=window))
    assert [len(p) for p in pages] == [15, 15, 10]
    assert [p["start"] for p in asked] == [0, 0, 0]
    assert [json.loads(p["query"]) for p in asked] == [
        window, {**window, "_id": {"$gt": 15}}, {**window, "_id": {"$gt": 30}}]


def test_a_row_deleted_while_pages_are_read_makes_no_other_row_unread(sandbox):
    """By offset, deleting row 3 after the first page would shift row 16 into the page already read."""
    client = client_for(sandbox, page_size=15, prefetch=0)
    pages = client.iter_pages(sandbox.asset_uid(FORM), fields=["_id", "_uuid"])
    first = next(pages)
    sandbox.delete(FORM, 3)
    read = [r["_id"] for p in [first, *pages] for r in p]
    assert read == list(range(1, 41))[:15] + list(range(16, 41))


def test_queries_bounding_id_other_sorts_and_fields_without_id_page_by_offset(sandbox):
    client, uid = client_for(sandbox, page_size=15), sandbox.asset_uid(FORM)
    by_offset = [
        list(client.iter_pages(uid, query={"_id": {"$lte": 35}})),
        list(client.iter_pages(uid, sort={"_id": -1})),
        list(client.iter_pages(uid, fields=["_uuid"])),
    ]
    assert [[len(p) for p in pages] for pages in by_offset] == [[15, 15, 5], [15, 15, 10], [15, 15, 10]]
    assert [r["_id"] for p in by_offset[1] for r in p] == list(range(40, 0, -1))


def test_exhausted_retries_name_the_server_form_and_asset(sandbox):
    sandbox.inject([{"status": 503, "times": 20}])
    client = client_for(sandbox, retries=2)
    with pytest.raises(SourceError) as error:
        list(client.iter_pages(sandbox.asset_uid(FORM), form_id=FORM))
    message = str(error.value)
    assert f"form {FORM}" in message and sandbox.asset_uid(FORM) in message and "KoBo server" in message
    assert error.value.status == 503


def land(batches, warehouse: dict, cursor=None):
    """What the flow does with batches: keep current versions, drop deleted keys, move the cursor."""
    for batch in batches:
        for rec in batch.records:
            if rec["deleted_at"] is not None:
                warehouse.pop(rec["submission_key"], None)
            else:
                warehouse[rec["submission_key"]] = (rec["version_key"], rec["validation_status"])
        cursor = batch.cursor or cursor
    return cursor


def truth_state(sb):
    recs = [to_record(row, FORM) for row in sb.truth(FORM)]
    return {r["submission_key"]: (r["version_key"], r["validation_status"]) for r in recs}


def light_first(client, uid: str, warehouse: dict):
    """A night's light read started before its incremental pass lands anything, as a second process runs
    it (``KoboNight(light=...)``), here at once and against what the warehouse holds at that moment."""
    def start() -> Future:
        future = Future()
        future.set_result(light_rows(client, uid, FORM, rows_of(dict(warehouse))))
        return future
    return start


@pytest.mark.parametrize("light", [False, True], ids=["light-pass-after", "light-pass-beside"])
def test_nights_follow_new_rows_edits_validation_changes_and_hard_deletes(sandbox, light):
    client, uid, warehouse = client_for(sandbox, page_size=25), sandbox.asset_uid(FORM), {}
    started = lambda: light_first(client, uid, warehouse) if light else None  # noqa: E731
    night = client.night(uid, FORM, None, OVERLAP, warehouse, light=started())
    cursor = land(night, warehouse)
    assert night.summary.new == 40 and night.summary.changed == night.summary.deleted == 0
    assert warehouse == truth_state(sandbox) and cursor is not None

    sandbox.add(FORM, 5)
    sandbox.edit(FORM, 3)
    sandbox.set_validation_status(FORM, 7, "validation_status_approved")
    sandbox.delete(FORM, 11)
    night = client.night(uid, FORM, cursor, OVERLAP, warehouse, light=started())
    cursor = land(night, warehouse, cursor)
    assert (night.summary.new, night.summary.changed, night.summary.deleted) == (5, 2, 1)
    assert warehouse == truth_state(sandbox)

    night = client.night(uid, FORM, cursor, OVERLAP, warehouse, light=started())
    assert land(night, warehouse, cursor) == cursor
    assert (night.summary.new, night.summary.changed, night.summary.deleted) == (0, 0, 0)
    assert night.summary.rows < 45  # only the lookback window is read again in full


class Held:
    """What the warehouse holds, read whole (counted) or by key (``connectors.known.lookup_of``)."""

    def __init__(self, warehouse: dict):
        self.warehouse, self.whole, self.asked = warehouse, 0, set()

    def __call__(self):
        self.whole += 1
        return rows_of(self.warehouse)()

    def lookup(self, keys):
        self.asked.update(keys)
        return [(k, *self.warehouse[k]) for k in keys if k in self.warehouse]


def test_a_night_whose_light_read_runs_elsewhere_reads_only_the_keys_it_meets(sandbox):
    client, uid, warehouse = client_for(sandbox, page_size=25), sandbox.asset_uid(FORM), {}
    cursor = land(client.night(uid, FORM, None, OVERLAP, warehouse), warehouse)
    sandbox.add(FORM, 5)
    sandbox.edit(FORM, 3)
    sandbox.delete(FORM, 11)
    held = Held(warehouse)
    night = client.night(uid, FORM, cursor, OVERLAP, held, light=light_first(client, uid, warehouse))
    land(night, warehouse, cursor)
    assert (night.summary.new, night.summary.changed, night.summary.deleted) == (5, 1, 1)
    assert warehouse == truth_state(sandbox)
    assert held.whole == 0  # never the whole warehouse: the new, edited and deleted keys, and the lookback's
    assert len(held.asked) < 40 and {r["meta/rootUuid"] for r in sandbox.truth(FORM)[-5:]} <= held.asked


def test_a_night_that_stops_before_it_needs_its_light_read_ends_it(sandbox):
    client, uid = client_for(sandbox, page_size=10), sandbox.asset_uid(FORM)
    reading = Future()  # never done: a read still running elsewhere
    night = iter(client.night(uid, FORM, None, OVERLAP, {}, light=lambda: reading))
    assert len(next(night).records) == 10
    night.close()  # the flow stopped landing (a failed page, a crash)
    assert reading.cancelled()


def test_each_incremental_batch_carries_the_latest_time_read_so_far(sandbox):
    client = client_for(sandbox, page_size=10)
    batches = list(client.pull(sandbox.asset_uid(FORM), FORM, None, OVERLAP))
    assert len(batches) == 4
    times = [max(r["submitted_at"] for r in b.records).isoformat() for b in batches]
    assert [b.cursor for b in batches] == times
