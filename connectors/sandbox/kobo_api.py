"""KoBoToolbox KPI v2 endpoints of the sandbox: assets, paged submission data, validation status.

Follows /work/shared/domain/servers.md: ``Authorization: Token <key>``; ``{count, next, previous,
results}``; ``limit`` defaults to 100 and is silently clamped to 1000; ``start`` is the offset;
``next`` is an absolute URL or null; ``sort`` defaults to ``{"_id": 1}``.
"""

from __future__ import annotations

import secrets

from connectors.sandbox.kobo_query import (META_KEYS, fast_window, matches, parse_json_param, project,
                                           sort_rows)
from connectors.sandbox.routes import HttpError, Request, Response, json_response, route
from connectors.sandbox.state import asset_uid
from connectors.sandbox.store import FormStore
from connectors.synthetic import version_uid

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
UID = r"(?P<uid>[A-Za-z0-9]+)"


def require_token(request: Request) -> None:
    header = request.headers.get("Authorization") or ""
    if not header:
        raise HttpError(401, "Authentication credentials were not provided.",
                        headers={"WWW-Authenticate": 'Token realm="api"'})
    scheme, _, key = header.partition(" ")
    if scheme != "Token" or not secrets.compare_digest(key.strip(), request.app.token):
        raise HttpError(401, "Invalid token.", headers={"WWW-Authenticate": 'Token realm="api"'})


def asset_store(request: Request) -> FormStore:
    require_token(request)
    form_id = request.app.by_uid.get(request.args["uid"])
    if form_id is None:
        raise HttpError(404, "Not found.")
    return request.app.stores[form_id]


def asset_summary(request: Request, store: FormStore) -> dict:
    uid = asset_uid(store.form.form_id)
    version = version_uid(store.form)
    base = f"{request.app.url}/api/v2/assets/{uid}/"
    return {
        "url": base, "uid": uid, "name": store.form.title or store.form.form_id, "asset_type": "survey",
        "has_deployment": True, "deployment__active": True,
        "deployment__submission_count": len(store.alive), "version_id": version,
        "deployed_version_id": version, "data": f"{base}data/",
        "settings": {"form_id": store.form.form_id},
    }


@route("GET", r"/api/v2/assets/?")
def list_assets(request: Request):
    require_token(request)
    results = [asset_summary(request, s) for s in request.app.stores.values()]
    return json_response({"count": len(results), "next": None, "previous": None, "results": results})


@route("GET", rf"/api/v2/assets/{UID}/?")
def get_asset(request: Request):
    store = asset_store(request)
    detail = asset_summary(request, store)
    form = store.form
    detail["content"] = {"survey": form.sheets.get("survey", []), "choices": form.sheets.get("choices", []),
                         "settings": form.settings}
    return json_response(detail)


def _limit(request: Request) -> tuple[int, int]:
    try:
        limit = int(request.params.get("limit") or DEFAULT_LIMIT)
        start = int(request.params.get("start") or 0)
    except ValueError:
        raise HttpError(400, "limit and start must be integers") from None
    return max(1, min(limit, MAX_LIMIT)), max(0, start)


def _page(store: FormStore, query: dict, sort: dict, start: int, limit: int, cheap: bool):
    """(count, rows of the page) for a query; O(page) when the query and sort allow it."""
    row_of = store.meta if cheap else store.row
    window = fast_window(store, query, sort)
    with store.lock:
        if window is None:
            rows = sort_rows([r for r in store.truth() if matches(r, query)], sort or {"_id": 1})
            return len(rows), rows[start:start + limit]
        first, last = store.alive_between(window.lo, window.hi)
        count = max(0, last - first)
        if window.descending:
            ids = store.alive[max(first, last - start - limit):max(first, last - start)][::-1]
        else:
            ids = store.alive[first + start:min(last, first + start + limit)]
        return count, [row_of(i) for i in ids]


@route("GET", rf"/api/v2/assets/{UID}/data/?")
def get_data(request: Request):
    store = asset_store(request)
    if request.params.get("format", "json") != "json":
        raise HttpError(400, "the sandbox serves format=json only")
    limit, start = _limit(request)
    query = parse_json_param("query", request.params.get("query"), {})
    sort = parse_json_param("sort", request.params.get("sort"), {"_id": 1})
    fields = parse_json_param("fields", request.params.get("fields"), None)
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        raise HttpError(400, f"'fields' must be a JSON list of field names, got {fields!r}")
    cheap = fields is not None and set(fields) <= META_KEYS
    count, rows = _page(store, query, sort, start, limit, cheap)
    if fields is not None:
        rows = project(rows, fields)
    more = start + limit < count
    return json_response({
        "count": count,
        "next": request.url_with(limit=str(limit), start=str(start + limit)) if more else None,
        "previous": request.url_with(limit=str(limit), start=str(max(0, start - limit))) if start else None,
        "results": rows,
    })


@route("PATCH", rf"/api/v2/assets/{UID}/data/(?P<sid>\d+)/validation_status/?")
def patch_validation_status(request: Request):
    store = asset_store(request)
    uid = (request.json() or {}).get("validation_status.uid")
    try:
        return json_response(store.set_validation_status(int(request.args["sid"]), uid))
    except KeyError:
        raise HttpError(404, "Not found.") from None
    except ValueError as error:
        raise HttpError(400, str(error)) from None


@route("DELETE", rf"/api/v2/assets/{UID}/data/(?P<sid>\d+)/?")
def delete_submission(request: Request):
    store = asset_store(request)
    try:
        store.delete(int(request.args["sid"]))
    except KeyError:
        raise HttpError(404, "Not found.") from None
    return Response(status=204, body=b"")
