"""Pipeline state kept with the data: one `loads` row per run of a source × form, and cursors.

A cursor is written with `set_cursor` on the same connection (transaction) as the rows it covers, so a
crash either keeps both or neither and never advances a cursor past unloaded data.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.db import dialect_insert
from warehouse.schema import LOAD_COUNTS, cursors, loads


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_load_id(now: datetime | None = None) -> str:
    """A unique id that sorts by start time: UTC timestamp to the microsecond plus 6 random hex digits."""
    now = now or _now()
    return f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


def start_load(engine: Engine, source: str, form_id: str) -> str:
    """Record the start of a load of one form from one source; return its load id."""
    load_id = new_load_id()
    with engine.begin() as conn:
        conn.execute(
            loads.insert().values(
                load_id=load_id, source=source, form_id=form_id, started_at=_now(), status="running"
            )
        )
    return load_id


def finish_load(
    engine: Engine, load_id: str, status: str, counts: dict | None = None, message: str | None = None
) -> None:
    """Close a load with its status (`ok` or `failed`), counts and an optional message.

    `counts` keys are `new, changed, unchanged, deleted, quarantined, staged` (an `n_` prefix is accepted);
    missing keys stay NULL.
    """
    if status not in ("ok", "failed"):
        raise ValueError(f"Load {load_id}: status must be 'ok' or 'failed', not {status!r}")
    values = {"status": status, "finished_at": _now(), "message": message}
    for name, value in (counts or {}).items():
        column = name if name.startswith("n_") else f"n_{name}"
        if column[2:] not in LOAD_COUNTS:
            raise ValueError(f"Load {load_id}: unknown count {name!r}; expected one of {LOAD_COUNTS}")
        values[column] = None if value is None else int(value)
    with engine.begin() as conn:
        result = conn.execute(loads.update().where(loads.c.load_id == load_id).values(**values))
    if result.rowcount != 1:
        raise LookupError(f"No load {load_id!r} in the warehouse: call start_load first")


def get_load(engine: Engine, load_id: str) -> dict | None:
    """The `loads` row of `load_id` as a dict, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(loads).where(loads.c.load_id == load_id)).mappings().first()
    return dict(row) if row else None


def get_cursor(engine: Engine, source: str, form_id: str) -> str | None:
    """The last committed cursor of a source × form, or None before the first load."""
    with engine.connect() as conn:
        return conn.execute(
            sa.select(cursors.c.cursor_value).where(cursors.c.source == source, cursors.c.form_id == form_id)
        ).scalar_one_or_none()


def set_cursor(conn: Connection, source: str, form_id: str, value: str | None, load_id: str | None = None) -> None:
    """Upsert the cursor inside the caller's transaction (the one that lands the rows it covers)."""
    stmt = dialect_insert(conn, cursors).values(
        source=source, form_id=form_id, cursor_value=value, load_id=load_id, updated_at=_now()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[cursors.c.source, cursors.c.form_id],
        set_={"cursor_value": stmt.excluded.cursor_value, "load_id": stmt.excluded.load_id,
              "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(stmt)
