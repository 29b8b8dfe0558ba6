"""Marts: the tables people query (through the public views). A cycle's scores are replaced whole."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from warehouse.columns import to_values
from warehouse.schema import mart_ccpm_scores as scores

SCORE_COLUMNS = {
    "unit_type": "text", "unit_code": "text", "unit_name": "text", "score": "float", "status": "text",
    "n_respondents": "integer", "n_partners": "integer", "n_coordinators": "integer",
}
UNIT_TYPES = ("function", "subfunction", "indicator")


def write_ccpm_scores(conn: Connection, cycle: str, df: pd.DataFrame, load_id: str) -> int:
    """Replace the CCPM scores of `cycle` with `df` (columns of the `ccpm_scores` view); return rows written."""
    missing = [c for c in ("unit_type", "unit_code") if c not in df.columns]
    if missing:
        raise ValueError(f"CCPM scores for cycle {cycle!r} lack the columns {missing}")
    unknown = sorted(set(df["unit_type"].dropna()) - set(UNIT_TYPES))
    if unknown:
        raise ValueError(f"CCPM scores for cycle {cycle!r}: unit_type {unknown} is not one of {UNIT_TYPES}")
    conn.execute(scores.delete().where(scores.c.cycle == cycle))
    names = [c for c in SCORE_COLUMNS if c in df.columns]
    columns = [to_values(df[c], SCORE_COLUMNS[c]) for c in names]
    rows = [{**dict(zip(names, values)), "cycle": cycle, "load_id": load_id} for values in zip(*columns)]
    if rows:
        conn.execute(scores.insert(), rows)
    return len(rows)
