"""The naive alternative: page with requests, ``pandas.json_normalize`` each page, ``DataFrame.to_sql``.

What a one-off script would do: no typing, no validation, no repeat tables (activity lines stay a JSON
text column), no state; columns that first appear on a later page are added to the table on the fly.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pandas as pd
import requests

TABLE = "fivew_monthly_naive"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts (repeats, attachments, validation status) as JSON text, which SQLite can store."""
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
    return frame


def _append(con: sqlite3.Connection, frame: pd.DataFrame, known: set[str]) -> None:
    if known:
        for column in [c for c in frame.columns if c not in known]:
            con.execute(f'ALTER TABLE {TABLE} ADD COLUMN "{column}"')
    frame.to_sql(TABLE, con, if_exists="append", index=False)
    known.update(frame.columns)


def naive(spec: dict) -> dict:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {spec['token']}"
    url = f"{spec['url']}/api/v2/assets/{spec['asset_uid']}/data/"
    params = {"format": "json", "start": 0, "limit": 1000}
    con = sqlite3.connect(Path(spec["workdir"]) / "naive.db")
    known: set[str] = set()
    rows = 0
    began = time.perf_counter()
    while url:
        page = session.get(url, params=params, timeout=120).json()
        _append(con, _plain(pd.json_normalize(page["results"])), known)
        con.commit()
        rows += len(page["results"])
        url, params = page.get("next"), None
    con.close()
    return {"rows": rows, "seconds": time.perf_counter() - began}
