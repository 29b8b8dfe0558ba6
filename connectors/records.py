"""What connectors hand to the flow: records, batches of records with their cursor, and a pull summary.

A **record** is a plain dict (see docs/architecture.md)::

    {source, form_id, submission_key, version_key, submitted_at, updated_at, deleted_at,
     validation_status, payload}

with timezone-aware UTC datetimes (or None). A **batch** is one page of records plus the cursor value to
commit in the same transaction (``None``: leave the cursor where it is). The flow lands each batch with
``warehouse.raw.land`` and ``warehouse.state.set_cursor`` on one connection, so a crash never advances a
cursor past rows it has not landed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

RECORD_KEYS = ("source", "form_id", "submission_key", "version_key", "submitted_at", "updated_at",
               "deleted_at", "validation_status", "payload")


@dataclass
class Batch:
    """One page of records and the cursor to commit with it. ``kind``: ``incremental``, ``reconcile``,
    ``deleted`` (tombstones of rows the server no longer has), or ``pause``: no records, the source is
    about to wait for work done elsewhere (a reconcile read in another process), and the caller may use
    the time (a night stages what it holds)."""

    records: list[dict]
    cursor: str | None = None
    kind: str = "incremental"


@dataclass
class PullSummary:
    """Counts of one night's pull of one form, relative to the keys the warehouse already held."""

    pages: int = 0
    rows: int = 0
    new: int = 0
    changed: int = 0
    deleted: int = 0
    cursor: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pages": self.pages, "rows": self.rows, "new": self.new, "changed": self.changed,
                "deleted": self.deleted, "cursor": self.cursor}


def record(source: str, form_id: str, submission_key, version_key, payload, *, submitted_at=None,
           updated_at=None, deleted_at=None, validation_status=None) -> dict:
    """A record dict with every key present, keys as strings."""
    return {"source": source, "form_id": form_id, "submission_key": str(submission_key),
            "version_key": str(version_key), "submitted_at": submitted_at, "updated_at": updated_at,
            "deleted_at": deleted_at, "validation_status": validation_status, "payload": payload}


def parse_utc(value) -> datetime | None:
    """An aware UTC datetime from ISO text; text without an offset is read as UTC (KoBo's
    ``_submission_time`` has none). ``None`` and ``""`` give ``None``; a datetime passes through."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_cursor(value: datetime) -> str:
    """The text a cursor is stored as: ISO 8601 UTC with an explicit offset, microseconds when present."""
    return parse_utc(value).isoformat()


def window_start(cursor, overlap: timedelta) -> datetime | None:
    """Where an incremental read starts: the cursor minus the lookback overlap (None: read everything)."""
    start = parse_utc(cursor)
    return None if start is None else start - overlap


def later(a: str | None, b: datetime | None) -> str | None:
    """The later of a stored cursor text and a datetime, as cursor text."""
    if b is None:
        return a
    if a is None or parse_utc(a) < b:
        return format_cursor(b)
    return a
