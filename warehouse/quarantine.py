"""Quarantine: the current validation issues of each submission (replaced whenever it is re-staged)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy.engine import Connection

from warehouse.columns import to_values
from warehouse.db import chunks
from warehouse.schema import quarantine_issues as issues

REQUIRED = ("submission_key", "rule")
OPTIONAL = ("version_key", "field", "value", "message", "org")


def replace_issues(conn: Connection, form_id: str, keys, issues_df: pd.DataFrame | None, load_id: str) -> int:
    """Replace the issues of the submissions `keys` (and of any submission in `issues_df`) with `issues_df`.

    `issues_df` has the columns of transforms.validate issues (`form_id, submission_key, rule, field,
    value, message`; `version_key` and `org` optional). Passing no issues clears those submissions.
    Returns the number of issues written.
    """
    frame = issues_df if issues_df is not None else pd.DataFrame(columns=list(REQUIRED))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"Form {form_id}: quarantine issues lack the columns {missing}")
    cleared = {str(k) for k in keys} | {str(k) for k in frame["submission_key"].dropna()}
    for batch in chunks(sorted(cleared)):
        conn.execute(issues.delete().where(issues.c.form_id == form_id, issues.c.submission_key.in_(batch)))
    if frame.empty:
        return 0
    rows = _rows(frame, form_id, load_id)
    conn.execute(issues.insert(), rows)
    return len(rows)


def _rows(frame: pd.DataFrame, form_id: str, load_id: str) -> list[dict]:
    names = ["submission_key", "rule", *(c for c in OPTIONAL if c in frame.columns)]
    columns = [to_values(frame[name], "text") for name in names]
    created_at = datetime.now(timezone.utc)
    return [
        {**dict(zip(names, values)), "form_id": form_id, "load_id": load_id, "created_at": created_at}
        for values in zip(*columns)
    ]
