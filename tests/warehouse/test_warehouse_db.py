"""Engines: cached per URL, SQLite tuned and transactional, readable errors without passwords."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from warehouse import db


def test_engine_is_cached_per_url(sqlite_url):
    assert db.engine(sqlite_url) is db.engine(sqlite_url)
    db.dispose(sqlite_url)


def test_sqlite_uses_wal_busy_timeout_and_foreign_keys(sqlite_url):
    with db.engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    db.dispose(sqlite_url)


def test_ddl_rolls_back_with_the_transaction(warehouse_url):
    engine = db.engine(warehouse_url)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t_rollback (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t_rollback VALUES (1)")
        raise RuntimeError("fail inside the transaction")
    assert not sa.inspect(engine).has_table("t_rollback")
    db.dispose(warehouse_url)


def test_unreachable_postgres_names_url_without_password():
    url = "postgresql+psycopg://clustermon:s3cret-pw@127.0.0.1:1/warehouse"
    with pytest.raises(db.WarehouseConnectionError) as err:
        db.engine(url)
    message = str(err.value)
    assert "s3cret-pw" not in message
    assert "postgresql+psycopg://clustermon:***@127.0.0.1:1/warehouse" in message
    assert "CLUSTERMON_WAREHOUSE_URL" in message


def test_sqlite_in_missing_directory_fails_clearly(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'clustermon.db'}"
    with pytest.raises(db.WarehouseConnectionError, match="missing/clustermon.db"):
        db.engine(url)
