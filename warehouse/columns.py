"""Column kinds shared by pandas and SQL: typing staging columns from DataFrame dtypes, and drift rules.

A kind is one of integer, float, boolean, timestamp, text. New columns are typed from the DataFrame
(Int64 → BIGINT, float → DOUBLE, boolean → BOOLEAN, datetime → TIMESTAMP WITH TIME ZONE (UTC), anything
else → TEXT). An existing column accepts the same kind, integers into a float column, and any value into a
text column (written as text); every other change is schema drift.
"""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from pandas.api import types as ptypes

from warehouse.db import UtcDateTime

SQL_TYPES = {
    "integer": sa.BigInteger,
    "float": sa.Double,
    "boolean": sa.Boolean,
    "timestamp": UtcDateTime,
    "text": sa.Text,
}
PANDAS_DTYPES = {
    "integer": "Int64",
    "float": "Float64",
    "boolean": "boolean",
    "text": "str",
}
_ACCEPTS = {("float", "integer")}  # (column kind, data kind) pairs that widen safely


class SchemaDriftError(RuntimeError):
    """A staging column's type changed in a way the warehouse cannot absorb automatically."""


def kind_of_dtype(dtype) -> str:
    """The column kind for a pandas dtype."""
    if ptypes.is_bool_dtype(dtype):
        return "boolean"
    if ptypes.is_integer_dtype(dtype):
        return "integer"
    if ptypes.is_float_dtype(dtype):
        return "float"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "timestamp"
    return "text"


def kind_of_sql(sql_type: sa.types.TypeEngine) -> str:
    """The column kind of a SQL type (reflected, or one of SQL_TYPES)."""
    if isinstance(sql_type, sa.types.TypeDecorator):
        sql_type = sql_type.impl
    if isinstance(sql_type, sa.Boolean):
        return "boolean"
    if isinstance(sql_type, sa.Integer):
        return "integer"
    if isinstance(sql_type, (sa.Float, sa.Numeric)):
        return "float"
    if isinstance(sql_type, sa.DateTime):
        return "timestamp"
    return "text"


def write_kind(table: str, column: str, sql_type: sa.types.TypeEngine, series: pd.Series) -> str:
    """The kind to write `series` into an existing column as, or SchemaDriftError."""
    old, new = kind_of_sql(sql_type), kind_of_dtype(series.dtype)
    if old == new or old == "text" or (old, new) in _ACCEPTS or series.isna().all():
        return old
    raise SchemaDriftError(
        f"Staging table {table!r}, column {column!r}: the warehouse column is {sql_type} ({old}) but the "
        f"new data is {series.dtype} ({new}), so the form changed this question's type. Either give the "
        f"changed question a new name in the form (it then arrives as a new column), or drop the column "
        f"{column!r} from {table!r} and re-stage the form (warehouse.raw.restage) so it is rebuilt."
    )


def to_values(series: pd.Series, kind: str) -> list:
    """Python values for the SQL driver: None for missing, text for text columns, naive UTC ``datetime``s
    for a datetime column written as timestamps (``warehouse.db.UtcDateTime`` takes naive values as UTC)."""
    if kind == "timestamp" and ptypes.is_datetime64_any_dtype(series.dtype):
        return _naive_utc(series)
    if (kind == "text" and ptypes.is_string_dtype(series.dtype) and not series.dtype == object) or (
            kind == "integer" and ptypes.is_integer_dtype(series.dtype)):
        return series.to_numpy(dtype=object, na_value=None).tolist()  # already str / int: ~4x faster
    values = series.astype(object).where(series.notna(), None).tolist()
    if kind == "text":
        return [v if v is None or isinstance(v, str) else _as_text(v) for v in values]
    if kind in ("float", "integer"):
        cast = float if kind == "float" else int
        return [None if v is None else cast(v) for v in values]
    return values


def _naive_utc(series: pd.Series) -> list:
    """A datetime column as naive UTC ``datetime``s (None for NaT), converted by pandas for the whole
    column: pandas ``Timestamp``s made each value's bind cost ~4x (a million-row night binds ~2 million)."""
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    values = series.dt.to_pydatetime().tolist()
    missing = series.isna().to_numpy()
    return [None if gone else value for value, gone in zip(values, missing)] if missing.any() else values


def _as_text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def to_series(values: list, kind: str) -> pd.Series:
    """A typed pandas Series from values read back from the warehouse."""
    if kind == "timestamp":
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    if kind in ("integer", "float", "boolean"):  # straight into the nullable array: 4x faster than astype
        return pd.Series(pd.array(values, dtype=PANDAS_DTYPES[kind]))
    return pd.Series(values, dtype=object).astype(PANDAS_DTYPES[kind])
