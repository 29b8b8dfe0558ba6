"""Typed reads of the HRP views for one reporting period: only the rows the period needs leave the database.

The 5W of a national response holds millions of activity lines; a report covers a month or a quarter. So
the default period ("the months the 5W covers") comes from MIN/MAX in SQL, and lines are read with the
period in the WHERE clause (the month index of ``mart_fivew_activities`` serves it). Frames are typed as
``warehouse.staging.read_table`` types them (``warehouse.columns.to_series`` per column kind).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.columns import kind_of_sql, to_series


DRIVER_KINDS = {"text", "integer", "boolean"}  # what to_series makes the same of the driver's own values


def read_frame(conn: Connection, select: sa.Select) -> pd.DataFrame:
    """The rows of ``select`` as a DataFrame typed from its columns' SQL types. When every column is text,
    integer or boolean, the driver's rows are read as they come (SQLAlchemy's rows and result processing
    cost ~0.2 s of the ~1 s a national month of 5W lines takes)."""
    result = conn.execute(select)
    names = list(result.keys())
    kinds = [kind_of_sql(column.type) for column in select.selected_columns]
    if set(kinds) <= DRIVER_KINDS:
        rows = result.cursor.fetchall()
        result.close()
    else:
        rows = result.all()
    values = list(zip(*rows)) if rows else [()] * len(names)
    return pd.DataFrame({name: to_series(list(column), kind) for name, column, kind in zip(names, values, kinds)},
                        columns=names)


def view(conn: Connection, name: str) -> sa.Table:
    """A view (or table) reflected from the database, so its columns carry their SQL types."""
    return sa.Table(name, sa.MetaData(), autoload_with=conn)


def fivew_period(engine: Engine, start: str | None, end: str | None) -> tuple[str, str]:
    """The reporting period as ISO dates: the configured bounds, else the first day of the first month and
    the last day of the last month of the ``fivew_activities`` lines ("" for either when there is none).
    Each bound is looked up within its month (the month index finds it without reading other months)."""
    first, last = (str(start)[:10] if start else ""), (str(end)[:10] if end else "")
    if first and last:
        return first, last
    with engine.connect() as conn:
        lines = view(conn, "fivew_activities")
        first_month = sa.select(sa.func.min(lines.c.month)).scalar_subquery()
        last_month = sa.select(sa.func.max(lines.c.month)).scalar_subquery()
        low = sa.select(sa.func.min(lines.c.date_start)).where(lines.c.month == first_month).scalar_subquery()
        high = sa.select(sa.func.max(lines.c.date_end)).where(lines.c.month == last_month).scalar_subquery()
        low, high = conn.execute(sa.select(low, high)).one()
    return first or str(low or ""), last or str(high or "")


def read_fivew_lines(engine: Engine, start: str | None, end: str | None) -> pd.DataFrame:
    """The ``fivew_activities`` lines whose month overlaps ``start``..``end`` (ISO dates; either end may be
    open; a line without a month is in no period, as with ``transforms.hrp_fivew.in_period``), ordered by
    submission and ordinal. The month bounds add nothing to the date bounds (a line's dates lie in its
    month) but let the month index serve a bounded period; an open one is read in key order."""
    with engine.connect() as conn:
        lines = view(conn, "fivew_activities")
        select = sa.select(lines).where(lines.c.date_start.is_not(None))
        if start:
            start = str(start)[:10]
            select = select.where(lines.c.month >= start[:7], lines.c.date_end >= start)
        if end:
            end = str(end)[:10]
            select = select.where(lines.c.month <= end[:7], lines.c.date_start <= end)
        return read_frame(conn, select.order_by(lines.c.submission_key, lines.c.ordinal))


def read_progress(engine: Engine, reporting_period: str) -> pd.DataFrame:
    """The ``hrp_indicator_progress`` rows of one reporting period (``start/end``)."""
    with engine.connect() as conn:
        progress = view(conn, "hrp_indicator_progress")
        select = sa.select(progress).where(progress.c.reporting_period == reporting_period)
        return read_frame(conn, select.order_by(progress.c.indicator_code, progress.c.admin_pcode,
                                                progress.c.period))
