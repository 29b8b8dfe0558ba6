"""Fixtures of the ingestion scenarios: a sandbox over real HTTP and a configuration of both its servers
pointing at a fresh warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from ingest_helpers import KOBO_FORM, ODK_FORM, ODK_PASSWORD_ENV, ODK_USER_ENV, TOKEN_ENV

from connectors.sandbox import Sandbox
from flows.config import parse_config
from warehouse import schema
from warehouse.db import dispose
from warehouse.db import engine as get_engine


@pytest.fixture
def sandbox():
    with Sandbox(port=0, seed=11, forms={KOBO_FORM: 23, ODK_FORM: 17}) as server:
        yield server


def make_config(sandbox, warehouse_url: str, monkeypatch):
    """A configuration of both sandbox servers, pages of 10 rows, no lookback (the harshest cursor)."""
    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv(TOKEN_ENV, sandbox.token)
    monkeypatch.setenv(ODK_USER_ENV, sandbox.state.odk_email)
    monkeypatch.setenv(ODK_PASSWORD_ENV, sandbox.state.odk_password)
    config = parse_config({
        "country": "SSD", "cluster": "CCCM", "warehouse": warehouse_url, "page_size": 10,
        "overlap_minutes": 0,
        "sources": {
            "kobo": {"kind": "kobo", "url": sandbox.url, "token_env": TOKEN_ENV},
            "odk": {"kind": "odk", "url": sandbox.url, "project_id": 1,
                    "username_env": ODK_USER_ENV, "password_env": ODK_PASSWORD_ENV},
        },
        "forms": [{"form": KOBO_FORM, "source": "kobo", "asset_uid": sandbox.asset_uid(KOBO_FORM)},
                  {"form": ODK_FORM, "source": "odk", "form_id": ODK_FORM}],
    })
    schema.create_all(get_engine(warehouse_url))
    return config


@pytest.fixture
def cfg(sandbox, warehouse_url, monkeypatch):
    """The scenario configuration on SQLite and on PostgreSQL: for what the warehouse must get right."""
    yield make_config(sandbox, warehouse_url, monkeypatch)
    dispose(warehouse_url)


@pytest.fixture
def sqlite_cfg(sandbox, sqlite_url, monkeypatch):
    """The scenario configuration on SQLite only: for what the connectors and the flow must get right
    (progress, paging, error messages), where a second database adds time and no coverage."""
    yield make_config(sandbox, sqlite_url, monkeypatch)
    dispose(sqlite_url)
