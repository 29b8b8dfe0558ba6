"""What the night compares against (connectors.known) and the page read-ahead (connectors.prefetch)."""

import threading
import time

import pytest

from connectors.known import KnownVersions, LookedUp, lookup_of, rows_of
from connectors.kobo_sync import is_tombstone
from connectors.prefetch import prefetched

HELD = {"a": ("v1", None), "b": ("v1", "approved"), "c": ("v1#deleted", None), "d": ("v2", None)}


def test_a_page_is_classified_new_changed_or_unchanged():
    known = KnownVersions(rows_of(HELD)(), dead=is_tombstone)
    new, changed = known.classify(["a", "b", "c", "e"], ["v1", "v1", "v1", "v1"],
                                  [None, "on_hold", None, None])
    assert new.tolist() == [False, False, True, True]  # c was deleted: back again counts as new
    assert changed.tolist() == [False, True, False, False]


def test_an_empty_warehouse_knows_nothing():
    known = KnownVersions()
    new, changed = known.classify(["x"], ["v"], [None])
    assert new.tolist() == [True] and changed.tolist() == [False]
    assert known.stale(["x"], ["v"], [None]).tolist() == [True] and known.unseen() == set()


def test_records_landed_tonight_win_and_deletes_are_what_the_server_no_longer_sends():
    known = KnownVersions(rows_of(HELD)(), dead=is_tombstone)
    known.add(["d", "e"], ["v3", "v1"], [None, None])  # the incremental pass landed an edit and a new row
    after = known.updated()
    assert len(after) == 5
    stale = after.stale(["a", "b", "d", "e"], ["v1", "v1", "v3", "v1"], [None, "approved", None, None])
    assert stale.tolist() == [False, False, False, False]
    gone = after.unseen()  # c is a tombstone already; nothing else is missing
    assert gone == set()
    after = known.updated()
    after.stale(["b", "d", "e"], ["v1", "v3", "v1"], ["approved", None, None])
    assert after.unseen() == {hash("a")}


def test_the_last_record_landed_for_a_key_wins_over_earlier_ones_and_over_a_tombstone():
    known = KnownVersions(rows_of(HELD)(), dead=is_tombstone)
    known.add(["x", "c", "a"], ["v1", "v9", "v2"], [None, None, None])
    known.add(["x", "y"], ["v2", "v1"], [None, None])
    after = known.updated()
    assert len(after) == 6  # a, b, c, d held; x and y new; one entry per key
    assert after.stale(["x", "a", "c", "y"], ["v2", "v2", "v9", "v1"], [None] * 4).tolist() == [False] * 4
    assert after.stale(["x"], ["v1"], [None]).tolist() == [True]
    assert after.unseen() == {hash("b"), hash("d")}  # c came back to life: it is live and was seen


class Lookup:
    """``lookup_of(HELD)`` that remembers the keys it was asked for."""

    def __init__(self, held: dict):
        self.of, self.asked = lookup_of(held), []

    def __call__(self, keys):
        self.asked.append(list(keys))
        return self.of(keys)


def test_looked_up_classifies_as_the_whole_read_does_reading_only_the_keys_of_each_page_once():
    lookup = Lookup(HELD)
    known, whole = LookedUp(lookup, dead=is_tombstone), KnownVersions(rows_of(HELD)(), dead=is_tombstone)
    page = (["a", "b", "c", "e", "a"], ["v1", "v1", "v1", "v1", "v1"], [None, "on_hold", None, None, None])
    for got, expected in zip(known.classify(*page), whole.classify(*page)):
        assert got.tolist() == expected.tolist()
    assert lookup.asked == [["a", "b", "c", "e"]]
    known.classify(["a", "d"], ["v1", "v2"], [None, None])
    assert lookup.asked[1:] == [["d"]]  # a was read with the first page


def test_looked_up_keeps_what_the_night_landed_over_what_the_warehouse_said():
    lookup = Lookup(HELD)
    known = LookedUp(lookup, dead=is_tombstone)
    known.classify(["a", "x"], ["v2", "v1"], [None, None])
    known.add(["a", "x"], ["v2", "v1"], [None, None])  # an edit and a new row landed tonight
    after = known.updated()
    # the light read elsewhere found a, x (new to it) and b (put on hold) stale: only b is still to fetch
    assert after.differs(["a", "x", "b"], ["v2", "v1", "v1"], [None, None, "on_hold"]).tolist() == [
        False, False, True]
    assert after.differs(["b"], ["v1"], ["approved"]).tolist() == [False]  # b as held: read once, now known
    assert lookup.asked == [["a", "x"], ["b"]]
    with pytest.raises(TypeError, match="every held row"):
        after.stale(["a"], ["v2"], [None])
    with pytest.raises(TypeError, match="every held row"):
        after.unseen()


def test_lookup_of_a_mapping_an_object_with_lookup_and_a_plain_callable():
    assert lookup_of(HELD)(["b", "zz"]) == [("b", "v1", "approved")]
    reader = type("Reader", (), {"__call__": lambda self: iter(()), "lookup": lambda self, keys: [("k", "v", None)]})()
    assert lookup_of(reader)(["k"]) == [("k", "v", None)]
    assert lookup_of(lambda: iter(())) is None


def test_rows_of_reads_a_mapping_when_called_not_before():
    held = {}
    rows = rows_of(held)
    held["k"] = ("v", None)
    assert list(rows()) == [("k", "v", None)]
    with pytest.raises(TypeError):
        rows_of(42)


def test_prefetch_keeps_order_and_reads_ahead_while_the_caller_works():
    started = []

    def pages():
        for i in range(5):
            started.append((i, time.perf_counter()))
            time.sleep(0.05)  # the server's time to answer
            yield [i]

    began, got = time.perf_counter(), []
    for page in prefetched(pages(), depth=2):
        time.sleep(0.05)  # landing the page
        got.append(page[0])
    assert got == [0, 1, 2, 3, 4]
    assert time.perf_counter() - began < 0.45  # serial: 0.5 s; overlapped: ~0.3 s


def test_prefetch_delivers_the_pages_before_an_error_then_raises_it():
    def pages():
        yield 1
        yield 2
        raise RuntimeError("HTTP 503 at offset 2000")

    got = []
    with pytest.raises(RuntimeError, match="offset 2000"):
        for page in prefetched(pages()):
            got.append(page)
    assert got == [1, 2]


def test_prefetch_stops_its_thread_when_the_caller_stops_early():
    def endless():
        i = 0
        while True:
            i += 1
            yield i

    for page in prefetched(endless(), name="test-prefetch-stop"):
        if page == 3:
            break
    time.sleep(0.3)
    assert not [t for t in threading.enumerate() if t.name == "test-prefetch-stop"]
