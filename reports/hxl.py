"""HXL-tagged CSV files: a human header row, the hashtag row right under it, then the data.

Tags follow shared/domain/hrp.md (``#org +impl +name``, ``#adm1 +code``, ``#reached +f +children``, ...).
Numbers under ``#inneed``, ``#targeted`` and ``#reached`` are written as plain numbers (no thousands separator,
no percent sign) so HXL tools can add them up; a missing figure is an empty cell.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

ORG_IMPL = "#org +impl +name"
ORG_REPORTING = "#org +reporting"
ORG_TYPE = "#org +impl +type"
SECTOR = "#sector +cluster"
ACTIVITY = "#activity +code"
ACTIVITY_NAME = "#activity +name"
INDICATOR = "#indicator +code"
INDICATOR_NAME = "#indicator +name"
ADM1, ADM1_NAME = "#adm1 +code", "#adm1 +name"
ADM2, ADM2_NAME = "#adm2 +code", "#adm2 +name"
DATE_START, DATE_END = "#date +start", "#date +end"
INNEED, TARGETED = "#inneed", "#targeted"
REACHED_IND = "#reached +ind"
REACHED = "#reached"
REACHED_DISABLED = "#reached +disabled"
SEX = {"girls": "+f", "boys": "+m", "women": "+f", "men": "+m", "elderly_women": "+f", "elderly_men": "+m"}
AGE = {"girls": "+children", "boys": "+children", "women": "+adults", "men": "+adults",
       "elderly_women": "+elderly", "elderly_men": "+elderly"}
NUMERIC_HASHTAGS = ("#inneed", "#targeted", "#reached")


def group_tag(base: str, group: str) -> str:
    """``#reached +f +children`` for ``girls`` (sex then age attribute), on any base hashtag."""
    return f"{base} {SEX[group]} {AGE[group]}"


def hxl_cell(value):
    """A value as written in a CSV cell: empty when missing, integral floats without ".0"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def write_hxl_csv(path: str | Path, frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> Path:
    """Write ``frame`` with ``columns`` = [(column, human header, hashtag)] as an HXL CSV (UTF-8).

    Cells are formatted a column at a time (``csv_cells``) and written by pandas' C writer, in the
    dialect of ``csv.writer``: a national 5W period holds hundreds of thousands of lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [key for key, _, _ in columns]  # a column the frame lacks is written empty
    body = frame.reindex(columns=keys)
    cells = pd.DataFrame({i: csv_cells(body.iloc[:, i]) for i in range(len(keys))}, index=body.index)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([header for _, header, _ in columns])
        writer.writerow([tag for _, _, tag in columns])
        cells.to_csv(fh, header=False, index=False, lineterminator="\r\n")
    return path


def csv_cells(series: pd.Series) -> pd.Series:
    """``hxl_cell`` of every value of a column: whole numbers without ".0", empty when missing."""
    if pd.api.types.is_float_dtype(series.dtype):
        number = series.astype("float64")
        whole = np.isfinite(number) & (number % 1 == 0)
        small = whole & (number.abs() < 2 ** 63)
        out = number.astype(object)
        out[small] = number[small].astype("int64").astype(object)
        out[whole & ~small] = [int(v) for v in number[whole & ~small]]
        return out.where(series.notna(), "")
    if pd.api.types.is_object_dtype(series.dtype):
        return series.map(hxl_cell).astype(object)
    return series.astype(object).where(series.notna(), "")


def read_hxl_csv(path: str | Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """Headers, hashtags and data rows (keyed by hashtag + position-unique header) of an HXL CSV."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    headers, tags = rows[0], rows[1]
    return headers, tags, [dict(zip(headers, row)) for row in rows[2:]]
