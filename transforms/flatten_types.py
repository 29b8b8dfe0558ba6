"""Whole-column typing of raw answers by question type (used by ``transforms.flatten``).

Each function takes one column of raw values (an object Series: strings from KoBo, typed values from ODK)
and returns typed columns plus a boolean mask of the values that were given but could not be typed. Dtypes:
integer → Int64, decimal/range → Float64, date → datetime64[us] at midnight (naive), datetime/start/end →
datetime64[us, UTC], geopoint → four Float64 columns ``_lat _lon _alt _acc``, select_multiple → the
space-separated codes plus one nullable boolean per choice ``<name>__<code>``, everything else → str.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from forms.definition import Field

INTEGER = {"integer"}
DECIMAL = {"decimal", "range"}
DATE = {"date", "today"}
DATETIME = {"datetime", "dateTime", "start", "end"}
GEOPOINT = {"geopoint", "start-geopoint"}
GEOLINE = {"geotrace", "geoshape"}
GEO_PARTS = ("lat", "lon", "alt", "acc")
MESSAGES = {
    "integer": "must be a whole number; {value} is not. Enter digits only, without text or decimals.",
    "decimal": "must be a number; {value} is not. Enter digits only (use a dot for decimals).",
    "date": "must be a real calendar date written YYYY-MM-DD; {value} is not. Correct the date.",
    "datetime": "must be a date and time; {value} is not. Correct the date and time.",
    "geopoint": "must be a GPS point (latitude -90..90, longitude -180..180); {value} is not. "
                "Capture the location again.",
}


def _kind(field: Field) -> str:
    for kind, group in (("integer", INTEGER), ("decimal", DECIMAL), ("date", DATE), ("datetime", DATETIME),
                        ("geopoint", GEOPOINT)):
        if field.type in group:
            return kind
    return "text"


def type_message(field: Field, raw) -> str:
    from transforms.issues import as_text, label
    template = MESSAGES.get(_kind(field),
                            "must be one answer, not a list or a group of values; {value} is not. Answer again.")
    return f"{label(field)} " + template.format(value=repr(as_text(raw, 60)))


def _present(raw: pd.Series) -> pd.Series:
    """Given answers: not null and not empty text."""
    return pd.Series(_given(raw.to_numpy(dtype=object)), index=raw.index)


def _given(values: np.ndarray, notna: np.ndarray | None = None) -> np.ndarray:
    """``_present`` on the object array (half the time of the Series ops, which a batch runs for every
    question); ``notna``: the array's ``pd.notna`` when the caller has it."""
    notna = pd.notna(values) if notna is None else notna
    try:
        return notna & np.not_equal(values, "", dtype=bool)
    except (TypeError, ValueError):  # a value whose comparison is not a plain bool
        raw = pd.Series(values, dtype=object)
        return (raw.notna() & (raw != "")).to_numpy(dtype=bool)


def _all_text(raw: pd.Series) -> bool:
    """True when every given value is already a string (KoBo's case): the per-value type checks are skipped.

    ``infer_dtype`` is one C pass; ``map(type)`` would be a Python call per value, per question, per batch.
    """
    return pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty")


def _structured(raw: pd.Series) -> pd.Series:
    if _all_text(raw):
        return pd.Series(False, index=raw.index)
    return raw.map(type).isin([dict, list])


