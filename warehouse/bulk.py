"""Many rows in one statement, straight to the database driver: the warehouse's bulk write path.

SQLAlchemy's ``conn.execute(stmt, list_of_dicts)`` builds every row's parameters in Python (≈50 µs a row
for a ten-column table), which made writing rows the largest cost of a million-row night. Here SQLAlchemy
still writes the SQL (the statement is compiled once for the connection's dialect, ON CONFLICT clauses
included) and each column's type still converts its values (the column's own bind processor, applied to
the whole column at once); only the per-row parameter machinery is skipped: rows go to the driver's
``executemany`` as plain tuples or dicts. On PostgreSQL a plain insert uses ``COPY … FROM STDIN`` through
psycopg, the fastest way in; upserts and updates COPY into a temporary table and run one statement over
it (``copy_into_select``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def processors(conn: Connection, types: Sequence[sa.types.TypeEngine]) -> list:
    """The bind processor (or None) of each type for the connection's dialect."""
    dialect = conn.dialect
    return [t.dialect_impl(dialect).bind_processor(dialect) for t in types]


def convert(columns: Sequence[list], procs: Sequence) -> list[list]:
    """Apply each column's processor to its values (None stays None)."""
    out = []
    for values, proc in zip(columns, procs):
        out.append(values if proc is None else [None if v is None else proc(v) for v in values])
    return out


def executemany(conn: Connection, stmt, names: Sequence[str], columns: Sequence[list],
                types: Sequence[sa.types.TypeEngine]) -> None:
    """Run ``stmt`` once per row on the driver. ``columns[i]`` holds the values of bind parameter
    ``names[i]`` (one list per parameter, all the same length), converted with ``types[i]``."""
    if not columns or not len(columns[0]):
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(names))
    values = convert(columns, processors(conn, types))
    if compiled.positional:
        where = {name: i for i, name in enumerate(names)}
        order = [where[name] for name in compiled.positiontup]
        params = list(zip(*(values[i] for i in order)))
    else:
        params = [dict(zip(names, row)) for row in zip(*values)]
    conn.exec_driver_sql(compiled.string, params)


def insert(conn: Connection, table: sa.Table, names: Sequence[str], columns: Sequence[list]) -> None:
    """Insert rows (column-wise values) into ``table``: COPY on PostgreSQL, executemany elsewhere."""
    if not columns or not len(columns[0]):
        return
    types = [table.c[name].type for name in names]
    if conn.dialect.name == "postgresql":
        _copy(conn, table, names, convert(columns, processors(conn, types)))
        return
    executemany(conn, table.insert(), names, columns, types)


def _copy(conn: Connection, table: sa.Table, names: Sequence[str], values: list[list]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    driver = conn.connection.driver_connection  # the psycopg connection of this transaction
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in zip(*values):
            copy.write_row(row)


def copy_into_select(conn: Connection, table: sa.Table, names: Sequence[str], columns: Sequence[list],
                     statement) -> sa.engine.CursorResult:
    """PostgreSQL: COPY the rows into a temporary table shaped like ``table``'s named columns (one per
    session, emptied first), then run ``statement(source)``, a statement reading ``source`` (a
    ``sa.Table`` of those columns) such as an upsert or an UPDATE … FROM. One COPY and one statement
    instead of a statement per row: a page of a million-row first load lands in about half the time."""
    quote = conn.dialect.identifier_preparer.quote
    temp = f"_cm_load_{table.name}_{zlib.crc32(' '.join(names).encode()):08x}"
    listed = ", ".join(quote(n) for n in names)
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {quote(temp)} ON COMMIT DELETE ROWS AS "
                         f"SELECT {listed} FROM {quote(table.name)} WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {quote(temp)}")  # an earlier call in this transaction left rows
    _copy(conn, sa.table(temp), names, convert(columns, processors(conn, [table.c[n].type for n in names])))
    source = sa.Table(temp, sa.MetaData(), *(sa.Column(n, table.c[n].type) for n in names))
    return conn.execute(statement(source))
