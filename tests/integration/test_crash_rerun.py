"""A night killed in the middle and run again lands every row exactly once, and a cursor is never
committed ahead of the rows it covers."""

from __future__ import annotations

import pytest
from ingest_helpers import (FAST, KOBO_FORM, ODK_FORM, cursor, loads, night, query, raw_versions, view)
from test_kobo_nights import change_between_nights as change_kobo
from test_kobo_nights import kobo_truth, live
from test_odk_nights import change_between_nights as change_odk
from test_odk_nights import odk_truth

from connectors.kobo import submission_key
from connectors.records import Batch, parse_utc, record
from flows.pull import PullError, land_batches
from warehouse import state
from warehouse.db import engine as get_engine

KOBO_DATA = "/api/v2/assets/"
ODK_FEED = ".svc/Submissions"
ATTEMPTS = FAST["retries"] + 1  # a request fails for good after this many resets


def abort_after(pages: int, path: str) -> list[dict]:
    """Let ``pages`` requests through, then reset every attempt at the next one: the run dies there."""
    return [{"kind": "abort_after_pages", "pages": pages, "times": ATTEMPTS, "path": path}]


def kobo_keys_up_to(sandbox, moment) -> set[str]:
    """Keys of the rows KoBo holds submitted at or before ``moment``."""
    return {submission_key(r) for r in sandbox.truth(KOBO_FORM)
            if parse_utc(r["_submission_time"]) <= moment}


def test_kobo_night_killed_after_two_pages_resumes_exactly_once(cfg, sandbox):
    url = cfg.warehouse
    sandbox.inject(abort_after(2, KOBO_DATA))
    with pytest.raises(PullError):
        night(cfg, sandbox, KOBO_FORM)
    landed = view(url, KOBO_FORM)
    assert len(landed) == 20                                    # two pages of ten, with their cursor
    committed = parse_utc(cursor(url, "kobo", KOBO_FORM))
    assert kobo_keys_up_to(sandbox, committed) <= set(landed)   # the cursor covers only landed rows
    assert [r["status"] for r in loads(url, KOBO_FORM)] == ["failed"]
    assert loads(url, KOBO_FORM)[0]["n_new"] == 20

    again = night(cfg, sandbox, KOBO_FORM)
    assert view(url, KOBO_FORM) == kobo_truth(sandbox)
    assert set(raw_versions(url, KOBO_FORM).values()) == {1}    # nothing landed twice
    assert again["new"] == 3


def test_kobo_night_killed_in_its_reconcile_pass_resumes(cfg, sandbox):
    url = cfg.warehouse
    night(cfg, sandbox, KOBO_FORM)
    changed = change_kobo(sandbox)
    sandbox.inject(abort_after(1, KOBO_DATA))                  # the incremental page lands, reconcile dies
    with pytest.raises(PullError):
        night(cfg, sandbox, KOBO_FORM)
    night(cfg, sandbox, KOBO_FORM)
    held = view(url, KOBO_FORM)
    assert live(held) == kobo_truth(sandbox)
    assert sorted(k for k, v in held.items() if v[2] is not None) == sorted(changed["deleted"])
    assert all(raw_versions(url, KOBO_FORM)[k] == 2 for k in changed["edited"])


ODK_KILLS = {
    "feed": abort_after(1, ODK_FEED),   # the feed's first page is served, its next page never
    # the parents are read, their repeat table never
    "repeat": [{"kind": "reset", "times": ATTEMPTS, "path": ODK_FEED + ".activities"}],
}


@pytest.mark.parametrize("where", sorted(ODK_KILLS))
def test_odk_night_killed_mid_read_lands_nothing_and_reruns_clean(cfg, sandbox, where):
    url = cfg.warehouse
    night(cfg, sandbox, ODK_FORM)
    change_odk(sandbox)
    before = view(url, ODK_FORM), cursor(url, "odk", ODK_FORM)
    sandbox.inject(ODK_KILLS[where])
    with pytest.raises(PullError):
        night(cfg, sandbox, ODK_FORM, page_size=3)
    assert (view(url, ODK_FORM), cursor(url, "odk", ODK_FORM)) == before
    night(cfg, sandbox, ODK_FORM)
    assert view(url, ODK_FORM) == odk_truth(sandbox)
    assert [r["status"] for r in loads(url, ODK_FORM)] == ["ok", "failed", "ok"]


def test_a_process_killed_between_batches_keeps_what_it_committed(cfg, sandbox):
    """A kill (not an exception the flow can handle) after the second batch: its load stays 'running',
    the two batches and their cursor stay, the next night completes the form."""
    url = cfg.warehouse

    def kill_after_two(form_id, pages, rows):
        if pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        night(cfg, sandbox, KOBO_FORM, progress=kill_after_two)
    assert len(view(url, KOBO_FORM)) == 20
    assert query(url, "select status from loads where form_id = :f", f=KOBO_FORM) == [("running",)]
    night(cfg, sandbox, KOBO_FORM)
    assert view(url, KOBO_FORM) == kobo_truth(sandbox)
    assert set(raw_versions(url, KOBO_FORM).values()) == {1}


def test_a_batch_that_fails_to_land_leaves_its_cursor_behind(cfg):
    url = cfg.warehouse
    load_id = state.start_load(get_engine(url), "kobo", KOBO_FORM)
    good = [record("kobo", KOBO_FORM, f"uuid:{i}", f"v{i}", {"n": i}) for i in range(3)]
    bad = good[:1] + [record("kobo", KOBO_FORM, "uuid:9", "", {})]   # no version key: land refuses it
    batches = [Batch(good, cursor="2026-01-05T08:00:00+00:00"), Batch(bad, cursor="2026-01-05T09:00:00+00:00")]
    with pytest.raises(ValueError, match="uuid:9"):
        land_batches(url, "kobo", KOBO_FORM, load_id, batches)
    assert cursor(url, "kobo", KOBO_FORM) == "2026-01-05T08:00:00+00:00"
    assert sorted(view(url, KOBO_FORM)) == ["uuid:0", "uuid:1", "uuid:2"]
