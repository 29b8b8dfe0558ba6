"""ODK Central's OData submission feed in the sandbox: ``Submissions`` and repeat tables.

Default order newest first; ``$top`` with ``@odata.nextLink`` carrying a ``$skiptoken`` that names the
last row served, so rows arriving while a client pages do not shift its pages; ``$skip``;
``$count=true``; ``$filter`` on ``__id``/``__system/*`` (501 otherwise); ``$select``; ``$expand=*``.
Soft-deleted submissions are hidden unless the filter names ``__system/deletedAt``, as on Central.
"""

from __future__ import annotations

import base64
import hashlib
import json

from connectors.sandbox import odata_filter
from connectors.sandbox.routes import HttpError, Request
from connectors.sandbox.store import FormStore


def _token(parent: int, served: int) -> str:
    raw = json.dumps({"p": parent, "k": served}, separators=(",", ":")).encode()
    return "01" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[int, int]:
    try:
        raw = token[2:] + "=" * (-len(token[2:]) % 4)
        data = json.loads(base64.urlsafe_b64decode(raw))
        return int(data["p"]), int(data["k"])
    except (ValueError, KeyError, TypeError):
        raise HttpError(400, f"$skiptoken {token!r} was not issued by this server",
                        {"code": 400.1, "message": "Invalid $skiptoken."}) from None


def _get(container: dict, parts: list[str]):
    for part in parts:
        container = (container or {}).get(part)
    return container


def _link_repeats(row: dict, repeats: list[str], base: str) -> dict:
    """Replace inline repeat lists (paths relative to ``row``) with OData navigation links."""
    for path in repeats:
        parts = path.split("/")
        holder = _get(row, parts[:-1]) if len(parts) > 1 else row
        if isinstance(holder, dict):
            holder.pop(parts[-1], None)
            holder[f"{parts[-1]}@odata.navigationLink"] = f"{base}/{path}"
    return row


def _select(row: dict, select: str | None) -> dict:
    if not select:
        return row
    out: dict = {}
    for path in (p.strip() for p in select.split(",") if p.strip()):
        parts = path.split("/")
        value = _get(row, parts)
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


class Table:
    """One OData table of a form: ``Submissions`` (repeat None) or a repeat path like ``members``."""

    def __init__(self, store: FormStore, repeat: str | None, expand: bool):
        self.store, self.repeat, self.expand = store, repeat, expand
        form = store.form
        inner = [r for r in form.repeats if repeat is None or r.startswith(repeat + "/")]
        prefix = f"{repeat}/" if repeat else ""
        self.children = [r[len(prefix):] for r in inner
                         if not any(r.startswith(o + "/") for o in inner if o != r)]

    def rows_of(self, index: int) -> list[dict]:
        """The rows this table holds for one submission."""
        submission = self.store.odk_row(index)
        sid = submission["__id"]
        if self.repeat is None:
            base = f"Submissions('{sid}')"
            return [submission if self.expand else _link_repeats(submission, self.children, base)]
        rows = []
        parent_key = "__Submissions-id"
        for ordinal, item in enumerate(_get(submission, self.repeat.split("/")) or [], start=1):
            digest = hashlib.sha1(json.dumps([sid, self.repeat, ordinal, item], sort_keys=True,
                                             default=str).encode()).hexdigest()
            row = dict(item) if self.expand else _link_repeats(dict(item), self.children,
                                                               f"Submissions('{sid}')/{self.repeat}")
            row.update({"__id": digest, parent_key: sid})
            rows.append(row)
        return rows


def _visible(store: FormStore, node, show_deleted: bool):
    def keep(index: int) -> bool:
        if not show_deleted and index in store.deleted_at:
            return False
        return node is None or odata_filter.evaluate(node, store, index)
    return keep


def _odata_error(status: int, message: str) -> HttpError:
    return HttpError(status, message, {"code": status + 0.1, "message": message})


def _query(params: dict) -> tuple:
    """(filter tree or None, $top or None, $skip) of a request, with Central's errors."""
    try:
        node = odata_filter.parse(params["$filter"]) if params.get("$filter") else None
    except odata_filter.UnsupportedFilter as error:
        raise _odata_error(501, str(error)) from None
    except odata_filter.FilterError as error:
        raise _odata_error(400, str(error)) from None
    try:
        top = int(params["$top"]) if params.get("$top") else None
        return node, top, int(params.get("$skip") or 0)
    except ValueError:
        raise _odata_error(400, "$top and $skip must be integers") from None


def _collect(table: Table, node, keep, top: int | None, skip: int, token: tuple[int, int] | None):
    """(rows of the page, (parent, rows served from it) of the last row, whether more rows follow)."""
    parent, served = token or (table.store.n + 1, 0)
    rows, last = [], (parent, served)
    for index in odata_filter.candidates(node, table.store, parent + (1 if served else 0)):
        if not keep(index):
            continue
        full = top is not None and len(rows) >= top and not skip
        items = [None] if full and table.repeat is None else table.rows_of(index)
        start = served if index == parent else 0
        for offset, item in enumerate(items[start:], start=start):
            if skip:
                skip -= 1
                continue
            if top is not None and len(rows) >= top:
                return rows, last, True
            rows.append(item)
            last = (index, offset + 1)
    return rows, last, False


def feed(request: Request, store: FormStore, table_name: str) -> dict:
    """The JSON document for ``GET ....svc/<table_name>``."""
    repeat = None if table_name == "Submissions" else table_name[len("Submissions."):].replace(".", "/")
    if repeat is not None and repeat not in store.form.repeats:
        raise HttpError(404, f"form {store.form.form_id!r} has no table {table_name}",
                        {"code": 404.1, "message": "Could not find the resource you were looking for."})
    params = request.params
    node, top, skip = _query(params)
    table = Table(store, repeat, expand=params.get("$expand") == "*")
    keep = _visible(store, node, node is not None and odata_filter.mentions(node, "__system/deletedAt"))
    token = _untoken(params["$skiptoken"]) if params.get("$skiptoken") else None
    with store.lock:
        rows, last, more = _collect(table, node, keep, top, skip, token)
        document = {"@odata.context": f"{request.app.url}/v1/projects/1/forms/{store.form.form_id}"
                                      f".svc/$metadata#{table_name}",
                    "value": [_select(r, params.get("$select")) for r in rows]}
        if (params.get("$count") or "").lower() == "true":
            document["@odata.count"] = _count(store, table, node, keep, params.get("$filter"))
    if more:
        document["@odata.nextLink"] = request.url_with(**{"$skiptoken": _token(*last), "$skip": None})
    return document


_COUNTS: dict[tuple, int] = {}


def _count(store: FormStore, table: Table, node, keep, filter_text: str | None) -> int:
    """Matching rows of the whole table, cached until the form's data changes."""
    key = (id(store), store.revision, table.repeat, filter_text)
    if key not in _COUNTS:
        if node is None and table.repeat is None:
            total = store.n - len(store.deleted_at)
        else:
            total = sum(len(table.rows_of(i)) if table.repeat else 1
                        for i in odata_filter.candidates(node, store, store.n + 1) if keep(i))
        _COUNTS.clear()
        _COUNTS[key] = total
    return _COUNTS[key]
