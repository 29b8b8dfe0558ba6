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

The night starts the first qualifying form's read before anything else (``Ahead``): a flow run's process
then spends its first second importing the rest of the night's modules while the child starts on the
other core (~1 s off a normal night at a million submissions).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable

from connectors.kobo_sync import light_rows
from flows import spawned
from flows.config import Config, FormConfig
from flows.pull import HeldRows, open_client
from warehouse import raw
from warehouse.db import engine

log = logging.getLogger(__name__)


def beside(cfg: Config, form: FormConfig) -> Callable[[], LightRead] | None:
    """The ``light`` starter of ``KoboNight`` for this form: the light read in a second process, when the
    form is a KoBo form holding at least ``cfg.parallel_pull_from`` submissions (below that the read takes
    less than starting a process, ~1 s); None otherwise, and with ``parallel_pull_from: 0``."""
    if cfg.source(form.source).kind != "kobo" or cfg.parallel_pull_from <= 0:
        return None
    if not raw.holds_at_least(engine(cfg.warehouse), form.form, cfg.parallel_pull_from):
        return None
    log.info("form %s: %d or more submissions held; their light rows are read in a second process", form.form,
             cfg.parallel_pull_from)
    return lambda: start(cfg, form)


class Ahead:
    """The reconcile read of the configured night's first form that ``beside`` accepts, started when this
    is made (none without ``cfg``). Each form's pull asks ``light`` for its starter (the read started
    ahead, else ``beside``); a read nobody claimed (the pull failed before) is ended by ``close``."""

    def __init__(self, cfg: Config | None = None):
        self.reads: dict[str, LightRead] = {}
        for form in cfg.forms if cfg is not None else ():
            try:
                starter = beside(cfg, form)
                if starter is not None:
                    self.reads[form.form] = starter()
                    break
            except Exception as exc:  # the form's pull meets it again and reports it for that form
                log.warning("form %s: its reconcile read could not start ahead (%s); its pull will try", form.form,
                            exc)

    def light(self, cfg: Config, form: FormConfig,
              pulled_elsewhere: bool = False) -> Callable[[], LightRead] | None:
        """The form's ``light`` starter; None when its pull runs in a process of its own
        (``flows.pull_process``), which reads the light rows itself: a read started ahead is ended."""
        if pulled_elsewhere:
            self.drop(form)
            return None
        read = self.reads.pop(form.form, None)
        return (lambda: read) if read is not None else beside(cfg, form)

    def drop(self, form: FormConfig) -> None:
        """End the form's read started ahead, if any (its pull reads the light rows itself)."""
        read = self.reads.pop(form.form, None)
        if read is not None:
            read.cancel()

    def close(self) -> None:
        for form_id in list(self.reads):
            self.reads.pop(form_id).cancel()


def start(cfg: Config, form: FormConfig) -> LightRead:
    """Start ``read(cfg, form)`` in a child process."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(cfg, form, sending), name=f"clustermon-reconcile-{form.form}",
                            daemon=True)
    spawned.start(child)
    sending.close()  # the child holds its own end: a child that dies closes the pipe
    return LightRead(form.form, child, receiving)


class LightRead:
    """The light read running in a child process, used as ``KoboNight`` uses a future: ``done()``,
    ``result()`` (raises ``LightReadError`` with the child's message when it failed or died) and
    ``cancel()``, which ends a child still running (a night that stops before it needs the rows)."""

    def __init__(self, form_id: str, child, receiving):
        self.form_id, self.child, self.receiving = form_id, child, receiving

    def done(self) -> bool:
        return self.receiving.poll() or not self.child.is_alive()

    def result(self) -> tuple[list[tuple], set[str]]:
        try:
            kind, body = self.receiving.recv()
        except EOFError:  # the child ended without a word
            self.child.join()
            raise LightReadError(f"form {self.form_id}: the reconcile process ended without a result (exit code "
                                 f"{self.child.exitcode})") from None
        finally:
            self.receiving.close()
        self.child.join()
        if kind == "failed":
            raise LightReadError(body)
        return body

    def cancel(self) -> None:
        if self.child.is_alive():
            self.child.kill()
        self.child.join()
        self.receiving.close()


class LightReadError(RuntimeError):
    """The reconcile process failed; its message names the form and the cause."""


def _child(cfg: Config, form: FormConfig, sending) -> None:
    try:
        sending.send(("done", read(cfg, form)))
    except BaseException as exc:  # anything reaches the night as this form's failure
        sending.send(("failed", f"form {form.form}: the reconcile pass's light read failed: "
                                f"{type(exc).__name__}: {exc}"))
    finally:
        sending.close()


def read(cfg: Config, form: FormConfig) -> tuple[list[tuple], set[str]]:
    """In the child: ``connectors.kobo_sync.light_rows`` for the form, against the warehouse."""
    client = open_client(cfg.source(form.source), cfg.page_size)
    try:
        return light_rows(client, form.server_id, form.form, HeldRows(cfg.warehouse, form.form))
    finally:
        client.session.close()
