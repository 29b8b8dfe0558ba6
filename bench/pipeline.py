"""The pipeline workloads: a night against the benchmark sandbox (full load, then an incremental night).

``night(spec)`` runs the nightly flow's steps in this process: pull (pages landed with their cursor),
stage (flatten → validate → staging + quarantine), score CCPM and write the reports. With
``spec["prefect"]`` it runs the real Prefect flow (``flows.nightly.run_night`` inside a flow run) and
times the ephemeral Prefect server's start-up separately, as a no-op flow run before the night.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.probe import Phases

FORM = "fivew_monthly"
TOKEN_ENV = "CLUSTERMON_BENCH_TOKEN"


def config(spec: dict):
    """The Config of a night against the benchmark sandbox (same shape as clustermon.yaml)."""
    from flows.config import parse_config

    os.environ[TOKEN_ENV] = spec["token"]
    return parse_config({
        "country": "SSD", "cluster": "FSL", "warehouse": spec["warehouse"],
        "reports_dir": str(Path(spec["workdir"]) / "reports"),
        "sources": {"kobo-bench": {"kind": "kobo", "url": spec["url"], "token_env": TOKEN_ENV}},
        "forms": [{"form": FORM, "source": "kobo-bench", "asset_uid": spec["asset_uid"]}],
        "ccpm": {"cycle": "bench", "start": "2026-11-01", "end": "2026-11-15"},
        # a first night backfills every month: the outputs monitor the period, and no month is held back
        "reporting_period": spec["reporting_period"], "check_reporting_window": False,
    })


def plain_night(cfg, phases: Phases) -> dict:
    """``flows.nightly.run_night`` with its tasks called as plain functions (no Prefect server); the
    phases are the night's own step timings."""
    from flows.nightly import run_night

    summary = run_night(cfg, plain=True)
    phases.seconds.update(summary["seconds"])
    return {"pulled": summary["pulled"], "staged": summary["staged"], "quarantined": summary["quarantined"]}


def prefect_night(cfg, phases: Phases) -> dict:
    """The real flow: ``run_night`` inside a Prefect flow run; the server start-up timed on its own."""
    from prefect import flow

    from flows.nightly import run_night

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    with phases("prefect_start"):
        warm_up()

    @flow(name="clustermon-nightly-bench")
    def night():
        return run_night(cfg)

    with phases("night"):
        summary = night()
    phases.seconds.update(summary["seconds"])
    return {"pulled": summary["pulled"], "staged": summary["staged"], "quarantined": summary["quarantined"]}


def night(spec: dict) -> dict:
    """Run one night; ``seconds`` excludes Prefect start-up (reported in ``phases``)."""
    if spec.get("prefect"):  # a private Prefect home: the ephemeral server's database lives in the workdir
        os.environ["PREFECT_HOME"] = str(Path(spec["workdir"]) / "prefect-home")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    cfg = config(spec)
    phases = Phases()
    began = time.perf_counter()
    result = (prefect_night if spec.get("prefect") else plain_night)(cfg, phases)
    seconds = time.perf_counter() - began - phases.seconds.get("prefect_start", 0.0)
    return {"seconds": seconds, "phases": phases.rounded(), "detail": result}
