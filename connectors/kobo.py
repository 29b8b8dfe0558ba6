"""KoBoToolbox KPI v2 client: pages of submissions and their mapping to records.

``iter_pages`` reads pages in ``_id`` order by key, not by offset: each page after the first asks for
the rows with ``_id`` above the last one read (``{"_id": {"$gt": last}}`` added to the query, ``start``
always 0; ``limit`` clamped to the server's silent maximum of 1000). KoBo stores submissions in MongoDB,
where an offset is a skip: the server walks every row before it, so offset paging over a million rows
makes the server read ~500 million index entries in all, and a row deleted while the pages are read
shifts every later row back by one, so that one row is never read (and a reconcile pass would take it
for deleted). Paging by key asks the server for no skip, and no row is passed over. Queries that already
bound ``_id``, other sorts, and field lists without ``_id`` follow the offsets of the server's ``next``
links instead.

A page that still fails with 502/504 after the session's retries is asked for again from the same place at
half the size: KoBo cuts a request after ~120 s, and wide forms hit that at 1000 rows. The night's
incremental and reconcile passes live in ``connectors.kobo_sync``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

from connectors.errors import SourceError
from connectors.http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, ApiSession, TokenAuth
from connectors.prefetch import prefetched
from connectors.records import parse_utc, record

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000          # KPI clamps larger limits silently
MIN_PAGE_SIZE = 25            # halving stops here and the error is raised
HALVE_ON = (502, 504)         # gateway timeouts: the page was too big to serve in time
DEFAULT_SORT = {"_id": 1}


def clamp_page_size(size: int) -> int:
    """A page size the server will honour: 1 to 1000."""
    return max(1, min(int(size), MAX_PAGE_SIZE))


def data_path(asset_uid: str) -> str:
    return f"api/v2/assets/{asset_uid}/data/"


def page_params(start: int, limit: int, query=None, fields=None, sort=None) -> dict:
    """Query-string parameters of one data page; ``query``, ``fields`` and ``sort`` are sent as JSON."""
    params = {"format": "json", "start": int(start), "limit": clamp_page_size(limit)}
    if query:
        params["query"] = json.dumps(query, separators=(",", ":"))
    if fields:
        params["fields"] = json.dumps(list(fields), separators=(",", ":"))
    if sort:
        params["sort"] = json.dumps(sort, separators=(",", ":"))
    return params


def pages_by_key(query, fields, sort) -> bool:
    """Can pages be read by ``_id`` key (see module doc)? Rows in ``_id`` order carrying their ``_id``,
    and a query that does not bound ``_id`` itself."""
    in_id_order = sort in (None, {}, DEFAULT_SORT)
    carries_id = fields is None or "_id" in fields
    return in_id_order and carries_id and not (isinstance(query, dict) and "_id" in query)


def submission_key(row: dict) -> str:
    """The stable business key: ``meta/rootUuid`` (kept across edits), else ``_id``."""
    key = row.get("meta/rootUuid") or row.get("_id")
    if key in (None, ""):
        raise ValueError(f"KoBo row has neither meta/rootUuid nor _id: keys {sorted(row)[:10]}")
    return str(key)


def validation_uid(row: dict) -> str | None:
    status = row.get("_validation_status") or {}
    return status.get("uid") if isinstance(status, dict) else (str(status) or None)


def to_record(row: dict, form_id: str, source: str = "kobo") -> dict:
    """The record of one KoBo submission row; ``payload`` is the row unchanged."""
    return record(source, form_id, submission_key(row), row.get("_uuid") or row.get("meta/instanceID"),
                  row, submitted_at=parse_utc(row.get("_submission_time")),
                  validation_status=validation_uid(row))


class KoboClient:
    """Read-only client of one KoBo server (``Authorization: Token <token>``; the token is never shown)."""

    def __init__(self, base_url: str, token: str, page_size: int = MAX_PAGE_SIZE, timeout=DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES, backoff_factor: float = 0.5, source: str = "kobo",
                 prefetch: int = 2):
        host = urlsplit(base_url).netloc or base_url
        self.session = ApiSession(base_url, name=f"KoBo server {host}", timeout=timeout, retries=retries,
                                  backoff_factor=backoff_factor)
        self.session.auth = TokenAuth("Token", token)
        self.page_size = clamp_page_size(page_size)
        self.source = source
        self.prefetch = prefetch  # pages read ahead while the caller lands the current one

    def __repr__(self) -> str:
        return f"KoboClient(base_url={self.session.base_url!r}, page_size={self.page_size})"

    def iter_pages(self, asset_uid: str, query=None, fields=None, sort=DEFAULT_SORT,
                   page_size: int | None = None, form_id: str | None = None) -> Iterator[list[dict]]:
        """Yield the ``results`` of each page, by ``_id`` key where it can (see module doc), until the
        server has no more, halving the page on 502/504.

        The next pages are read ahead in a background thread (``connectors.prefetch``) while the caller
        works on the current one; an error reaches the caller after the pages before it."""
        return prefetched(self._pages(asset_uid, query, fields, sort, page_size, form_id), self.prefetch)

    def _pages(self, asset_uid: str, query, fields, sort, page_size: int | None,
               form_id: str | None) -> Iterator[list[dict]]:
        limit = clamp_page_size(page_size or self.page_size)
        by_key = pages_by_key(query, fields, sort)
        label = f"reading form {form_id or '?'} (asset {asset_uid})"
        after, start = None, 0  # the last _id read (by key), or the offset reached (by offset)
        while True:
            asked = query if after is None else {**(query or {}), "_id": {"$gt": after}}
            where = f"after _id {after}" if after is not None else f"at offset {start}"
            try:
                page = self.session.get_json(data_path(asset_uid), page_params(start, limit, asked, fields, sort),
                                             what=f"{label} {where}")
            except SourceError as exc:
                if exc.status not in HALVE_ON or limit <= MIN_PAGE_SIZE:
                    raise
                limit = max(MIN_PAGE_SIZE, limit // 2)
                log.warning("%s: HTTP %s %s; retrying with pages of %d", label, exc.status, where, limit)
                continue
            results = page.get("results") or []
            if results:
                yield results
            if not results or not page.get("next"):
                return
            if by_key:
                after = int(results[-1]["_id"])
            else:
                start += len(results)

    def count(self, asset_uid: str, query=None) -> int:
        """How many submissions match ``query`` (one request for one light row; the server's ``count``)."""
        page = self.session.get_json(data_path(asset_uid), page_params(0, 1, query, ["_id"], DEFAULT_SORT),
                                     what=f"counting the submissions of asset {asset_uid}")
        return int(page.get("count") or 0)

    def get_by_ids(self, asset_uid: str, ids: list[int], chunk: int = 200,
                   form_id: str | None = None) -> Iterator[list[dict]]:
        """Full rows of the given ``_id`` values, ``chunk`` ids per query (``{"_id": {"$in": [...]}}``)."""
        for i in range(0, len(ids), chunk):
            part = [int(x) for x in ids[i:i + chunk]]
            rows: list[dict] = []
            for page in self.iter_pages(asset_uid, query={"_id": {"$in": part}}, form_id=form_id):
                rows.extend(page)
            yield rows

    def pull(self, asset_uid: str, form_id: str, cursor, overlap, known: dict | None = None):
        """Incremental pass: batches of records submitted since ``cursor − overlap`` (see kobo_sync)."""
        from connectors.known import KnownVersions, rows_of
        from connectors.kobo_sync import is_tombstone, pull
        return pull(self, asset_uid, form_id, cursor, overlap, KnownVersions(rows_of(known)(), is_tombstone))

    def night(self, asset_uid: str, form_id: str, cursor, overlap, known, light=None):
        """The incremental pass then the reconcile pass, as one iterable of batches (see kobo_sync)."""
        from connectors.kobo_sync import KoboNight
        return KoboNight(self, asset_uid, form_id, cursor, overlap, known, light=light)
