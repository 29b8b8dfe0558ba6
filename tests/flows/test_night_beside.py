"""The validation feedback is written beside the HRP step (``flows.nightly.in_a_thread``), and a failed HRP step
still waits for it before the night reports the failure."""

from __future__ import annotations

import contextvars
import threading
import time
from types import SimpleNamespace

import pytest

from connectors.sandbox import Sandbox
from flows import nightly
from flows.config import load_config
from flows.demo import demo_counts, prepare

MARK = contextvars.ContextVar("mark", default="unset")


def test_in_a_thread_runs_in_another_thread_with_the_callers_context():
    MARK.set("night")
    future = nightly.in_a_thread(lambda x: (threading.current_thread().name, MARK.get(), x), 4)
    name, mark, x = future.result(timeout=10)
    assert name.startswith("clustermon-thread") and (mark, x) == ("night", 4)


@pytest.fixture
def night_config(tmp_path):
    with Sandbox(port=0, seed=5, forms=demo_counts(4)) as sandbox:
        yield load_config(str(prepare(sandbox, tmp_path / "w", tmp_path / "reports")))


def test_the_feedback_is_written_while_the_hrp_step_runs(night_config, monkeypatch):
    written = threading.Event()

    def feedback(cfg, staged):
        written.set()
        return ["feedback.xlsx"]

    def hrp(cfg, load_id):  # the HRP step only ends once the feedback was written beside it
        assert written.wait(timeout=30), "the feedback did not run while the HRP step ran"
        return ["hrp.xlsx"]

    monkeypatch.setattr(nightly, "feedback_task", SimpleNamespace(fn=feedback))
    monkeypatch.setattr(nightly, "hrp_task", SimpleNamespace(fn=hrp))
    summary = nightly.run_night(night_config, plain=True)
    assert {"hrp.xlsx", "feedback.xlsx"} <= set(summary["files"]) and summary["failed"] == []


def test_a_failed_hrp_step_waits_for_the_feedback_then_fails_the_night(night_config, monkeypatch):
    done = []

    def feedback(cfg, staged):
        time.sleep(0.5)
        done.append(True)
        return []

    def hrp(cfg, load_id):
        raise RuntimeError("the HRP framework file is missing")

    monkeypatch.setattr(nightly, "feedback_task", SimpleNamespace(fn=feedback))
    monkeypatch.setattr(nightly, "hrp_task", SimpleNamespace(fn=hrp))
    with pytest.raises(RuntimeError, match="framework file is missing"):
        nightly.run_night(night_config, plain=True)
    assert done == [True]
