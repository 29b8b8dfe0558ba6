"""Keep ``mart_fivew_activities`` in step with the staged 5W, touching only the submissions that changed.

A night adds or edits a few thousand submissions of a 5W that holds a million, so the mart is not rebuilt
whole. ``mart_fivew_built`` records the staged ``version_key`` each submission's lines were built from;
SQL joins between it and the staged main table find the submissions to drop (deleted, held back, or
edited) and those to build (new or edited). Once the mart has compared every submission, it follows the
form (``warehouse.changes``): staging logs the keys it touches, and later refreshes compare only those
(~1.3 s less a night at a million submissions on SQLite).

The lines also depend on the reference lists: when their fingerprint differs from the one stored in
``mart_fivew_inputs`` (or none is stored: the mart was never built), every line is dropped and rebuilt.
A refresh runs in one transaction, so the mart and its bookkeeping always change together and readers see
the previous night's mart until the new one is complete.

The lines to build are made in one of two ways, with the same result:

* in SQL, when the caller gives the lists' ``Lookups`` (``transforms.hrp_fivew.Lists.lookups``) and the
  staged columns have the kinds staging gives them (``SQL_KINDS``). One ``INSERT … SELECT`` joins the
  unbuilt submissions' main and repeat rows with the lists, copied into temporary tables, and derives each
  line's month: the lines ``transforms.hrp_fivew.fivew_lines`` makes, without a row leaving the database
  (a first build of a million submissions runs several times faster than through Python).
* otherwise by the caller's ``build`` function: the unbuilt submissions' rows are read in chunks of
  ``CHUNK`` submissions, so memory stays flat, turned into lines and bulk-inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse import bulk, changes
from warehouse.columns import kind_of_sql, to_values
from warehouse.db import chunks
from warehouse.hrp_marts import (
    FIVEW_NUMBERS,
    insert_fivew_lines,
    mart_fivew_activities,
    mart_fivew_built,
    mart_fivew_inputs,
)
from warehouse.hrp_reads import read_frame, view

CHUNK = 50_000
KEY, VERSION = "submission_key", "version_key"
Build = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
SQL_KINDS = {
    "main": {KEY: "text", VERSION: "text", "reporting_org": "text", "implementing_partner": "text",
             "admin1": "text", "admin2": "text", "site": "text", "reporting_month": "timestamp"},
    "repeat": {KEY: "text", "ordinal": "integer", "activity": "text", "indicator": "text", "modality": "text",
               "population_group": "text", **{name: "integer" for name in FIVEW_NUMBERS}},
}
LOOKUP_COLUMNS = {
    "admin2": {"pcode": "text", "name": "text"},
    "admin1": {"pcode": "text", "name": "text"},
    "partners": {"code": "text", "org_type": "text"},
    "activities": {"indicator_code": "text", "activity_name": "text", "unit": "text", "counts_people": "boolean"},
}


class Lookups(Protocol):
    """The lists as the lines join them (``transforms.hrp_fivew.Lookups``): ``frames()`` maps each name
    of ``LOOKUP_COLUMNS`` to a frame with those columns, matched on the first."""

    def frames(self) -> dict[str, pd.DataFrame]: ...


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
            chunk: int = CHUNK, lookups: Lookups | None = None, form_id: str = "fivew_monthly") -> Refresh:
    """Bring the mart in step with staging (see module doc); ``fingerprint`` identifies the lists, and
    ``lookups`` (optional) are the lists as ``build`` joins them, for the lines to be made in SQL.
    ``form_id``: the staged form, whose logged changes (``warehouse.changes``) say what to compare."""
    with engine.begin() as conn:
        main, repeat = view(conn, source.main), view(conn, source.repeat)
        full = _reset_if_lists_changed(conn, fingerprint)
        follows = not full and changes.followed(conn, form_id)
        upto = changes.last_seq(conn, form_id) if follows else None
        if follows and upto is None:
            return Refresh(0, 0, False)  # staging changed nothing since the last refresh
        among = changes.keys(form_id, upto) if follows else None  # None: compare every submission
        dropped = _drop_stale(conn, main, among)
        if lookups is not None and joinable_in_sql(main, repeat, lookups):
            built = _build_in_sql(conn, main, repeat, lookups, load_id, full, among)
        else:
            built = _build_in_chunks(conn, source, main, repeat, build, load_id, chunk, among)
        if not follows:
            changes.follow(conn, form_id)  # every submission compared: from now on, only what is logged
        else:
            changes.forget(conn, form_id, upto)
        return Refresh(dropped, built, full)


def joinable_in_sql(main: sa.Table, repeat: sa.Table, lookups: Lookups) -> bool:
    """True when the lines can be made in SQL: every staged column they read has its ``SQL_KINDS`` kind,
    and no lookup key is missing (SQL joins no NULL key, where a DataFrame merge would match it)."""
    for table, kinds in ((main, SQL_KINDS["main"]), (repeat, SQL_KINDS["repeat"])):
        if any(name not in table.c or kind_of_sql(table.c[name].type) != kind for name, kind in kinds.items()):
            return False
    return all(frame.iloc[:, 0].notna().all() for frame in lookups.frames().values())


def _build_in_sql(conn: Connection, main: sa.Table, repeat: sa.Table, lookups: Lookups, load_id: str,
                  full: bool, among: sa.Select | None = None) -> int:
    """Insert the lines of every unbuilt submission (every staged one when ``full``: the mart was just
    emptied; only those ``among`` these keys when given) with one ``INSERT … SELECT``, then record what
    they were built from; the number of submissions built. The unbuilt submissions of an incremental
    night are found once, into a temporary table; a full build goes in key order, so that the primary key
    indexes grow at their end."""
    tables = _lookup_tables(conn, lookups)
    lines = _lines_select(conn.dialect.name, main, repeat, tables, load_id)
    heads = sa.select(main.c[KEY], main.c[VERSION], sa.literal(load_id, sa.String))
    if full:
        lines, heads = lines.order_by(main.c[KEY]), heads.order_by(main.c[KEY])
    else:
        tables["unbuilt"] = unbuilt = _unbuilt_keys(conn, main, among)
        lines, heads = (query.where(main.c[KEY].in_(sa.select(unbuilt.c[KEY]))) for query in (lines, heads))
    conn.execute(mart_fivew_activities.insert().from_select(list(lines.selected_columns.keys()), lines))
    record = mart_fivew_built.insert().from_select([KEY, VERSION, "load_id"], heads)
    built = conn.execute(record, execution_options={"preserve_rowcount": True}).rowcount
    for table in tables.values():
        table.drop(conn)
    return built


def _unbuilt_keys(conn: Connection, main: sa.Table, among: sa.Select | None = None) -> sa.Table:
    """A temporary table of the keys of the staged submissions (``among`` these keys when given) with no
    built lines."""
    table = _temporary_table("tmp_fivew_unbuilt", {KEY: "text"})
    table.create(conn)
    unbuilt = sa.select(main.c[KEY]).where(~sa.exists().where(mart_fivew_built.c.submission_key == main.c[KEY]))
    if among is not None:
        unbuilt = unbuilt.where(main.c[KEY].in_(among))
    conn.execute(table.insert().from_select([KEY], unbuilt))
    _analyze(conn, table)
    return table


def _temporary_table(name: str, kinds: dict[str, str]) -> sa.Table:
    """A temporary table of text and boolean columns (``kinds``: column name -> kind)."""
    return sa.Table(name, sa.MetaData(),
                    *(sa.Column(c, sa.Boolean if kind == "boolean" else sa.Text) for c, kind in kinds.items()),
                    prefixes=["TEMPORARY"])


def _lookup_tables(conn: Connection, lookups: Lookups) -> dict[str, sa.Table]:
    """The lookups copied into temporary tables of this transaction (``LOOKUP_COLUMNS``)."""
    tables = {}
    for name, frame in lookups.frames().items():
        columns = LOOKUP_COLUMNS[name]
        table = _temporary_table(f"tmp_fivew_{name}", columns)
        table.create(conn)
        bulk.insert(conn, table, list(columns), [to_values(frame[c], kind) for c, kind in columns.items()])
        _analyze(conn, table)
        tables[name] = table
    return tables


def _analyze(conn: Connection, table: sa.Table) -> None:
    """Give PostgreSQL the statistics of a freshly filled temporary table (autovacuum never sees one):
    without them it takes each list for hundreds of rows with many duplicates, estimates the join of the
    lines hundreds of times too big, and plans (and JIT-compiles) for that."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")


