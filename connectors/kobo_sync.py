"""One night of KoBo: an incremental pass with a lookback, then a reconcile pass for edits and deletes.

KoBo edits keep ``_id``, ``meta/rootUuid`` and ``_submission_time`` and change ``_uuid``; validation-status
changes touch no time field; deletes are hard. A cursor on ``_submission_time`` therefore sees only new
rows. The reconcile pass reads four light fields of every row, page by page, and compares them with what
the warehouse holds (``connectors.known.KnownVersions``: 16 bytes per submission), re-fetches what differs
by ``_id`` and emits a tombstone for each key the server no longer has. The light read can run in
another process while the incremental pass is pulled (``KoboNight(light=...)``, ``light_rows``).

Every pass yields ``Batch`` objects; the flow lands each batch and its cursor in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Protocol

import numpy as np

from connectors.known import KeyRows, KnownRows, KnownVersions, LookedUp, key_hash, lookup_of, rows_of
from connectors.kobo import submission_key, to_record, validation_uid
from connectors.records import Batch, PullSummary, later, record, window_start

RECONCILE_FIELDS = ["_id", "_uuid", "_validation_status", "meta/rootUuid"]
TOMBSTONE_SUFFIX = "#deleted"
TOMBSTONE_BATCH = 1000


def kobo_time(moment: datetime) -> str:
    """KoBo's ``_submission_time`` text: naive UTC to the second (it compares as a string server-side)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def window_query(cursor, overlap: timedelta | int) -> dict | None:
    """The incremental pass's query: rows submitted since ``cursor`` minus the overlap (None: all rows)."""
    overlap = overlap if isinstance(overlap, timedelta) else timedelta(minutes=overlap)
    start = window_start(cursor, overlap)
    return {"_submission_time": {"$gte": kobo_time(start)}} if start else None


def is_tombstone(version_key: str | None) -> bool:
    return bool(version_key) and str(version_key).endswith(TOMBSTONE_SUFFIX)


def tombstone(source: str, form_id: str, key: str, previous: tuple, when: datetime) -> dict:
    """The record of a hard delete: a new version of ``key`` with ``deleted_at`` set and an empty payload."""
    version, status = previous
    return record(source, form_id, key, f"{version}{TOMBSTONE_SUFFIX}", {}, deleted_at=when,
                  validation_status=status)


def _keys(records: list[dict]) -> tuple[list, list, list]:
    return ([r["submission_key"] for r in records], [r["version_key"] for r in records],
            [r["validation_status"] for r in records])


def _count(summary: PullSummary, known: KnownVersions, records: list[dict]) -> None:
    """Count a page of records against what was held (new / changed / unchanged) and remember them."""
    columns = _keys(records)
    new, changed = known.classify(*columns)
    summary.new += int(new.sum())
    summary.changed += int(changed.sum())
    known.add(*columns)


def pull(client, asset_uid: str, form_id: str, cursor, overlap: timedelta,
         known: KnownVersions | None = None, summary: PullSummary | None = None) -> Iterator[Batch]:
    """Batches of rows with ``_submission_time >= cursor − overlap``; each batch carries the latest
    submission time read so far as the cursor to commit with it.

    Pages are read in ``_id`` order, by key (``connectors.kobo``; times tie at one-second precision, ids
    do not). KoBo stamps ``_submission_time`` on arrival, so times grow with ``_id``; a row that
    breaks this and falls behind a cursor committed mid-pull is still found by the reconcile pass.
    """
    known = known if known is not None else KnownVersions()
    summary = summary or PullSummary(cursor=cursor)
    for rows in client.iter_pages(asset_uid, query=window_query(cursor, overlap), form_id=form_id):
        records = [to_record(row, form_id, client.source) for row in rows]
        _count(summary, known, records)
        latest = max((r["submitted_at"] for r in records if r["submitted_at"] is not None), default=None)
        summary.cursor = later(summary.cursor, latest)
        summary.pages += 1
        summary.rows += len(records)
        yield Batch(records, cursor=summary.cursor, kind="incremental")


def light_pass(client, asset_uid: str, form_id: str, known: KnownVersions) -> list[tuple]:
    """Read every row's light fields, page by page, against ``known`` (marking what it sees, for
    ``KnownVersions.unseen``); ``(_id, key, uuid, validation status)`` of the rows it holds at another
    version or not at all. Memory stays flat however many rows the form has."""
    stale: list[tuple] = []
    for rows in client.iter_pages(asset_uid, fields=RECONCILE_FIELDS, form_id=form_id):
        keys = [submission_key(row) for row in rows]
        uuids, statuses = [row.get("_uuid") for row in rows], [validation_uid(row) for row in rows]
        for i in np.flatnonzero(known.stale(keys, uuids, statuses)).tolist():
            stale.append((int(rows[i]["_id"]), keys[i], uuids[i], statuses[i]))
    return stale


