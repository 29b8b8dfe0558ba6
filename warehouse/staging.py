"""Staging tables: typed, flattened rows per form (`stg_<form_id>`) and per repeat (`stg_<form_id>__<repeat>`).

`replace` makes staging reflect the given submissions: it deletes their rows from the main table and from
every repeat table of the form (a changed parent replaces all its children), then inserts the new rows.
Both it and `delete_submissions` log the keys they touch when a mart follows the form (`warehouse.changes`).
Tables are created on first use and new columns added as they appear; a type change raises
SchemaDriftError (see warehouse.columns for the policy). Identifiers are always quoted by SQLAlchemy.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.columns import SQL_TYPES, SchemaDriftError, kind_of_dtype, kind_of_sql, to_series, to_values
from warehouse.columns import write_kind
from warehouse import bulk, changes
from warehouse.db import chunks, wrote_rows

__all__ = ["SchemaDriftError", "replace", "delete_submissions", "read_table", "table_name", "form_tables"]

KEY = "submission_key"


def table_name(form_id: str, repeat: str | None = None) -> str:
    """`stg_<form_id>` or `stg_<form_id>__<repeat>`."""
    return f"stg_{form_id}" if repeat is None else f"stg_{form_id}__{repeat}"


def replace(conn: Connection, form_id: str, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace the staging rows of the submissions in the main frame; return rows written per table."""
    main = table_name(form_id)
    if main not in tables:
        raise ValueError(f"Form {form_id}: staging tables {sorted(tables)} lack the main table {main!r}")
    for name, frame in tables.items():
        if name != main and not name.startswith(main + "__"):
            raise ValueError(f"Form {form_id}: {name!r} is not a staging table of this form ({main}__<repeat>)")
        if KEY not in frame.columns:
            raise ValueError(f"Form {form_id}: staging table {name!r} has no {KEY!r} column")
    keys = sorted({str(k) for k in tables[main][KEY].dropna()})
    targets = {name: _ensure_table(conn, name, frame) for name, frame in tables.items()}
    names = sa.inspect(conn).get_table_names()
    _delete(conn, set(form_tables(conn, form_id, names)) | set(targets), keys)
    _log(conn, form_id, keys, names)
    return {name: _insert(conn, targets[name], frame) for name, frame in tables.items()}


def delete_submissions(conn: Connection, form_id: str, keys) -> None:
    """Drop deleted submissions from every staging table of the form (raw keeps them)."""
    keys, names = sorted({str(k) for k in keys}), sa.inspect(conn).get_table_names()
    _delete(conn, form_tables(conn, form_id, names), keys)
    _log(conn, form_id, keys, names)


def form_tables(conn: Connection, form_id: str, table_names: list[str] | None = None) -> list[str]:
    """Names of the existing staging tables of a form: main first, then repeats (``table_names``: the
    database's tables, when the caller has them)."""
    main = table_name(form_id)
    names = table_names if table_names is not None else sa.inspect(conn).get_table_names()
    return sorted((n for n in names if n == main or n.startswith(main + "__")), key=lambda n: (n != main, n))


def _log(conn: Connection, form_id: str, keys: list[str], table_names: list[str]) -> None:
    """Log the changed keys for the marts that follow the form (``warehouse.changes``)."""
    if keys and changes.followed(conn, form_id, table_names):
        changes.log(conn, form_id, keys)


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    """A whole table or view as a typed DataFrame, ordered by its key columns when it has them."""
    with engine.connect() as conn:
        table = sa.Table(name, sa.MetaData(), autoload_with=conn)
        order = [table.c[c] for c in (KEY, "repeat_path", "ordinal") if c in table.c]
        rows = conn.execute(sa.select(table).order_by(*order)).all()
    columns = {}
    for index, column in enumerate(table.columns):
        columns[column.name] = to_series([row[index] for row in rows], kind_of_sql(column.type))
    return pd.DataFrame(columns, columns=[c.name for c in table.columns])


def _ensure_table(conn: Connection, name: str, frame: pd.DataFrame) -> sa.Table:
    """Create the table or add missing columns; return a Table typed for writing `frame`."""
    _check_identifiers(conn, name, frame)
    inspector = sa.inspect(conn)
    if not inspector.has_table(name):
        kinds = {str(c): kind_of_dtype(frame[c].dtype) for c in frame.columns}
        table = _table(name, kinds)
        table.create(conn)
        _create_key_index(conn, table)
        return table
    existing = {c["name"]: c["type"] for c in inspector.get_columns(name)}
    kinds = {}
    for column in map(str, frame.columns):
        if column in existing:
            kinds[column] = write_kind(name, column, existing[column], frame[column])
        else:
            kinds[column] = kind_of_dtype(frame[column].dtype)
            _add_column(conn, name, column, kinds[column])
    return _table(name, kinds)


def _table(name: str, kinds: dict[str, str]) -> sa.Table:
    return sa.Table(name, sa.MetaData(), *(sa.Column(c, SQL_TYPES[k]()) for c, k in kinds.items()))


def _create_key_index(conn: Connection, table: sa.Table) -> None:
    quote = conn.dialect.identifier_preparer.quote
    index = quote(f"ix_{table.name}"[: conn.dialect.max_identifier_length])
    conn.exec_driver_sql(f"CREATE INDEX {index} ON {quote(table.name)} ({quote(KEY)})")


def _add_column(conn: Connection, table: str, column: str, kind: str) -> None:
    quote = conn.dialect.identifier_preparer.quote
    sql_type = SQL_TYPES[kind]().compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(column)} {sql_type}")


def _check_identifiers(conn: Connection, name: str, frame: pd.DataFrame) -> None:
    limit = conn.dialect.max_identifier_length
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"Staging table {name!r}: duplicate column names {sorted(names)}")
    for ident in [name, *names]:
        if len(ident.encode("utf-8")) > limit:
            raise ValueError(
                f"Staging table {name!r}: the name {ident!r} is longer than the {conn.dialect.name} limit "
                f"of {limit} bytes; shorten the question or repeat name in the form"
            )


def _delete(conn: Connection, names, keys: list[str]) -> None:
    if not keys:
        return
    for name in names:
        table = sa.table(name, sa.column(KEY))
        for batch in chunks(keys):
            conn.execute(sa.delete(table).where(table.c[KEY].in_(batch)))


INSERT_ROWS = 10_000  # rows converted to driver values at a time: Python objects cost ~50 bytes a cell


def _insert(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    names = [str(c) for c in frame.columns]
    kinds = [kind_of_sql(table.c[name].type) for name in names]
    for start in range(0, len(frame), INSERT_ROWS):
        part = frame.iloc[start:start + INSERT_ROWS]
        bulk.insert(conn, table, names, [to_values(part[c], kind) for c, kind in zip(frame.columns, kinds)])
    wrote_rows(conn, table.name, len(frame))
    return len(frame)
