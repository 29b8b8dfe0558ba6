"""Write the period's 5W files (workbook, HXL CSV, operational presence) in a second process while the HRP
step computes the indicator progress, the PMR and the dashboard in the night's process.

A national 5W month holds ~90,000 activity lines: reading them takes ~1.3 s and writing the 5W files ~1.2 s,
while the rest of the HRP step keeps one core busy for ~3 s and leaves the other idle. The second process
(``spawn``: the one worker of a ``ProcessPoolExecutor``) starts with the HRP step and imports what it needs
while the 5W mart is refreshed; once the refresh has committed it reads the period's lines itself (from the
``fivew_activities`` view, as the night does) and writes the files. It writes nothing to the warehouse.
A 5W of fewer than ``parallel_pull_from`` staged submissions writes its files in the night's process: starting a
process costs ~1 s.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from flows.config import Config
from reports.fivew_outputs import PeriodLines, write_fivew_outputs
from warehouse import staging
from warehouse.db import engine as get_engine
from warehouse.hrp_reads import read_fivew_lines


class FivewFilesError(RuntimeError):
    """The 5W files' process ended without writing them; the message says so and why."""


class FivewFiles:
    """The second process: ``write`` hands it a period, ``result`` waits for the files it wrote."""

    def __init__(self):
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.pool.submit(ready)  # the process starts now and imports this module while the mart is refreshed
        self.future: Future | None = None

    def write(self, cfg: Config, out: Path, start: str, end: str) -> None:
        """Write the files of the period ``start``..``end`` (the mart must be refreshed and committed)."""
        period = cfg.reporting_period or {}
        try:
            self.future = self.pool.submit(write_period_files, cfg.warehouse, str(out), cfg.country, cfg.cluster,
                                           start, end, period.get("start"), period.get("end"),
                                           cfg.fivew_workbook_max_lines)
        except BrokenProcessPool as exc:  # the process died already: ``result`` says so
            self.future = Future()
            self.future.set_exception(exc)

    def result(self) -> list[Path]:
        try:
            return [Path(p) for p in self.future.result()]
        except BrokenProcessPool as exc:
            raise FivewFilesError(f"the process writing the 5W files ended without writing them ({exc})") from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def beside(cfg: Config, wanted: bool = True):
    """A ``FivewFiles`` when ``wanted`` and the 5W holds at least ``cfg.parallel_pull_from`` submissions
    (else None), ended when the block ends."""
    big = wanted and cfg.parallel_pull_from > 0 and staging.holds_at_least(
        get_engine(cfg.warehouse), "fivew_monthly", cfg.parallel_pull_from)
    files = FivewFiles() if big else None
    try:
        yield files
    finally:
        if files is not None:
            files.close()


def ready() -> None:
    """The first job: nothing but importing this module in the new process."""


def write_period_files(url: str, out: str, country: str, cluster: str, start: str, end: str,
                       read_from: str | None, read_to: str | None, max_lines: int | None) -> list[str]:
    """In the second process: read the period's lines (``read_from``/``read_to``: the configured bounds,
    as the night reads them) and write the 5W files under ``out``; their paths."""
    lines = read_fivew_lines(get_engine(url), read_from, read_to)
    paths = write_fivew_outputs(Path(out), PeriodLines(country, cluster, start, end, lines), max_lines)
    return [str(p) for p in paths]
