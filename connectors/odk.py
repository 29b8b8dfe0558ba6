"""ODK Central client: OData pages of submissions, repeat tables attached to their parents, records.

Why not pyodk's ``Client`` here: ``client.submissions.get_table`` reads one page (no ``@odata.nextLink``
following) and pyodk mounts its retrying, timed adapter on ``https://`` only, so over plain http (a local
Central or the sandbox) it would have neither. This module therefore talks to the same endpoints pyodk uses
(``POST /v1/sessions``, ``/v1/projects/{p}/forms/{id}.svc/{table}``) through ``OdkSession``, our
``ApiSession`` with Central's bearer login, and quotes form ids the way pyodk does (RFC 2396 safe set).
pyodk stays the tool for publishing forms (``forms/``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from urllib3.util.retry import Retry

from connectors.errors import SourceError, describe
from connectors.http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, ApiSession, TokenAuth
from connectors.records import parse_utc, record

log = logging.getLogger(__name__)

SESSIONS_PATH = "v1/sessions"
DEFAULT_PAGE_SIZE = 1000


class OdkSession(ApiSession):
    """``ApiSession`` with Central's session login: a bearer token from ``POST /v1/sessions``, fetched on
    first use and once more when a request comes back 401 (the token lasts 24 h; a night can outlive it)."""

    def __init__(self, base_url: str, username: str, password: str, **kwargs):
        kwargs.setdefault("retry_methods", Retry.DEFAULT_ALLOWED_METHODS | {"POST"})
        super().__init__(base_url, **kwargs)
        self._username, self._password = username, password
        self.logins = 0

    def login(self) -> None:
        self.auth = None
        response = super().request("POST", SESSIONS_PATH,
                                   json={"email": self._username, "password": self._password})
        try:
            token = response.json()["token"] if response.status_code == 200 else None
        except (ValueError, KeyError, TypeError):
            token = None
        if not token:
            raise SourceError(describe(self.name, f"logging in as {self._username}",
                                       f"HTTP {response.status_code}", response.status_code), response)
        self.auth = TokenAuth("Bearer", token)
        self.logins += 1

    def request(self, method, url, *args, **kwargs):
        if self.auth is None:
            self.login()
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 401:
            log.info("%s: session expired, logging in again", self.name)
            self.login()
            response = super().request(method, url, *args, **kwargs)
        return response


def quote_id(value) -> str:
    """Quote a path segment as Central decodes it (pyodk's URLFormatter: ``*'()`` stay literal)."""
    return quote(str(value), safe="*'()")


def table_name(repeat: str | None = None) -> str:
    """The OData table of the submissions (``Submissions``) or of one repeat path (``Submissions.a.b``)."""
    return "Submissions" if not repeat else "Submissions." + repeat.replace("/", ".")


def parent_key(repeat: str, repeats: list[str]) -> str:
    """The column of a repeat table naming its parent row: ``__Submissions-id`` for a top-level repeat,
    ``__Submissions-outer-id`` for a repeat nested in the repeat ``outer``."""
    return f"__{table_name(parent_repeat(repeat, repeats)).replace('.', '-')}-id"


def parent_repeat(repeat: str, repeats: list[str]) -> str | None:
    enclosing = [r for r in repeats if repeat.startswith(r + "/")]
    return max(enclosing, key=len) if enclosing else None


def odata_time(moment: datetime) -> str:
    """A timestamp literal for ``$filter`` (UTC, milliseconds, ``Z``)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def version_key(row: dict) -> str:
    """updatedAt (or submissionDate) and the current instanceID; a soft delete adds its time."""
    system = row.get("__system") or {}
    instance = (row.get("meta") or {}).get("instanceID") or row.get("__id")
    key = f"{system.get('updatedAt') or system.get('submissionDate')} {instance}"
    return key + (f" deleted {system['deletedAt']}" if system.get("deletedAt") else "")


def to_record(row: dict, form_id: str, source: str = "odk") -> dict:
    """The record of one OData submission row (repeats attached or not); ``payload`` is the row."""
    system = row.get("__system") or {}
    return record(source, form_id, row["__id"], version_key(row), row,
                  submitted_at=parse_utc(system.get("submissionDate")),
                  updated_at=parse_utc(system.get("updatedAt")),
                  deleted_at=parse_utc(system.get("deletedAt")),
                  validation_status=system.get("reviewState"))


