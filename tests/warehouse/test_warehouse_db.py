"""Engines: cached per URL, SQLite tuned and transactional, readable errors without passwords."""

from __future__ import annotations

import threading

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


def _read_then_write_while_another_writer_commits(engine, wait: float) -> None:
    """A transaction reads (a staging batch checks its columns), another connection commits a write (the
    pull process lands a page), then the first one writes."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t_two_writers (who TEXT)")
        conn.commit()
    read, other_done, errors = threading.Event(), threading.Event(), []

    def other_writer():
        read.wait(5)
        try:
            with db.engine(str(engine.url)).begin() as conn:
                conn.exec_driver_sql("INSERT INTO t_two_writers VALUES ('pull')")
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        other_done.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM t_two_writers").scalar()
            read.set()
            other_done.wait(wait)  # the other writer commits now, unless it has to wait for this one
            conn.exec_driver_sql("INSERT INTO t_two_writers VALUES ('stage')")
    finally:
        read.set()
        thread.join(10)
    assert not errors


def test_a_writing_transaction_that_reads_first_waits_for_another_writer_instead_of_failing(sqlite_url):
    engine = db.engine(sqlite_url)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        _read_then_write_while_another_writer_commits(engine, 5)  # a plain BEGIN reads a snapshot first
    _read_then_write_while_another_writer_commits(db.writing(engine), 0.5)
    with engine.connect() as conn:
        assert sorted(conn.exec_driver_sql("SELECT who FROM t_two_writers").scalars()) == ["pull", "pull", "stage"]
    db.dispose(sqlite_url)


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
