"""One night of KoBo: an incremental pass with a lookback, then a reconcile pass for edits and deletes.

KoBo edits keep ``_id``, ``meta/rootUuid`` and ``_submission_time`` and change ``_uuid``; validation-status
changes touch no time field; deletes are hard. A cursor on ``_submission_time`` therefore sees only new
rows. The reconcile pass reads four light fields of every row and compares them with what the warehouse
holds (``known``: submission_key → (version_key, validation_status)), re-fetches what differs by ``_id``
and emits a tombstone for each key the server no longer has.

Every pass yields ``Batch`` objects; the flow lands each batch and its cursor in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from connectors.kobo import submission_key, to_record, validation_uid
from connectors.records import Batch, PullSummary, later, record, window_start

RECONCILE_FIELDS = ["_id", "_uuid", "_validation_status", "meta/rootUuid"]
TOMBSTONE_SUFFIX = "#deleted"


def kobo_time(moment: datetime) -> str:
    """KoBo's ``_submission_time`` text: naive UTC to the second (it compares as a string server-side)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def is_tombstone(version_key: str | None) -> bool:
    return bool(version_key) and str(version_key).endswith(TOMBSTONE_SUFFIX)


def tombstone(source: str, form_id: str, key: str, previous: tuple, when: datetime) -> dict:
    """The record of a hard delete: a new version of ``key`` with ``deleted_at`` set and an empty payload."""
    version, status = previous
    return record(source, form_id, key, f"{version}{TOMBSTONE_SUFFIX}", {}, deleted_at=when,
                  validation_status=status)


def _count(summary: PullSummary, known: dict, rec: dict) -> None:
    """Classify a record against ``known`` (new / changed / unchanged) and remember it."""
    key, current = rec["submission_key"], (rec["version_key"], rec["validation_status"])
    previous = known.get(key)
    if previous is None or is_tombstone(previous[0]):
        summary.new += 1
    elif tuple(previous) != current:
        summary.changed += 1
    known[key] = current


def pull(client, asset_uid: str, form_id: str, cursor, overlap: timedelta,
         known: dict | None = None, summary: PullSummary | None = None) -> Iterator[Batch]:
    """Batches of rows with ``_submission_time >= cursor − overlap``; each batch carries the latest
    submission time read so far as the cursor to commit with it.

    Pages are read in ``_id`` order, the only order whose offsets are stable (times tie at one-second
    precision). KoBo stamps ``_submission_time`` on arrival, so times grow with ``_id``; a row that
    breaks this and falls behind a cursor committed mid-pull is still found by the reconcile pass.
    """
    known = {} if known is None else known
    summary = summary or PullSummary(cursor=cursor)
    start = window_start(cursor, overlap)
    query = {"_submission_time": {"$gte": kobo_time(start)}} if start else None
    for rows in client.iter_pages(asset_uid, query=query, form_id=form_id):
        records = [to_record(row, form_id, client.source) for row in rows]
        for rec in records:
            _count(summary, known, rec)
            summary.cursor = later(summary.cursor, rec["submitted_at"])
        summary.pages += 1
        summary.rows += len(records)
        yield Batch(records, cursor=summary.cursor, kind="incremental")


def light_rows(client, asset_uid: str, form_id: str) -> dict[str, tuple]:
    """Every row's key → (_id, _uuid, validation uid), from pages of four fields."""
    server = {}
    for rows in client.iter_pages(asset_uid, fields=RECONCILE_FIELDS, form_id=form_id):
        for row in rows:
            server[submission_key(row)] = (row["_id"], row.get("_uuid"), validation_uid(row))
    return server


def reconcile(client, asset_uid: str, form_id: str, known: dict,
              summary: PullSummary | None = None, now: datetime | None = None) -> Iterator[Batch]:
    """Batches of re-fetched changed or missed rows, then one batch of tombstones for hard deletes."""
    summary = summary or PullSummary()
    server = light_rows(client, asset_uid, form_id)
    stale = [row_id for key, (row_id, uuid, status) in server.items()
             if tuple(known.get(key) or ()) != (uuid, status)]
    for rows in client.get_by_ids(asset_uid, stale, form_id=form_id):
        records = [to_record(row, form_id, client.source) for row in rows]
        for rec in records:
            _count(summary, known, rec)
        summary.pages += 1
        summary.rows += len(records)
        yield Batch(records, kind="reconcile")
    when = now or datetime.now(timezone.utc)
    gone = sorted(k for k, v in known.items() if k not in server and not is_tombstone(v[0]))
    if gone:
        summary.deleted += len(gone)
        yield Batch([tombstone(client.source, form_id, k, tuple(known[k]), when) for k in gone],
                    kind="deleted")


class KoboNight:
    """Iterate to get the night's batches (incremental, then reconcile); ``summary`` fills as you go.

    ``known`` is copied and updated with every record yielded, so rows landed by the incremental pass
    are not fetched a second time by the reconcile pass.
    """

    def __init__(self, client, asset_uid: str, form_id: str, cursor, overlap: timedelta, known: dict):
        self.client, self.asset_uid, self.form_id = client, asset_uid, form_id
        self.cursor, self.overlap = cursor, overlap
        self.known = {k: tuple(v) for k, v in known.items()}
        self.summary = PullSummary(cursor=cursor)

    def __iter__(self) -> Iterator[Batch]:
        yield from pull(self.client, self.asset_uid, self.form_id, self.cursor, self.overlap,
                        self.known, self.summary)
        yield from reconcile(self.client, self.asset_uid, self.form_id, self.known, self.summary)
