"""Progress of long stages, shown by whoever runs the night (the CLI shows a rich progress bar).

Stages call ``report_pull``; by default it logs. ``use(reporter)`` installs another reporter for the
duration of a ``with`` block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager

log = logging.getLogger("clustermon.progress")
Reporter = Callable[[str, int, int], None]


def _log_reporter(form_id: str, pages: int, rows: int) -> None:
    if pages == 1 or pages % 50 == 0:
        log.info("%s: %d pages, %d rows", form_id, pages, rows)


_reporter: Reporter = _log_reporter


def report_pull(form_id: str, pages: int, rows: int) -> None:
    _reporter(form_id, pages, rows)


@contextmanager
def use(reporter: Reporter):
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = previous