def _lines_select(dialect: str, main: sa.Table, repeat: sa.Table, tables: dict[str, sa.Table],
                  load_id: str) -> sa.Select:
    """The lines of every staged submission as ``fivew_lines`` makes them, one labelled column per column
    of ``mart_fivew_activities``: the submission's columns, the activity's, the lists' names, org type,
    unit and ``counts_people`` (false for an unlisted indicator), and the reporting month's bounds."""
    admin2, admin1, partners, acts = (tables[name] for name in ("admin2", "admin1", "partners", "activities"))
    m, r = main.c, repeat.c
    columns = {
        KEY: m[KEY], "ordinal": r.ordinal, "reporting_org": m.reporting_org,
        "implementing_partner": m.implementing_partner, "org_type": partners.c.org_type,
        **_month_bounds(dialect, m.reporting_month),
        "admin1_pcode": m.admin1, "admin1_name": admin1.c.name, "admin2_pcode": m.admin2, "admin2_name": admin2.c.name,
        "site": m.site, "activity_code": r.activity, "activity_name": acts.c.activity_name,
        "indicator_code": r.indicator, "unit": acts.c.unit, "modality": r.modality,
        "population_group": r.population_group,
        "counts_people": sa.func.coalesce(acts.c.counts_people, sa.false()),
        **{name: r[name] for name in FIVEW_NUMBERS},
        "load_id": sa.literal(load_id, sa.String),
    }
    joined = (main.join(repeat, r[KEY] == m[KEY])
              .outerjoin(admin2, admin2.c.pcode == m.admin2)
              .outerjoin(admin1, admin1.c.pcode == m.admin1)
              .outerjoin(partners, partners.c.code == m.implementing_partner)
              .outerjoin(acts, acts.c.indicator_code == r.indicator))
    return sa.select(*(value.label(name) for name, value in columns.items())).select_from(joined)


