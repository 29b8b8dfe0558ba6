"""Helpers of the ingestion scenarios: fast-retrying clients, one night through ``flows.pull.pull_form``,
and readers of what the warehouse holds (the ``submissions`` view, ``raw_submissions``, cursors, loads)."""

from __future__ import annotations

import sqlalchemy as sa

from connectors.kobo import KoboClient
from connectors.odk import OdkClient
from connectors.records import parse_utc
from flows.pull import pull_form
from warehouse.db import engine as get_engine

KOBO_FORM, ODK_FORM = "ccpm_partner", "fivew_monthly"
TOKEN_ENV = "CLUSTERMON_TEST_SANDBOX_TOKEN"
ODK_USER_ENV, ODK_PASSWORD_ENV = "CLUSTERMON_TEST_ODK_USER", "CLUSTERMON_TEST_ODK_PASSWORD"
FAST = {"retries": 3, "backoff_factor": 0.001}  # urllib3 waits factor × 2^n: microseconds in tests


def kobo_client(sandbox, page_size: int = 10, **kwargs) -> KoboClient:
    return KoboClient(sandbox.url, sandbox.token, page_size=page_size, source="kobo", **{**FAST, **kwargs})


def odk_client(sandbox, page_size: int = 10, **kwargs) -> OdkClient:
    return OdkClient(sandbox.url, sandbox.state.odk_email, sandbox.state.odk_password, project_id=1,
                     page_size=page_size, source="odk", **{**FAST, **kwargs})


def form_config(cfg, form_id: str):
    return next(f for f in cfg.forms if f.form == form_id)


def night(cfg, sandbox, form_id: str, progress=None, **client_kwargs) -> dict:
    """One night's pull of ``form_id`` through ``flows.pull.pull_form`` with a fast-retrying client."""
    make = kobo_client if form_id == KOBO_FORM else odk_client
    return pull_form(cfg, form_config(cfg, form_id), progress=progress, client=make(sandbox, **client_kwargs))


def query(url: str, sql: str, **params) -> list[tuple]:
    with get_engine(url).connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), params)]


def view(url: str, form_id: str) -> dict[str, tuple]:
    """The ``submissions`` view of one form: key → (version_key, validation_status, deleted_at)."""
    rows = query(url, "select submission_key, version_key, validation_status, deleted_at from submissions "
                      "where form_id = :f", f=form_id)
    keys = [r[0] for r in rows]
    assert len(keys) == len(set(keys)), "the submissions view holds a key twice"
    return {key: (version, status, parse_utc(deleted)) for key, version, status, deleted in rows}


def raw_versions(url: str, form_id: str) -> dict[str, int]:
    """How many raw versions each submission key has."""
    return dict(query(url, "select submission_key, count(*) from raw_submissions where form_id = :f "
                           "group by submission_key", f=form_id))


def cursor(url: str, source: str, form_id: str):
    rows = query(url, "select cursor_value from cursors where source = :s and form_id = :f",
                 s=source, f=form_id)
    return rows[0][0] if rows else None


def loads(url: str, form_id: str) -> list[dict]:
    with get_engine(url).connect() as conn:
        result = conn.execute(sa.text("select * from loads where form_id = :f order by started_at"),
                              {"f": form_id})
        return [dict(row) for row in result.mappings()]


def current_payloads(url: str, form_id: str) -> dict[str, dict]:
    """The payload of each submission's current version, as landed."""
    import json

    rows = query(url, "select s.submission_key, r.payload from submission_state s join raw_submissions r "
                      "on r.id = s.raw_id where s.form_id = :f", f=form_id)
    return {key: json.loads(payload) for key, payload in rows}
