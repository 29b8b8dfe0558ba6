"""Warehouse fixtures: a created warehouse on the `warehouse_url` database, a load id, a record factory."""

from __future__ import annotations

import pytest
from warehouse_records import make_record

from warehouse import db, schema, state


@pytest.fixture
def wh(warehouse_url):
    """An engine on a fresh warehouse with all tables and views."""
    engine = db.engine(warehouse_url)
    schema.create_all(engine)
    yield engine
    db.dispose(warehouse_url)


@pytest.fixture
def load_id(wh):
    return state.start_load(wh, "kobo-main", "ccpm_partner")


@pytest.fixture
def record():
    return make_record