def _month_bounds(dialect: str, moment: sa.ColumnElement) -> dict[str, sa.ColumnElement]:
    """``month`` (``YYYY-MM``), ``date_start`` and ``date_end`` (``YYYY-MM-DD``) of a UTC timestamp's month
    (NULL for NULL). SQLite stores timestamps as UTC text; PostgreSQL's are read at UTC."""
    if dialect == "sqlite":
        return {"month": sa.func.strftime("%Y-%m", moment),
                "date_start": sa.func.date(moment, "start of month"),
                "date_end": sa.func.date(moment, "start of month", "+1 month", "-1 day")}
    first = sa.func.date_trunc("month", sa.func.timezone("UTC", moment))
    last = first + _interval("1 month") - _interval("1 day")
    return {"month": sa.func.to_char(first, "YYYY-MM"), "date_start": sa.func.to_char(first, "YYYY-MM-DD"),
            "date_end": sa.func.to_char(last, "YYYY-MM-DD")}


def _interval(text: str) -> sa.ColumnElement:
    return sa.literal_column(f"interval '{text}'", sa.Interval)


def _build_in_chunks(conn: Connection, source: Source, main: sa.Table, repeat: sa.Table, build: Build,
                     load_id: str, chunk: int, among: sa.Select | None = None) -> int:
    """Read the unbuilt submissions (``among`` these keys when given) ``chunk`` at a time, make their lines
    with ``build`` and insert them; the number of submissions built."""
    built, after = 0, None
    while True:
        heads = read_frame(conn, _unbuilt(main, source.main_columns, after, chunk, among))
        if heads.empty:
            return built
        keys = heads[KEY].tolist()
        insert_fivew_lines(conn, build(heads, _repeat_rows(conn, repeat, source.repeat_columns, keys)), load_id)
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


def _drop_stale(conn: Connection, main: sa.Table, among: sa.Select | None = None) -> int:
    """Drop the lines and bookkeeping of submissions (``among`` these keys when given) no longer staged or
    staged at another version."""
    built = mart_fivew_built
    stale = sa.select(built.c.submission_key).select_from(
        built.outerjoin(main, main.c[KEY] == built.c.submission_key)).where(
        sa.or_(main.c[KEY].is_(None), main.c[VERSION].is_distinct_from(built.c.version_key)))
    if among is not None:
        stale = stale.where(built.c.submission_key.in_(among))
    keys = conn.execute(stale).scalars().all()
    for batch in chunks(keys):
        for table in (mart_fivew_activities, built):
            conn.execute(table.delete().where(table.c.submission_key.in_(batch)))
    return len(keys)


def _unbuilt(main: sa.Table, columns: list[str], after: str | None, chunk: int,
             among: sa.Select | None = None) -> sa.Select:
    """The next ``chunk`` staged submissions (in key order, after ``after``; ``among`` these keys when
    given) with no built lines."""
    built = mart_fivew_built
    wanted = [KEY, VERSION, *(c for c in columns if c not in (KEY, VERSION) and c in main.c)]
    select = sa.select(*(main.c[c] for c in wanted)).where(
        ~sa.exists().where(built.c.submission_key == main.c[KEY]))
    if after is not None:
        select = select.where(main.c[KEY] > after)
    if among is not None:
        select = select.where(main.c[KEY].in_(among))
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
