"""The issue-8 figures, each measured in its own child process against a sandbox in another process."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from bench.postgres import fresh_database
from bench.report import figure
from bench.run import admin, sandbox_process, workload

FORM = "fivew_monthly"


class Sizes:
    """Workload sizes for a ``--scale`` (1.0 = the issue's sizes)."""

    def __init__(self, scale: float):
        self.full = max(100, round(1_000_000 * scale))
        self.small = max(10, round(100_000 * scale))
        self.new = max(1, round(10_000 * scale))
        self.edited = max(1, round(1_000 * scale))
        self.ccpm = 2000


@contextmanager
def workdir():
    path = Path(tempfile.mkdtemp(prefix="clustermon-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def night_figure(hello: dict, warehouse: str, work: Path, opts: dict, tag: str, period: dict) -> dict:
    spec = {**hello, "warehouse": warehouse, "workdir": str(work), "prefect": opts.get("prefect", False),
            "reporting_period": period}
    if opts.get("profile"):
        Path(opts["profile"]).mkdir(parents=True, exist_ok=True)
        spec["profile"] = str(Path(opts["profile"]) / f"{tag}.prof")
    timelines = Path(opts["memory_dir"])  # each night's resident memory, once a second (bench/memory: git-ignored)
    timelines.mkdir(parents=True, exist_ok=True)
    spec["memory_timeline"] = str(timelines / f"{tag}.json")
    result = workload("night", spec)
    return figure(result["detail"]["pulled"], result["seconds"], result["peak_mb"], phases=result["phases"],
                  staged=result["detail"]["staged"], process_seconds=result["process_seconds"],
                  peak_mb_bound=result["peak_mb_bound"], peak_at_s=result["peak_at_s"],
                  prefect_server_mb=result["prefect_server_mb"], cpu_seconds=result.get("cpu_seconds"))


def months_of(hello: dict, first: int, last: int) -> dict:
    """A reporting period: the months that the submissions at offsets ``first`` to ``last`` report on
    (the bench sandbox's rows report the month they were submitted in; times are read from the
    sandbox, as rows added after an edit follow the edit's clock). The full loads monitor the month of
    their newest submissions, the incremental night the months of its new ones."""
    def time_at(offset: int) -> datetime:
        url = (f"{hello['url']}/api/v2/assets/{hello['asset_uid']}/data/?format=json&limit=1&start={offset}"
               '&fields=["_submission_time"]')
        request = urllib.request.Request(url, headers={"Authorization": f"Token {hello['token']}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return datetime.fromisoformat(json.loads(response.read())["results"][0]["_submission_time"])

    start, end = time_at(first), time_at(last)
    end = (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {"start": start.replace(day=1).date().isoformat(), "end": end.date().isoformat()}


def edit_and_add(hello: dict, total: int, new: int, edited: int) -> None:
    """The incremental night's changes on the server: ``edited`` rows spread over the form, ``new`` rows."""
    step = max(1, total // edited)
    for index in range(1, total + 1, step)[:edited]:
        admin(hello, FORM, "edit", {"_id": index})
    admin(hello, FORM, "add", {"n": new})


def run(sizes: Sizes, only: set[str], opts: dict, log=print) -> dict:
    """Measure the selected figures; returns {figure: {rows, seconds, rows_per_s, peak_mb, ...}}."""
    results: dict = {}
    want = lambda name: not only or name in only
    with workdir() as work, sandbox_process(sizes.full) as hello:
        results["_sandbox"] = {k: v for k, v in hello.items() if k not in ("url", "token")}
        log(f"sandbox ({sizes.full} rows, own process): {results['_sandbox']}")
        if want("floor"):
            r = workload("floor", dict(hello))
            results["floor"] = figure(r["rows"], r["seconds"], r["peak_mb"])
            log(f"floor: {results['floor']}")
        sqlite_url = f"sqlite:///{work / 'warehouse.db'}"
        latest = months_of(hello, sizes.full - 1, sizes.full - 1)
        if want("full_load_sqlite") or want("incremental_night"):
            results["full_load_sqlite"] = night_figure(hello, sqlite_url, work, opts, "full_load_sqlite", latest)
            log(f"full_load_sqlite: {results['full_load_sqlite']}")
        if want("naive_alternative"):
            r = workload("naive", {**hello, "workdir": str(work)})
            results["naive_alternative"] = figure(r["rows"], r["seconds"], r["peak_mb"])
            log(f"naive_alternative: {results['naive_alternative']}")
        if want("full_load_postgres"):
            with fresh_database(opts.get("postgres_url")) as pg_url:
                results["full_load_postgres"] = night_figure(hello, pg_url, work, opts, "full_load_postgres",
                                                             latest)
            log(f"full_load_postgres: {results['full_load_postgres']}")
        if want("incremental_night"):
            edit_and_add(hello, sizes.full, sizes.new, sizes.edited)
            inc = night_figure(hello, sqlite_url, work, {**opts, "prefect": opts.get("prefect_incremental", True)},
                               "incremental_night",
                               months_of(hello, sizes.full, sizes.full + sizes.new - 1))
            inc["note"] = (f"{sizes.new} new + {sizes.edited} edited on {sizes.full}; Prefect start-up "
                           f"{inc['phases'].get('prefect_start', 0):.1f} s not counted")
            results["incremental_night"] = inc
            log(f"incremental_night: {inc}")
    if want("full_load_100k"):
        with workdir() as work, sandbox_process(sizes.small) as hello:
            results["full_load_100k"] = night_figure(hello, f"sqlite:///{work / 'warehouse.db'}", work, opts,
                                                     "full_load_100k", months_of(hello, sizes.small - 1, sizes.small - 1))
            log(f"full_load_100k: {results['full_load_100k']}")
    if want("ccpm_2000"):
        with workdir() as work:
            r = workload("ccpm", {"rows": sizes.ccpm, "workdir": str(work)})
            results["ccpm_2000"] = figure(r["rows"], r["seconds"], r["peak_mb"], set_up_seconds=r["set_up_seconds"])
            log(f"ccpm_2000: {results['ccpm_2000']}")
    return results
