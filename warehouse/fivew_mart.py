"""Keep ``mart_fivew_activities`` in step with the staged 5W, touching only the submissions that changed.

A night adds or edits a few thousand submissions of a 5W that holds a million, so the mart is not rebuilt
whole. ``mart_fivew_built`` records the staged ``version_key`` each submission's lines were built from;
SQL joins between it and the staged main table find the submissions to drop (deleted, held back, or
edited) and those to build (new or edited). Only their rows are read, in chunks of ``CHUNK`` submissions so
memory stays flat, turned into lines by the caller's ``build`` function and bulk-inserted.

The lines also depend on the reference lists: when their fingerprint differs from the one stored in
``mart_fivew_inputs`` (or none is stored: the mart was never built), every line is dropped and rebuilt.
A refresh runs in one transaction, so the mart and its bookkeeping always change together and readers see
the previous night's mart until the new one is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse import bulk
from warehouse.columns import to_values
from warehouse.db import chunks
from warehouse.hrp_marts import insert_fivew_lines, mart_fivew_activities, mart_fivew_built, mart_fivew_inputs
from warehouse.hrp_reads import read_frame, view

CHUNK = 50_000
KEY, VERSION = "submission_key", "version_key"
Build = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Refresh:
    """What a refresh did: submissions whose lines were dropped (deleted, held back or edited) and
    submissions whose lines were built (new or edited); ``full`` when every line was rebuilt."""

    dropped: int
    built: int
    full: bool


@dataclass(frozen=True)
class Source:
    """The staged 5W: main and repeat tables and the columns ``build`` reads from each."""

    main: str
    repeat: str
    main_columns: list[str]
    repeat_columns: list[str]


def refresh(engine: Engine, source: Source, build: Build, fingerprint: str, load_id: str,
            chunk: int = CHUNK) -> Refresh:
    """Bring the mart in step with staging (see module doc); ``fingerprint`` identifies the lists."""
    with engine.begin() as conn:
        main, repeat = view(conn, source.main), view(conn, source.repeat)
        full = _reset_if_lists_changed(conn, fingerprint)
        dropped = _drop_stale(conn, main)
        built, after = 0, None
        while True:
            heads = read_frame(conn, _unbuilt(main, source.main_columns, after, chunk))
            if heads.empty:
                return Refresh(dropped, built, full)
            keys = heads[KEY].tolist()
            insert_fivew_lines(conn, build(heads, _repeat_rows(conn, repeat, source.repeat_columns, keys)),
                               load_id)
            _record_built(conn, heads, load_id)
            built, after = built + len(keys), keys[-1]


def _reset_if_lists_changed(conn: Connection, fingerprint: str) -> bool:
    """Empty the mart and its bookkeeping when the lists' fingerprint changed; True when it did."""
    inputs = mart_fivew_inputs
    stored = conn.execute(sa.select(inputs.c.value).where(inputs.c.name == "lists")).scalar()
    if stored == fingerprint:
        return False
    for table in (mart_fivew_activities, mart_fivew_built, inputs):
        conn.execute(table.delete())
    conn.execute(inputs.insert().values(name="lists", value=fingerprint))
    return True


def _drop_stale(conn: Connection, main: sa.Table) -> int:
    """Drop the lines and bookkeeping of submissions no longer staged or staged at another version."""
    built = mart_fivew_built
    stale = sa.select(built.c.submission_key).select_from(
        built.outerjoin(main, main.c[KEY] == built.c.submission_key)).where(
        sa.or_(main.c[KEY].is_(None), main.c[VERSION].is_distinct_from(built.c.version_key)))
    keys = conn.execute(stale).scalars().all()
    for batch in chunks(keys):
        for table in (mart_fivew_activities, built):
            conn.execute(table.delete().where(table.c.submission_key.in_(batch)))
    return len(keys)


def _unbuilt(main: sa.Table, columns: list[str], after: str | None, chunk: int) -> sa.Select:
    """The next ``chunk`` staged submissions (in key order, after ``after``) with no built lines."""
    built = mart_fivew_built
    wanted = [KEY, VERSION, *(c for c in columns if c not in (KEY, VERSION) and c in main.c)]
    select = sa.select(*(main.c[c] for c in wanted)).where(
        ~sa.exists().where(built.c.submission_key == main.c[KEY]))
    if after is not None:
        select = select.where(main.c[KEY] > after)
    return select.order_by(main.c[KEY]).limit(chunk)


def _repeat_rows(conn: Connection, repeat: sa.Table, columns: list[str], keys: list[str]) -> pd.DataFrame:
    """The repeat rows of the submissions ``keys``, read by key batches (the key index serves them)."""
    select = sa.select(*(repeat.c[c] for c in columns if c in repeat.c))
    order = [repeat.c[c] for c in (KEY, "ordinal") if c in repeat.c]
    parts = [read_frame(conn, select.where(repeat.c[KEY].in_(batch)).order_by(*order)) for batch in chunks(keys)]
    parts = [part for part in parts if len(part)] or parts[:1]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _record_built(conn: Connection, heads: pd.DataFrame, load_id: str) -> None:
    """Remember the version each submission of ``heads`` was built from."""
    columns = [to_values(heads[KEY], "text"), to_values(heads[VERSION], "text"), [load_id] * len(heads)]
    bulk.insert(conn, mart_fivew_built, [KEY, VERSION, "load_id"], columns)
