"""Ingest one form from its server into the raw layer, each page landed with its cursor in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from connectors.kobo import KoboClient
from connectors.odk import OdkClient
from connectors.records import Batch
from flows.config import Config, FormConfig, SourceConfig, secret
from warehouse import raw, state
from warehouse.db import engine as get_engine, writing

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (form_id, batches landed so far, rows landed so far)


def open_client(source: SourceConfig, page_size: int = 1000):
    """The API client of one configured source, its credentials read from the environment or Prefect."""
    if source.kind == "kobo":
        token = secret(source.token_env, source.token_block, f"source {source.name} (KoBo API token)")
        return KoboClient(source.url, token, page_size=page_size, source=source.name)
    if source.kind == "odk":
        user = secret(source.username_env, None, f"source {source.name} (ODK Central user e-mail)")
        password = secret(source.password_env, source.password_block, f"source {source.name} (ODK password)")
        return OdkClient(source.url, user, password, project_id=source.project_id, page_size=page_size,
                         source=source.name)
    raise ValueError(f"source {source.name}: kind {source.kind!r} has no API client; "
                     "import its exports with `clustermon ingest --file`")


class HeldRows:
    """What the warehouse holds of the form, read when the night needs it: calling it streams every
    (submission key, version key, validation status) row; ``lookup(keys)`` reads those keys' rows only
    (see ``connectors.known``)."""

    def __init__(self, url: str, form_id: str):
        self.url, self.form_id = url, form_id

    def __call__(self):
        return raw.current_rows(get_engine(self.url), self.form_id)

    def lookup(self, keys: list[str]) -> list[tuple]:
        return raw.rows_of_keys(get_engine(self.url), self.form_id, keys)


def open_night(client, source: SourceConfig, form: FormConfig, cursor, overlap: timedelta, known: dict,
               light=None):
    if source.kind == "kobo":
        return client.night(form.server_id, form.form, cursor, overlap, known, light=light)
    from connectors.odk_sync import OdkNight
    from forms.definition import load_form  # here: the processes that pull KoBo forms never need pyxform

    return OdkNight(client, form.server_id, cursor, overlap, load_form(form.form).repeats, known)


class PullError(RuntimeError):
    """One form's pull failed (retries exhausted, server refused, bad row). Everything landed before the
    failure stays, with its cursor; the next run resumes from there."""

    def __init__(self, form_id: str, source: str, message: str):
        super().__init__(message)
        self.form_id, self.source = form_id, source


def land_batch(conn, batch: Batch, load_id: str, payload_json: bool = False) -> tuple[dict, list[dict]]:
    """Land one batch on ``conn``; counts per submission (new, changed, deleted, unchanged) and the live
    records whose version became current (what staging has to load next); with ``payload_json`` their
    payloads are JSON bytes as raw landing serialises them (``raw.dump_bytes``), not the parsed answers.

    Deleted records (KoBo tombstones, ODK soft deletes) are landed apart so that ``raw.land``'s counts
    tell deletes from edits: a deleted record that is new or changed to the warehouse is a delete (a
    row created and deleted between two nights counts as deleted: the warehouse now records it so).
    """
    live = [r for r in batch.records if r["deleted_at"] is None]
    gone = [r for r in batch.records if r["deleted_at"] is not None]
    counts = {"new": 0, "changed": 0, "deleted": 0, "unchanged": 0}
    current: list[dict] = []
    if live:
        landed = raw.land(conn, live, load_id, keep_json=payload_json)
        for name, n in landed.items():
            counts[name] += n
        written = landed.written
        current = [r for r in live if (r["form_id"], r["submission_key"], r["version_key"]) in written]
        if payload_json:
            current = [{**r, "payload": written[(r["form_id"], r["submission_key"], r["version_key"])].encode()}
                       for r in current]
    if gone:
        landed = raw.land(conn, gone, load_id)
        counts["deleted"] += landed["new"] + landed["changed"]
        counts["unchanged"] += landed["unchanged"]
    return counts, current


def land_batches(url: str, source: str, form_id: str, load_id: str, batches, progress: Progress | None = None,
                 totals: dict | None = None, stager=None) -> dict:
    """Land every batch; a batch's rows and its cursor commit together or not at all.

    Returns (and keeps updating ``totals`` as it goes, so a caller still has them after a failure)
    the pages and rows landed and the counts of ``land_batch``; ``progress`` is called after each batch.
    ``stager`` (a ``flows.stage.Stager``), when given, receives each committed batch's new current
    versions and stages them while the pull goes on, from memory (staging never reads them back); a
    stager whose ``payload_json`` is true receives their payloads as JSON bytes (``raw.dump_bytes``).
    """
    eng = writing(get_engine(url))  # the stager may write at the same time (flows.pull_process)
    totals = totals if totals is not None else {}
    for name in ("pages", "rows", "new", "changed", "deleted", "unchanged"):
        totals.setdefault(name, 0)
    for batch in batches:
        if batch.kind == "pause":  # the source waits (a reconcile read elsewhere): stage what is held now
            if stager is not None:
                stager.flush()
            continue
        with eng.begin() as conn:
            counts, current = (land_batch(conn, batch, load_id, getattr(stager, "payload_json", False))
                               if batch.records else ({}, []))
            if batch.cursor:
                state.set_cursor(conn, source, form_id, batch.cursor, load_id)
        for name, n in counts.items():
            totals[name] += n
        totals["pages"] += 1
        totals["rows"] += len(batch.records)
        if stager is not None and current:
            stager.add(current)
        if progress:
            progress(form_id, totals["pages"], totals["rows"])
    if stager is not None:
        stager.flush()
    return totals


def pull_form(cfg: Config, form: FormConfig, progress: Progress | None = None, client=None,
              stager=None, light=None) -> dict:
    """One night's pull of one form. Returns the summary: pages read, rows landed, new, changed, deleted,
    unchanged (rows read again and found identical) and the cursor. Raises ``PullError`` naming the form
    and the server when the pull fails; the ``loads`` row then says ``failed`` with what was landed.
    ``stager``: stage what lands as the pull goes (see ``land_batches``); what it has not staged when the
    pull fails stays pending in raw for ``flows.stage.stage_form``. ``light``: a KoBo form's reconcile
    read started elsewhere (``flows.reconcile_process.beside``)."""
    source = cfg.source(form.source)
    eng = get_engine(cfg.warehouse)
    load_id = state.start_load(eng, source.name, form.form)
    landed: dict = {}
    try:
        client = client or open_client(source, cfg.page_size)
        cursor = state.get_cursor(eng, source.name, form.form)
        night = open_night(client, source, form, cursor, timedelta(minutes=cfg.overlap_minutes),
                           HeldRows(cfg.warehouse, form.form), light)
        land_batches(cfg.warehouse, source.name, form.form, load_id, night, progress, landed, stager)
    except Exception as exc:
        message = (f"form {form.form} from source {source.name} ({server_of(source)}): the pull "
                   f"stopped after landing {landed.get('rows', 0)} rows; they are kept with their cursor and "
                   f"the next run resumes from there. Cause: {exc}")
        state.finish_load(eng, load_id, "failed", _load_counts(landed), message=message)
        raise PullError(form.form, source.name, message) from exc
    state.finish_load(eng, load_id, "ok", _load_counts(landed))
    summary = {"pages": night.summary.pages, "rows": landed["rows"], "cursor": night.summary.cursor,
               **{k: landed[k] for k in ("new", "changed", "deleted", "unchanged")}}
    log.info("form %s (%s): %s", form.form, source.name, summary)
    return {"form": form.form, "source": source.name, "load_id": load_id, **summary}


def pull_all(cfg: Config, pull: Callable = pull_form, logger=None) -> tuple[list[dict], list[dict]]:
    """Pull every configured form with ``pull(cfg, form)``; a form that fails is logged and listed, and
    the other forms still run. Returns (summaries of the forms pulled, ``{form, source, message}`` of
    the forms that failed)."""
    logger = logger or log
    pulls, failed = [], []
    for form in cfg.forms:
        if cfg.source(form.source).kind == "file":
            continue  # exports arrive with `clustermon ingest --file`; the night still stages and reports them
        try:
            pulls.append(pull(cfg, form))
        except Exception as exc:  # one form's failure must not stop the night
            logger.error("form %s: pull failed; the other forms go on. %s", form.form, exc)
            failed.append({"form": form.form, "source": form.source, "message": str(exc)})
    return pulls, failed


def server_of(source: SourceConfig) -> str:
    """The source's kind and host for messages (never a user name or password written into the URL)."""
    parts = urlsplit(source.url)
    return f"{source.kind} server {parts.hostname or source.url}" + (f":{parts.port}" if parts.port else "")


def _load_counts(landed: dict) -> dict:
    return {k: landed.get(k, 0) for k in ("new", "changed", "deleted", "unchanged")}
