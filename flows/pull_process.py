"""Pull a large form in a child process while this process stages what it lands: a night on two cores.

A night's pull (waiting on the server, parsing pages, landing them in raw) and its staging (flatten,
validate, write staging tables) each keep one core busy. For a form with at least
``Config.parallel_pull_from`` submissions to read, ``pull_form`` runs in a child process (``spawn``: no
threads or connections are inherited) and hands this process, page by page, the records whose versions it
made current; the ``flows.stage.Stager`` here stages them as they come, exactly as it does in-process.

Nothing changes in what is stored or when: each page still commits with its cursor in the child, and
each staging batch commits in this process (two writers; SQLite's busy timeout orders them). If the child
fails, what it landed stays with its cursor and what was not staged yet stays pending for
``flows.stage.stage_form``; the failure is raised here as ``PullError``, with the child's message.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue

from connectors.kobo_sync import window_query
from flows import spawned
from flows.config import Config, FormConfig
from flows.gc_tuning import fewer_collections
from flows.pull import Progress, PullError, open_client, pull_form
from warehouse import state
from warehouse.db import engine

log = logging.getLogger(__name__)

QUEUE_PAGES = 24     # landed pages waiting for the stager at most: a staging batch and a little more, so
                     # the child lands the next batch while this process stages one (then it waits)
POLL_SECONDS = 1.0   # how often a silent child is checked for having died


class _Forward:
    """The child's stand-in for a Stager: each page's current records go to the parent.

    Payloads go as the JSON bytes raw landing wrote (``payload_json``: not serialised a second time): a
    third of the memory of the parsed answers while they wait, and ~10x cheaper to pass between
    processes; ``transforms.flatten`` parses them once, one at a time."""

    payload_json = True

    def __init__(self, channel):
        self.channel = channel

    def add(self, records: list[dict]) -> None:
        self.channel.put(("landed", records))

    def flush(self) -> None:
        return None


def _child(cfg: Config, form: FormConfig, channel) -> None:
    """Entry point of the child: pull the form, forwarding landed records, progress and the outcome."""
    def progress(form_id: str, pages: int, rows: int) -> None:
        channel.put(("progress", (pages, rows)))

    try:
        with fewer_collections():
            result = pull_form(cfg, form, progress=progress, stager=_Forward(channel))
        channel.put(("done", result))
    except PullError as exc:
        channel.put(("failed", str(exc)))
    except BaseException as exc:  # anything else still reaches the parent as this form's failure
        channel.put(("failed", f"form {form.form}: the pull process failed: {type(exc).__name__}: {exc}"))
    finally:
        channel.close()
        channel.join_thread()


def pull_in_child(cfg: Config, form: FormConfig, stager, progress: Progress | None = None) -> dict:
    """``pull_form(cfg, form)`` in a child process while ``stager`` stages what it lands (see module doc).
    Returns the pull summary; raises ``PullError`` when the pull failed or the child died."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=2 * QUEUE_PAGES)  # each landed page is followed by its progress message
    child = context.Process(target=_child, args=(cfg, form, channel), name=f"clustermon-pull-{form.form}",
                            daemon=True)
    spawned.start(child)
    try:
        result = _receive(form, child, channel, stager, progress)
        stager.flush()
        return result
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
            child.join()


def _receive(form: FormConfig, child, channel, stager, progress: Progress | None) -> dict:
    while True:
        try:
            kind, body = channel.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if child.is_alive():
                continue
            raise PullError(form.form, form.source, f"form {form.form}: the pull process ended without a "
                            f"result (exit code {child.exitcode}); what it landed is kept with its cursor "
                            "and the next run resumes from there.") from None
        if kind == "landed":
            stager.add(body)
        elif kind == "progress" and progress:
            progress(form.form, *body)
        elif kind == "done":
            return body
        elif kind == "failed":
            raise PullError(form.form, form.source, body)


def worth_a_process(cfg: Config, form: FormConfig) -> bool:
    """Whether this night's pull of ``form`` reads at least ``cfg.parallel_pull_from`` submissions (KoBo
    sources; one light request asks the server how many rows the incremental window holds). A smaller
    pull is faster in this process: starting a child costs ~1-2 s. ``parallel_pull_from: 0`` turns it
    off."""
    source = cfg.source(form.source)
    if source.kind != "kobo" or cfg.parallel_pull_from <= 0:
        return False
    cursor = state.get_cursor(engine(cfg.warehouse), source.name, form.form)
    try:
        client = open_client(source, cfg.page_size)
        try:
            rows = client.count(form.server_id, window_query(cursor, cfg.overlap_minutes))
        finally:
            client.session.close()
    except Exception as exc:  # the pull itself meets the same problem and reports it for the form
        log.warning("form %s: could not count the submissions to read (%s); pulling in this process",
                    form.form, exc)
        return False
    log.info("form %s: %d submissions to read%s", form.form, rows,
             " (pulled in a second process)" if rows >= cfg.parallel_pull_from else "")
    return rows >= cfg.parallel_pull_from
