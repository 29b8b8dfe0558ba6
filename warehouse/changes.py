"""Which staged submissions changed since a mart last looked: a log that staging writes for followed forms.

The 5W lines mart follows ``fivew_monthly``: a night adds or edits ten thousand of its million submissions,
and comparing every staged submission with what the mart built costs ~1.3 s a night on SQLite. Instead,
``warehouse.staging`` logs the key of every submission it replaces or deletes, for the forms a mart
follows (``follow``), and the mart reads only those keys (``keys`` up to ``last_seq``) and then forgets
them (``forget``), in the transaction that brings it in step. A form nobody follows is not logged, so a
first load writes no log; a mart starts following a form when it has compared every submission once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse.schema import staging_changes, staging_followed

TABLES = (staging_followed, staging_changes)


def create(conn: Connection) -> None:
    """Create the log's tables if missing (``schema.create_all`` creates them too)."""
    for table in TABLES:
        table.create(conn, checkfirst=True)


def followed(conn: Connection, form_id: str, table_names=None) -> bool:
    """Does a mart follow the form? (``table_names``: the database's tables, when the caller has them.)"""
    names = table_names if table_names is not None else sa.inspect(conn).get_table_names()
    if staging_followed.name not in names:
        return False
    query = sa.select(staging_followed.c.form_id).where(staging_followed.c.form_id == form_id)
    return conn.execute(query).first() is not None


def log(conn: Connection, form_id: str, keys: list[str]) -> None:
    """Record that staging changed these submissions (call only for a followed form)."""
    if keys:
        conn.execute(staging_changes.insert(), [{"form_id": form_id, "submission_key": k} for k in keys])


def follow(conn: Connection, form_id: str) -> None:
    """Start logging the form's changes, from an empty log (the caller has just compared everything)."""
    create(conn)
    conn.execute(staging_changes.delete().where(staging_changes.c.form_id == form_id))
    if not followed(conn, form_id, [staging_followed.name]):
        conn.execute(staging_followed.insert().values(form_id=form_id))


def last_seq(conn: Connection, form_id: str) -> int | None:
    """The last sequence number logged for the form (None: nothing logged)."""
    query = sa.select(sa.func.max(staging_changes.c.seq)).where(staging_changes.c.form_id == form_id)
    return conn.execute(query).scalar()


def keys(form_id: str, upto: int) -> sa.Select:
    """The distinct keys logged for the form up to sequence number ``upto``, as a subquery."""
    return sa.select(staging_changes.c.submission_key).where(
        staging_changes.c.form_id == form_id, staging_changes.c.seq <= upto).distinct()


def forget(conn: Connection, form_id: str, upto: int | None) -> None:
    """Drop the entries up to ``upto`` (entries logged after it, by another writer, stay)."""
    if upto is not None:
        conn.execute(staging_changes.delete().where(staging_changes.c.form_id == form_id,
                                                    staging_changes.c.seq <= upto))