class OdkClient:
    """Read-only client of one ODK Central project (credentials only in memory, never shown)."""

    def __init__(self, base_url: str, username: str, password: str, project_id: int = 1,
                 page_size: int = DEFAULT_PAGE_SIZE, timeout=DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES, backoff_factor: float = 0.5, source: str = "odk"):
        host = urlsplit(base_url).netloc or base_url
        self.session = OdkSession(base_url, username, password, name=f"ODK Central {host}",
                                  timeout=timeout, retries=retries, backoff_factor=backoff_factor)
        self.project_id, self.page_size, self.source = project_id, page_size, source
        self.last_count: int | None = None

    def __repr__(self) -> str:
        return f"OdkClient(base_url={self.session.base_url!r}, project_id={self.project_id})"

    def night(self, form_id: str, cursor, overlap, repeats: list[str], known: dict | None = None):
        """The night's batches: changed rows with repeats, then soft deletes (see odk_sync)."""
        from connectors.odk_sync import OdkNight
        return OdkNight(self, form_id, cursor, overlap, repeats, known)

    def table_path(self, form_id: str, table: str = "Submissions") -> str:
        return f"v1/projects/{quote_id(self.project_id)}/forms/{quote_id(form_id)}.svc/{table}"

    def iter_table(self, form_id: str, table: str = "Submissions", filter: str | None = None,
                   select: list[str] | None = None) -> Iterator[list[dict]]:
        """Yield each page's ``value`` following ``@odata.nextLink``; ``last_count`` gets ``@odata.count``."""
        url = self.table_path(form_id, table)
        params = {"$top": self.page_size, "$count": "true"}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        what = f"reading {table} of form {form_id} (project {self.project_id})"
        while url:
            page = self.session.get_json(url, params, what=what)
            if "@odata.count" in page:
                self.last_count = page["@odata.count"]
            yield page.get("value") or []
            url, params = page.get("@odata.nextLink"), None

    def attach_repeats(self, form_id: str, parents: list[dict], repeats: list[str],
                       filters: list[str | None] = (None,)) -> None:
        """Read each repeat table and put its rows into their parent rows, where ``$expand=*`` would.

        The parents' ``$filter`` is passed on (it tests the parent submission's ``__system`` fields) so
        only the night's window is read; a server that refuses it (400/501) is read whole instead.
        """
        index = {row["__id"]: row for row in parents}
        for repeat in sorted(repeats, key=lambda r: r.count("/")):
            outer = parent_repeat(repeat, repeats)
            rel = repeat[len(outer) + 1:] if outer else repeat
            links = (parent_key(repeat, repeats), "__Submissions-id")
            seen: set[str] = set()
            for page in self._repeat_pages(form_id, repeat, filters):
                for child in page:
                    parent = next((index[child[k]] for k in links if child.get(k) in index), None)
                    if parent is not None and child["__id"] not in seen:
                        seen.add(child["__id"])
                        _place(parent, rel, child)
                        index[child["__id"]] = child
        for row in parents:
            _links_to_lists(row)

    def _repeat_pages(self, form_id: str, repeat: str, filters) -> Iterator[list[dict]]:
        table = table_name(repeat)
        try:
            for odata_filter in filters:
                yield from self.iter_table(form_id, table, filter=odata_filter)
        except SourceError as exc:
            if exc.status not in (400, 501) or all(f is None for f in filters):
                raise
            log.info("%s: %s cannot be filtered (HTTP %s); reading it whole", self.session.name, table,
                     exc.status)
            yield from self.iter_table(form_id, table)


def _links_to_lists(node) -> None:
    """Replace the navigation links of repeats that had no rows with ``[]``, as ``$expand=*`` shows them."""
    if isinstance(node, list):
        for item in node:
            _links_to_lists(item)
    elif isinstance(node, dict):
        for key in [k for k in node if k.endswith("@odata.navigationLink")]:
            node.pop(key)
            node.setdefault(key[: -len("@odata.navigationLink")], [])
        for value in node.values():
            _links_to_lists(value)


def _place(parent: dict, rel_path: str, child: dict) -> None:
    """Append ``child`` to the list at ``rel_path`` (nested objects for groups) inside ``parent``."""
    *groups, name = rel_path.split("/")
    node = parent
    for group in groups:
        node = node.setdefault(group, {}) if isinstance(node.get(group, {}), dict) else node
    node.pop(f"{name}@odata.navigationLink", None)
    node.setdefault(name, []).append(child)