def _text(raw: pd.Series, all_text: bool | None = None) -> pd.Series:
    """Scalars as text (integral floats without '.0'); containers and empties become null."""
    if _all_text(raw) if all_text is None else all_text:
        return raw.where(_present(raw)).astype("str")
    out = raw.where(_present(raw) & ~_structured(raw))
    other = out.notna() & ~out.map(type).isin([str])
    if other.any():
        out[other] = out[other].map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer()
                                    else str(v).lower() if isinstance(v, bool) else str(v))
    return out.astype("str")


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The column read as numbers (float64, NaN: absent or not a number) and the mask of given answers."""
    values = raw.to_numpy(dtype=object)
    notna = pd.notna(values)
    try:
        text = "".join(values[notna])  # fails unless every given value is text (KoBo's case)
    except TypeError:
        scalars = raw.where(~_structured(raw) & ~raw.map(type).isin([bool]))
        return _to_numeric(scalars), _given(values, notna)
    return _text_numbers(values, text), _given(values, notna)


def _text_numbers(values: np.ndarray, text: str) -> np.ndarray:
    """Text values read as ``pd.to_numeric(errors="coerce")`` reads them, as float64 (NaN: absent or not a
    number); ``text``: the given values joined. numpy's conversion is 3x faster (a 5W batch has a dozen
    number columns) but reads what Python's ``float`` reads: it is used only when every given value is
    ASCII without '_' (so no '1_000', no other scripts' digits) and all of them are numbers; any other
    column goes to ``to_numeric``."""
    if text.isascii() and "_" not in text:
        try:
            return values.astype(np.float64)
        except (ValueError, TypeError):  # some value is not a number: to_numeric nulls that one alone
            pass
    return _to_numeric(pd.Series(values, dtype=object))


def _to_numeric(raw: pd.Series) -> np.ndarray:
    return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _integer(field, column, raw, codes):
    number, given = _numbers(raw)
    ok = (np.abs(number) < 2 ** 53) & (np.floor(number) == number)  # whole and exact (NaN, inf: not)
    return _number_column(column, raw, pd.arrays.IntegerArray(np.where(ok, number, 0).astype(np.int64), ~ok),
                          given, ok)


def _decimal(field, column, raw, codes):
    number, given = _numbers(raw)
    ok = np.isfinite(number)
    return _number_column(column, raw, pd.arrays.FloatingArray(np.where(ok, number, 0.0), ~ok), given, ok)


def _number_column(column: str, raw: pd.Series, typed, given: np.ndarray, ok: np.ndarray):
    """A number question's typed column (null where not ``ok``) and the mask of given answers it could not
    read as its kind of number."""
    return {column: pd.Series(typed, index=raw.index)}, pd.Series(given & ~ok, index=raw.index)


def _date(field, column, raw, codes):
    text = _text(raw)
    shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:T.*)?").fillna(False).astype(bool)
    value = pd.to_datetime(text.where(shaped).str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    value = value.astype("datetime64[us]")
    return {column: value}, _present(raw) & value.isna()


def _datetime(field, column, raw, codes):
    text = _text(raw)
    value = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601").astype("datetime64[us, UTC]")
    return {column: value}, _present(raw) & value.isna()


def _geojson_text(value):
    """A GeoJSON Point/LineString/Polygon as KoBo writes it: "lat lon alt acc" points joined by ';'."""
    if not isinstance(value, dict) or "coordinates" not in value:
        return value
    coords, accuracy = value.get("coordinates"), (value.get("properties") or {}).get("accuracy")
    if value.get("type") == "Point":
        coords = [coords]
    elif value.get("type") == "Polygon" and isinstance(coords, list) and coords:
        coords = coords[0]
    try:
        points = [[p[1], p[0], p[2] if len(p) > 2 else 0, accuracy if accuracy is not None else 0]
                  for p in coords]
    except (TypeError, IndexError, KeyError):
        return json.dumps(value)
    return ";".join(" ".join(str(x) for x in point) for point in points)


def _geopoint(field, column, raw, codes):
    raw = raw.map(_geojson_text) if raw.map(type).isin([dict]).any() else raw
    parts = _text(raw).str.split(expand=True) if len(raw) else pd.DataFrame()
    out, numbers = {}, []
    for i, part in enumerate(GEO_PARTS):
        col = parts[i] if i in parts.columns else pd.Series(None, index=raw.index, dtype=object)
        numbers.append(pd.to_numeric(col, errors="coerce").astype("float64"))
    lat, lon = numbers[0], numbers[1]
    ok = lat.between(-90, 90) & lon.between(-180, 180)
    if 4 in parts.columns:  # a fifth number on some rows: those rows are not points
        ok &= parts[4].isna()
    for part, number in zip(GEO_PARTS, numbers):
        out[f"{column}_{part}"] = number.where(ok).astype("Float64")
    return out, _present(raw) & ~ok


def _select_multiple(field, column, raw, codes):
    all_text = _all_text(raw)
    text = _text(raw, all_text)
    if text.notna().any():  # pandas types the split of a column without any answer as numbers: no .str
        text = text.str.split().str.join(" ")
    text = text.where(text != "")
    out = {column: text.astype("str")}
    answered = text.notna()
    padded = " " + text.fillna("") + " "
    for code in codes:
        out[f"{column}__{code}"] = padded.str.contains(f" {code} ", regex=False).astype("boolean") \
            .where(answered, pd.NA)
    return out, _untypable(raw, all_text)


def _plain_text(field, column, raw, codes):
    if field.type in GEOLINE and raw.map(type).isin([dict]).any():
        raw = raw.map(_geojson_text)
    all_text = _all_text(raw)
    return {column: _text(raw, all_text)}, _untypable(raw, all_text)


def _untypable(raw: pd.Series, all_text: bool) -> pd.Series:
    """Given values that are containers (a list or a group where one answer belongs); none when every
    value is text, KoBo's case (checked once per column by the caller)."""
    if all_text:
        return pd.Series(False, index=raw.index)
    return _present(raw) & _structured(raw)


TYPERS = {"integer": _integer, "decimal": _decimal, "date": _date, "datetime": _datetime,
          "geopoint": _geopoint}


def typed_columns(field: Field, column: str, raw: pd.Series, codes: list[str]):
    """Typed column(s) of one question and the mask of given values that could not be typed."""
    if field.type == "select_multiple":
        return _select_multiple(field, column, raw, codes)
    return TYPERS.get(_kind(field), _plain_text)(field, column, raw, codes)


def _utc(values: pd.Series) -> pd.Series:
    """Submission times (datetimes from connectors, or ISO text) as UTC timestamps; others become null."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("datetime", "empty"):
        values = values.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601").astype("datetime64[us, UTC]")


def type_keys(frame: pd.DataFrame, is_main: bool) -> pd.DataFrame:
    """Types of the key columns: text keys, UTC ``submitted_at``, Int64 ordinals."""
    frame = frame.copy()
    if is_main:
        for col in ("submission_key", "version_key", "form_version"):
            frame[col] = _text(frame[col])
        frame["submitted_at"] = _utc(frame["submitted_at"])
    else:
        for col in ("submission_key", "repeat_path", "ordinal_path"):
            frame[col] = _text(frame[col])
        for col in ("ordinal", "parent_ordinal"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return frame
