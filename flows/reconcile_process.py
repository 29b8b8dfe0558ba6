"""Read a KoBo form's reconcile pass in a second process while this one pulls and stages the night's new rows.

KoBo has no last-modified time, so every night reads the light fields of every row to find edits,
validation-status changes and hard deletes (``connectors.kobo_sync``). For a form of a million rows that
is a thousand requests and ~5 s of this process's CPU, after the incremental pass and while Great
Expectations is still being imported: a normal night's pull is mostly that. In a second process (``spawn``:
nothing inherited) it runs beside them on the other core; ``KoboNight`` then only re-fetches the rows it
found that the night has not already landed, and writes the tombstones of the rows it did not see.

The child reads what the warehouse holds and the server's light rows, and writes nothing: if it fails
or dies, the night's pull of the form fails as the reconcile pass would have, after the new rows landed
with their cursor. A first load (nothing held yet) and a large pull, which runs in a process of its own
(``flows.pull_process``), read the light rows in line.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from connectors.kobo_sync import light_rows
from flows.config import Config, FormConfig
from flows.pull import known_versions, open_client
from warehouse import raw
from warehouse.db import engine

log = logging.getLogger(__name__)


def beside(cfg: Config, form: FormConfig) -> Callable[[], Future] | None:
    """The ``light`` starter of ``KoboNight`` for this form: the light read in a second process, when the
    form is a KoBo form holding at least ``cfg.parallel_pull_from`` submissions (below that the read takes
    less than starting a process, ~1 s); None otherwise, and with ``parallel_pull_from: 0``."""
    if cfg.source(form.source).kind != "kobo" or cfg.parallel_pull_from <= 0:
        return None
    held = raw.count_current(engine(cfg.warehouse), form.form)
    if held < cfg.parallel_pull_from:
        return None
    log.info("form %s: %d submissions held; their light rows are read in a second process", form.form, held)
    return lambda: start(cfg, form)


def start(cfg: Config, form: FormConfig) -> Future:
    """Start ``read(cfg, form)`` in a child process; its future (the child exits once it is done)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return pool.submit(read, cfg, form)
    finally:
        pool.shutdown(wait=False)


def read(cfg: Config, form: FormConfig) -> tuple[list[tuple], set[str]]:
    """In the child: ``connectors.kobo_sync.light_rows`` for the form, against the warehouse."""
    client = open_client(cfg.source(form.source), cfg.page_size)
    try:
        return light_rows(client, form.server_id, form.form, known_versions(cfg.warehouse, form.form))
    finally:
        client.session.close()
