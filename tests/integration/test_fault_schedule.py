"""Many mixed faults spread over a night still converge to the server's truth; a form whose retries run
out fails with a message naming it and its server, and the night's other forms still complete."""

from __future__ import annotations

import time

import pytest
from ingest_helpers import KOBO_FORM, ODK_FORM, loads, night, raw_versions, view
from test_kobo_nights import change_between_nights as change_kobo
from test_kobo_nights import kobo_truth, live
from test_odk_nights import change_between_nights as change_odk
from test_odk_nights import odk_truth

from flows.pull import PullError, pull_all

MIXED = [
    {"status": 429, "retry_after": 0}, {"status": 500}, {"kind": "truncated"}, {"status": 502},
    {"kind": "reset"}, {"status": 504}, {"kind": "slow", "seconds": 0.05}, {"status": 429, "retry_after": 1},
    {"status": 503}, {"kind": "truncated"}, {"kind": "reset"}, {"status": 502, "times": 2},
]
RETRIES = 4  # per request: more than the faults one request can meet in a row
PASS = {"kind": "slow", "seconds": 0}  # serves one request normally: spaces the faults out


def schedule(faults: list[dict], gap: int = 1) -> list[dict]:
    """The faults with ``gap`` normally served requests after each, so they hit requests all through the
    night (login, pages, reconcile, repeat tables), not a run of retries of the first request."""
    return [step for fault in faults for step in [fault] + [PASS] * gap]


@pytest.mark.parametrize("form_id", [KOBO_FORM, ODK_FORM])
def test_mixed_faults_over_two_nights_converge_to_the_truth(cfg, sandbox, form_id):
    url, kobo = cfg.warehouse, form_id == KOBO_FORM
    started = time.monotonic()
    for n, faults in enumerate((MIXED, MIXED[::-1])):
        if n:
            (change_kobo if kobo else change_odk)(sandbox)
        sandbox.inject(schedule(faults))
        night(cfg, sandbox, form_id, retries=RETRIES, page_size=3)
        left = [f for f in sandbox.state.faults.pending() if f != {**PASS, "times": 1}]
        assert len(left) <= 3, f"the night made too few requests to meet its faults: {left}"
        sandbox.state.faults.clear()
    held = view(url, form_id)
    assert (live(held) == kobo_truth(sandbox)) if kobo else (held == odk_truth(sandbox))
    assert max(raw_versions(url, form_id).values()) <= 2
    assert [r["status"] for r in loads(url, form_id)] == ["ok", "ok"]
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("form_id, server", [(KOBO_FORM, "KoBo server"), (ODK_FORM, "ODK Central")])
def test_exhausted_retries_fail_the_form_with_a_clear_message(sqlite_cfg, sandbox, form_id, server):
    cfg = sqlite_cfg
    sandbox.inject([{"status": 503, "times": 50}])
    with pytest.raises(PullError) as failure:
        night(cfg, sandbox, form_id, retries=2)
    message = str(failure.value)
    assert f"form {form_id}" in message and server in message and "HTTP 503" in message
    assert "next run resumes" in message
    (load,) = loads(cfg.warehouse, form_id)
    assert load["status"] == "failed" and load["message"] == message and load["finished_at"] is not None


def test_one_failing_form_does_not_stop_the_others(cfg, sandbox):
    sandbox.inject([{"status": 502, "times": 50, "path": "/api/v2/assets/"}])   # KoBo only

    def pull(cfg, form):
        return night(cfg, sandbox, form.form, retries=1)

    pulls, failed = pull_all(cfg, pull)
    assert [p["form"] for p in pulls] == [ODK_FORM] and pulls[0]["new"] == 17
    assert [(f["form"], f["source"]) for f in failed] == [(KOBO_FORM, "kobo")]
    assert "HTTP 502" in failed[0]["message"]
    assert view(cfg.warehouse, ODK_FORM) == odk_truth(sandbox)
    assert [r["status"] for r in loads(cfg.warehouse, KOBO_FORM)] == ["failed"]
