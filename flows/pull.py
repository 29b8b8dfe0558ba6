"""Ingest one form from its server into the raw layer, each page landed with its cursor in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from connectors.kobo import KoboClient
from connectors.odk import OdkClient
from connectors.records import Batch
from flows.config import Config, FormConfig, SourceConfig, secret
from forms.definition import load_form
from warehouse import raw, state
from warehouse.db import engine as get_engine

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (form_id, pages so far, rows so far)


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


def known_versions(url: str, form_id: str) -> dict[str, tuple]:
    """What the warehouse holds: submission key → (version key, validation status)."""
    return {key: (version, status) for key, (version, status, _deleted) in
            raw.current_keys(get_engine(url), form_id).items()}


def open_night(client, source: SourceConfig, form: FormConfig, cursor, overlap: timedelta, known: dict):
    if source.kind == "kobo":
        return client.night(form.server_id, form.form, cursor, overlap, known)
    from connectors.odk_sync import OdkNight

    return OdkNight(client, form.server_id, cursor, overlap, load_form(form.form).repeats, known)


def land_batches(url: str, source: str, form_id: str, load_id: str, batches, progress: Progress | None = None):
    """Land every batch; a batch's rows and its cursor commit together or not at all."""
    eng = get_engine(url)
    pages = rows = 0
    for batch in batches:
        batch: Batch
        with eng.begin() as conn:
            if batch.records:
                raw.land(conn, batch.records, load_id)
            if batch.cursor:
                state.set_cursor(conn, source, form_id, batch.cursor, load_id)
        pages, rows = pages + 1, rows + len(batch.records)
        if progress:
            progress(form_id, pages, rows)
    return pages, rows


def pull_form(cfg: Config, form: FormConfig, progress: Progress | None = None, client=None) -> dict:
    """One night's pull of one form; returns the pull summary (pages, rows, new, changed, deleted)."""
    source = cfg.source(form.source)
    eng = get_engine(cfg.warehouse)
    load_id = state.start_load(eng, source.name, form.form)
    try:
        client = client or open_client(source, cfg.page_size)
        cursor = state.get_cursor(eng, source.name, form.form)
        night = open_night(client, source, form, cursor, timedelta(minutes=cfg.overlap_minutes),
                           known_versions(cfg.warehouse, form.form))
        land_batches(cfg.warehouse, source.name, form.form, load_id, night, progress)
    except Exception as exc:
        state.finish_load(eng, load_id, "failed", {}, message=str(exc))
        raise
    summary = night.summary.as_dict()
    state.finish_load(eng, load_id, "ok", {"n_new": summary["new"], "n_changed": summary["changed"],
                                           "n_deleted": summary["deleted"]})
    return {"form": form.form, "source": source.name, "load_id": load_id, **summary}
