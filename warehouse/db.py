"""Engines for the warehouse: one cached SQLAlchemy engine per URL, SQLite tuned for a pipeline.

The same code runs on SQLite (the embedded default) and PostgreSQL. SQLite gets WAL journaling (readers
never block the nightly writer), a busy timeout (a second writer waits instead of failing; transactions
that read before they write begin with ``BEGIN IMMEDIATE``, see ``writing``), foreign keys,
and real transactions: pysqlite's own implicit transaction handling is switched off and SQLAlchemy emits
BEGIN itself, so DDL (new staging columns) and savepoints roll back with the rows they belong to.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

DEFAULT_URL = "sqlite:///clustermon.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class WarehouseConnectionError(RuntimeError):
    """The warehouse URL cannot be reached or opened."""


def safe_url(url: str | sa.URL) -> str:
    """The URL as text with any password masked, for messages and logs."""
    return sa.make_url(url).render_as_string(hide_password=True)


def engine(url: str = DEFAULT_URL) -> Engine:
    """Return the cached engine for `url`, creating and checking it on first use.

    Raises WarehouseConnectionError (naming the URL without its password) when the database cannot be
    opened, so a wrong host or a missing directory fails at start-up with a readable message.
    """
    key = str(url)
    with _lock:
        cached = _engines.get(key)
        if cached is not None:
            return cached
        eng = _create(key)
        _engines[key] = eng
        return eng


def dispose(url: str) -> None:
    """Close and forget the cached engine for `url` (tests and CLI shutdown)."""
    with _lock:
        eng = _engines.pop(str(url), None)
    if eng is not None:
        eng.dispose()


def _create(url: str) -> Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        eng = sa.create_engine(parsed)
        _tune_sqlite(eng)
    else:
        eng = sa.create_engine(parsed, pool_pre_ping=True, connect_args=_postgres_args(parsed))
    try:
        with eng.connect():
            pass
    except sa.exc.DBAPIError as exc:
        eng.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if parsed.password:
            reason = reason.replace(str(parsed.password), "***")
        raise WarehouseConnectionError(
            f"Cannot open the warehouse at {safe_url(parsed)}: {reason}. Check that the database server "
            "is running and reachable (or, for SQLite, that the directory exists and is writable), "
            "then set the warehouse URL in clustermon.yaml or CLUSTERMON_WAREHOUSE_URL."
        ) from None
    return eng


def _postgres_args(url: sa.URL) -> dict:
    """Plan each statement with its actual parameters. psycopg prepares repeated statements; a generic
    plan made while a table was still empty (the first pages of a first load) would keep a sequential
    scan for the key lookups of every later page and make a million-row load quadratic."""
    return {"options": "-c plan_cache_mode=force_custom_plan"}


def _tune_sqlite(eng: Engine) -> None:
    @event.listens_for(eng, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001 - DBAPI hook
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # 32 MB of page cache per connection (the default is 2 MB): a night's key lookups and index
        # inserts into tables of a million submissions otherwise go back to the file for most pages
        cur.execute("PRAGMA cache_size=-32768")
        cur.execute("PRAGMA temp_store=MEMORY")
        # checkpoint the WAL every 64 MB, not every 4 MB: a page of 1,000 submissions is ~2 MB of JSON, and
        # each checkpoint syncs the file to disk (~25 ms), which made commits a third of the pull
        cur.execute("PRAGMA wal_autocheckpoint=16384")
        cur.close()

    @event.listens_for(eng, "begin")
    def _on_begin(conn):  # noqa: ANN001 - SQLAlchemy hook
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITING) else "BEGIN")


_WRITING = "clustermon_writing"


def writing(eng: Engine) -> Engine:
    """``eng`` for a transaction that reads, then writes, while another process may write too (a night's
    pull process lands pages while this one stages them). On SQLite it begins with ``BEGIN IMMEDIATE``:
    it takes the write lock first, waiting up to the busy timeout for the other writer. A plain ``BEGIN``
    reads from a snapshot and asks for the lock at its first write; if the other process committed in
    between, WAL cannot move the snapshot forward and SQLite fails at once with "database is locked",
    whatever the busy timeout. Other databases are returned as they are."""
    return eng.execution_options(**{_WRITING: True}) if eng.dialect.name == "sqlite" else eng


def dialect_insert(conn: Connection, table: sa.Table):
    """An INSERT with `on_conflict_do_nothing/do_update` for the connection's dialect."""
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"The warehouse supports SQLite and PostgreSQL, not {name}")


STATISTICS_EVERY_ROWS = 100_000
_written_since_analyze: dict[tuple[str, str], int] = {}


def wrote_rows(conn: Connection, table: str, rows: int) -> None:
    """Count rows written to ``table``; on PostgreSQL, refresh its planner statistics (``ANALYZE``, a
    sample: ~0.2 s) every ``STATISTICS_EVERY_ROWS``. A table that grows by a million rows in one night
    outruns autovacuum: planned from the statistics of a nearly empty table, key lookups turned into
    scans of the whole form and a first load of a national 5W became quadratic."""
    if conn.dialect.name != "postgresql" or not rows:
        return
    key = (str(conn.engine.url), table)
    _written_since_analyze[key] = _written_since_analyze.get(key, 0) + rows
    if _written_since_analyze[key] >= STATISTICS_EVERY_ROWS:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}")
        _written_since_analyze[key] = 0


def chunks(items: list, size: int = 1000):
    """Yield successive slices of `items` (keeps IN lists and statements small)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def as_utc(value) -> datetime | None:
    """A timezone-aware UTC datetime from a datetime or ISO string; naive values are taken as UTC."""
    if value is None or value != value:  # None, NaT
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class UtcDateTime(TypeDecorator):
    """TIMESTAMP WITH TIME ZONE that always reads back as aware UTC, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        value = as_utc(value)
        if value is not None and dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def bind_processor(self, dialect):
        """On SQLite, one step from any accepted value to SQLite's stored text (what
        ``process_bind_param`` followed by SQLite's DATETIME processor gives, ~5x faster: a night binds
        millions of these)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value):
            if type(value) is not datetime:
                value = as_utc(value)
                if value is None:
                    return None
            if value.tzinfo is not None:
                value = value.astimezone(timezone.utc).replace(tzinfo=None)
            return value.isoformat(" ", "microseconds")
        return process

    def process_result_value(self, value, dialect):
        return as_utc(value)
