"""A fresh PostgreSQL database for one benchmark run, created and dropped around it."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_database(base_url: str | None = None):
    """Yield the URL of a new empty database on the server of ``base_url`` (env CLUSTERMON_TEST_POSTGRES_URL)."""
    import sqlalchemy as sa

    base = sa.make_url(base_url or os.environ.get("CLUSTERMON_TEST_POSTGRES_URL") or DEFAULT_URL)
    name = f"cm_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        from warehouse.db import dispose

        dispose(base.set(database=name).render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
