"""One night of ODK Central: rows submitted or updated since the cursor, then a sweep of soft deletes.

Central moves ``__system/updatedAt`` on edits and review-state changes and soft-deletes with
``__system/deletedAt``, so two filtered reads (both from ``cursor − overlap``) see everything that changed;
no reconcile pass is needed. Repeat tables are read after the parents and attached to them, so a changed
parent carries all its repeat rows (repeat-row ids are content hashes that change on edit).

OData serves rows newest first, so no page before the last is a safe place to move the cursor: the batches
of the night carry ``cursor=None`` except the last, which carries the latest time read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np

from connectors.known import KnownVersions, hashes, rows_of, state_hashes
from connectors.odk import odata_time, to_record
from connectors.records import Batch, PullSummary, later, window_start

BATCH_SIZE = 1000


def changed_filter(start) -> str | None:
    """Rows submitted or updated after ``start`` (None: every row)."""
    if start is None:
        return None
    t = odata_time(start)
    return f"__system/submissionDate gt {t} or __system/updatedAt gt {t}"


def deleted_filter(start) -> str:
    return f"__system/deletedAt gt {odata_time(start)}"


def _latest(summary: PullSummary, rec: dict) -> None:
    for moment in (rec["submitted_at"], rec["updated_at"], rec["deleted_at"]):
        summary.cursor = later(summary.cursor, moment)


def _classify(summary: PullSummary, known: KnownVersions, records: list[dict]) -> None:
    """Count records as new, changed or deleted against ``known``; rows read again unchanged (the
    lookback window) and deletes of rows never held count as nothing."""
    keys = [r["submission_key"] for r in records]
    _, found, held, _ = known.find(hashes(keys, len(keys)))
    current = state_hashes([r["version_key"] for r in records], [r["validation_status"] for r in records])
    differs = ~(found & (held == current))
    deleted = np.array([r["deleted_at"] is not None for r in records], dtype=bool)
    summary.deleted += int((differs & deleted & found).sum())
    summary.new += int((differs & ~deleted & ~found).sum())
    summary.changed += int((differs & ~deleted & found).sum())


def night_records(client, form_id: str, cursor, overlap: timedelta, repeats: list[str],
                  known: KnownVersions, summary: PullSummary) -> list[dict]:
    """Every record of the night: changed rows with their repeats, then soft-deleted rows."""
    start = window_start(cursor, overlap)
    filters = [changed_filter(start)] + ([deleted_filter(start)] if start is not None else [])
    rows_by_id: dict[str, dict] = {}
    for odata_filter in filters:  # a deleted row read by both reads keeps its deleted version
        for page in client.iter_table(form_id, filter=odata_filter):
            summary.pages += 1
            rows_by_id.update((row["__id"], row) for row in page)
    rows = list(rows_by_id.values())
    client.attach_repeats(form_id, rows, repeats, filters)
    records = [to_record(row, form_id, client.source) for row in rows]
    if records:
        _classify(summary, known, records)
    for rec in records:
        _latest(summary, rec)
    summary.rows += len(records)
    return records


def pull(client, form_id: str, cursor, overlap: timedelta, repeats: list[str],
         known=None, summary: PullSummary | None = None) -> Iterator[Batch]:
    """Batches of at most ``BATCH_SIZE`` records; only the last carries the new cursor. ``known``:
    what the warehouse holds (``KnownVersions``, a ``{key: (version, status)}`` mapping or rows)."""
    summary = summary if summary is not None else PullSummary(cursor=cursor)
    if not isinstance(known, KnownVersions):
        known = KnownVersions(rows_of(known)())
    records = night_records(client, form_id, cursor, overlap, repeats, known, summary)
    if not records:
        return
    for i in range(0, len(records), BATCH_SIZE):
        last = i + BATCH_SIZE >= len(records)
        yield Batch(records[i:i + BATCH_SIZE], cursor=summary.cursor if last else None,
                    kind="incremental")


class OdkNight:
    """Iterate to get the night's batches; ``summary`` is complete once iteration ends."""

    def __init__(self, client, form_id: str, cursor, overlap: timedelta, repeats: list[str],
                 known=None):
        self.client, self.form_id, self.cursor, self.overlap = client, form_id, cursor, overlap
        self.repeats = list(repeats)
        self.known_rows = rows_of(known)  # read when iteration starts (see connectors.known)
        self.summary = PullSummary(cursor=cursor)

    def __iter__(self) -> Iterator[Batch]:
        yield from pull(self.client, self.form_id, self.cursor, self.overlap, self.repeats,
                        KnownVersions(self.known_rows()), self.summary)