def light_rows(client, asset_uid: str, form_id: str, known_rows: KnownRows) -> tuple[list[tuple], set[str]]:
    """The light pass on its own, against what ``known_rows`` holds when it starts (a second process runs it
    while the first pulls the night's new rows, ``KoboNight(light=...)``): the rows ``light_pass`` finds
    stale, and the keys held as live that the server no longer has."""
    known = KnownVersions(known_rows(), dead=is_tombstone)
    stale = light_pass(client, asset_uid, form_id, known)
    gone = known.unseen()
    if not gone:
        return stale, set()
    return stale, {str(key) for key, version, _ in known_rows()
                   if key_hash(key) in gone and not is_tombstone(version)}


def reconcile(client, asset_uid: str, form_id: str, known: KnownVersions, known_rows: KnownRows,
              summary: PullSummary | None = None, now: datetime | None = None,
              light: tuple[list[tuple], set[str]] | None = None, lookup: KeyRows | None = None) -> Iterator[Batch]:
    """Batches of re-fetched changed or missed rows, then batches of tombstones for hard deletes.

    Reads the server's light rows against ``known`` (what the warehouse holds, compact), or takes them
    from ``light``: what ``light_rows`` found against the warehouse as it was before this night's new
    rows landed; the rows that ``known`` now holds at the server's version are not fetched again. The
    rows of deleted keys are read back from the warehouse only when some are missing from the server:
    by key through ``lookup`` when given (with ``light``), else from ``known_rows``."""
    summary = summary or PullSummary()
    if light is None:
        stale = [row[0] for row in light_pass(client, asset_uid, form_id, known)]
        hashes = known.unseen()
        any_gone, gone = bool(hashes), lambda key: key_hash(key) in hashes
    else:
        found, keys = light
        still = known.differs([r[1] for r in found], [r[2] for r in found], [r[3] for r in found])
        stale = [row[0] for row, differs in zip(found, still.tolist()) if differs]
        any_gone, gone = bool(keys), lambda key: str(key) in keys
    for rows in client.get_by_ids(asset_uid, stale, form_id=form_id):
        records = [to_record(row, form_id, client.source) for row in rows]
        _count(summary, known, records)
        summary.pages += 1
        summary.rows += len(records)
        yield Batch(records, kind="reconcile")
    if not any_gone:
        return
    when = now or datetime.now(timezone.utc)
    batch: list[dict] = []
    held = lookup(sorted(light[1])) if light is not None and lookup is not None else known_rows()
    for key, version, status in held:
        if gone(key) and not is_tombstone(version):
            batch.append(tombstone(client.source, form_id, str(key), (version, status), when))
            summary.deleted += 1
        if len(batch) >= TOMBSTONE_BATCH:
            yield Batch(batch, kind="deleted")
            batch = []
    if batch:
        yield Batch(batch, kind="deleted")


class Reading(Protocol):
    """A light read started elsewhere (``concurrent.futures.Future`` is one): ``light_rows``' result."""

    def done(self) -> bool: ...

    def result(self) -> tuple[list[tuple], set[str]]: ...

    def cancel(self) -> object: ...


class KoboNight:
    """Iterate to get the night's batches (incremental, then reconcile); ``summary`` fills as you go.

    ``known``: what the warehouse holds, as ``{key: (version, status)}`` or a callable yielding
    ``(key, version, status)`` rows (``connectors.known``); it is read once when iteration starts, and
    again only to name hard-deleted rows. Records of the incremental pass are remembered, so the
    reconcile pass does not fetch them a second time. ``light``, when given, starts the reconcile pass's
    light read elsewhere as iteration starts (``light()`` returns a ``Reading``), so that it runs while
    the incremental pass is pulled here; this night then reads only the rows of the keys it meets when
    ``known`` can be looked up by key (a mapping, or a callable with a ``lookup`` attribute:
    ``connectors.known.lookup_of``).
    """

    def __init__(self, client, asset_uid: str, form_id: str, cursor, overlap: timedelta, known,
                 light: Callable[[], Reading] | None = None):
        self.client, self.asset_uid, self.form_id = client, asset_uid, form_id
        self.cursor, self.overlap = cursor, overlap
        self.known_rows, self.lookup = rows_of(known), lookup_of(known)
        self.light = light
        self.summary = PullSummary(cursor=cursor)

    def __iter__(self) -> Iterator[Batch]:
        reading = self.light() if self.light is not None else None
        try:
            if reading is not None and self.lookup is not None:
                held = LookedUp(self.lookup, dead=is_tombstone)
            else:
                held = KnownVersions(self.known_rows(), dead=is_tombstone)
            yield from pull(self.client, self.asset_uid, self.form_id, self.cursor, self.overlap,
                            held, self.summary)
            held = held.updated()  # the arrays before the pass are freed: a million keys are ~25 MB a copy
            if reading is not None and not reading.done():
                yield Batch([], kind="pause")
            light = reading.result() if reading is not None else None
        finally:
            if reading is not None:
                reading.cancel()  # ends a read still running when the night stops early; else nothing
        yield from reconcile(self.client, self.asset_uid, self.form_id, held, self.known_rows, self.summary,
                             light=light, lookup=self.lookup)
