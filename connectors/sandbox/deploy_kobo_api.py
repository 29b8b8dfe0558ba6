"""KoBo KPI v2 form deployment in the sandbox: asynchronous imports, asset versions, deployments.

- ``POST /api/v2/imports/`` (multipart ``file``, ``library``, optional ``destination`` = an asset url)
  answers 201 with the import's ``uid`` / ``url`` and status ``processing``. The first poll of
  ``GET /api/v2/imports/{uid}/`` still says ``processing``; the next one runs the import: the workbook is
  converted with pyxform and the import ends ``complete`` (``messages.created`` or ``messages.updated``
  naming the asset) or ``error`` (``messages.error``, the asset untouched).
- Every completed import gives the asset a new ``version_id``, deployed or not.
- ``POST .../deployment/ {"active": true}`` deploys an asset the first time (400 if it already has a
  deployment); ``PATCH`` redeploys and requires the asset's current ``version_id`` (400 when stale).
- ``GET /api/v2/assets/{uid}/`` of a managed asset reports ``version_id``, ``deployed_version_id``,
  ``has_deployment``, ``deployment__active`` and the current ``content``; other assets are answered by
  the read-only endpoints in ``kobo_api``.
"""

from __future__ import annotations

import secrets

from connectors.sandbox import kobo_api
from connectors.sandbox.deploy_forms import LOCK, WorkbookError, extras, multipart, override, read_workbook, serve_form
from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.state import asset_uid
from connectors.synthetic import short_uid, version_uid

UID = r"(?P<uid>[A-Za-z0-9]+)"
POLLS_WHILE_PROCESSING = 1


def _assets(request: Request) -> dict:
    return extras(request.app, "kobo_assets")


def managed_asset(request: Request, uid: str) -> dict:
    """The deploy record of asset ``uid``; an asset the sandbox served from the start is taken over as
    it stands (its one version deployed)."""
    assets = _assets(request)
    with LOCK:
        if uid not in assets:
            form_id = request.app.by_uid.get(uid)
            if form_id is None:
                raise HttpError(404, "Not found.")
            form = request.app.stores[form_id].form
            version = version_uid(form)
            assets[uid] = {"uid": uid, "form": form, "version_id": version, "versions": [version],
                           "deployed_version_id": version, "has_deployment": True, "active": True}
        return assets[uid]


def asset_url(request: Request, uid: str) -> str:
    return f"{request.app.url}/api/v2/assets/{uid}/"


def _new_uid(request: Request, form_id: str) -> str:
    uid = asset_uid(form_id)
    if uid in request.app.by_uid or uid in _assets(request):
        uid = short_uid(f"asset:{form_id}:{secrets.token_hex(8)}", "a")
    return uid


@route("POST", r"/api/v2/imports/?")
def start_import(request: Request):
    kobo_api.require_token(request)
    fields = multipart(request)
    if "file" not in fields:
        raise HttpError(400, "an import needs a 'file' field (the XLSForm workbook)")
    imports = extras(request.app, "kobo_imports")
    uid = short_uid(f"import:{secrets.token_hex(8)}", "i")
    destination = fields.get("destination", b"").decode().strip() or None
    with LOCK:
        imports[uid] = {"uid": uid, "status": "processing", "polls": 0, "file": fields["file"],
                        "destination": destination, "messages": {}}
    url = f"{request.app.url}/api/v2/imports/{uid}/"
    return json_response({"uid": uid, "url": url, "status": "processing"}, 201)


@route("GET", r"/api/v2/imports/(?P<iid>[A-Za-z0-9]+)/?")
def poll_import(request: Request):
    kobo_api.require_token(request)
    imports = extras(request.app, "kobo_imports")
    with LOCK:
        job = imports.get(request.args["iid"])
        if job is None:
            raise HttpError(404, "Not found.")
        job["polls"] += 1
        if job["status"] == "processing" and job["polls"] > POLLS_WHILE_PROCESSING:
            run_import(request, job)
    return json_response({"uid": job["uid"], "url": f"{request.app.url}/api/v2/imports/{job['uid']}/",
                          "status": job["status"], "messages": job["messages"]})


def run_import(request: Request, job: dict) -> None:
    """Convert the uploaded workbook and, if it is a form, make it the asset's new version."""
    try:
        form = read_workbook(job["file"])
        target = _destination(request, job["destination"])
    except (WorkbookError, HttpError) as error:
        job["status"] = "error"
        job["messages"] = {"error": str(error), "error_type": type(error).__name__}
        return
    version = short_uid(f"version:{secrets.token_hex(8)}", "v")
    if target is None:
        uid = _new_uid(request, form.form_id)
        target = _assets(request)[uid] = {"uid": uid, "versions": [], "deployed_version_id": None,
                                          "has_deployment": False, "active": False}
        serve_form(request.app, form, uid)
    target.update(form=form, version_id=version)
    target["versions"].append(version)
    kind = "updated" if job["destination"] else "created"
    job["status"] = "complete"
    job["messages"] = {kind: [{"uid": target["uid"], "kind": "asset", "owner__username": "sandbox",
                               "summary": {"row_count": len(form.sheets.get("survey", []))}}]}


def _destination(request: Request, url: str | None) -> dict | None:
    if url is None:
        return None
    uid = url.rstrip("/").rsplit("/", 1)[-1]
    try:
        return managed_asset(request, uid)
    except HttpError:
        raise HttpError(400, f"destination {url} is not an asset of this server") from None


def summary(request: Request, asset: dict) -> dict:
    form = asset["form"]
    store = request.app.stores.get(form.form_id)
    base = kobo_api.asset_summary(request, store) if store is not None else {}
    url = asset_url(request, asset["uid"])
    return {**base, "url": url, "uid": asset["uid"], "name": form.title or form.form_id,
            "version_id": asset["version_id"], "deployed_version_id": asset["deployed_version_id"],
            "has_deployment": asset["has_deployment"], "deployment__active": asset["active"],
            "deployed_versions": {"count": len(asset["versions"])}, "data": f"{url}data/",
            "content": {"survey": form.sheets.get("survey", []), "choices": form.sheets.get("choices", []),
                        "settings": form.settings}}


@override("GET", rf"/api/v2/assets/{UID}/?")
def get_asset(request: Request):
    if request.args["uid"] not in _assets(request):
        return kobo_api.get_asset(request)
    kobo_api.require_token(request)
    return json_response(summary(request, _assets(request)[request.args["uid"]]))


def _deployment(request: Request, asset: dict) -> dict:
    return {"backend": "sandbox", "active": asset["active"], "version_id": asset["deployed_version_id"],
            "asset": summary(request, asset)}


@route("GET", rf"/api/v2/assets/{UID}/deployment/?")
def get_deployment(request: Request):
    kobo_api.require_token(request)
    asset = managed_asset(request, request.args["uid"])
    if not asset["has_deployment"]:
        raise HttpError(404, "Not found.")
    return json_response(_deployment(request, asset))


@route("POST", rf"/api/v2/assets/{UID}/deployment/?")
def create_deployment(request: Request):
    kobo_api.require_token(request)
    asset = managed_asset(request, request.args["uid"])
    with LOCK:
        if asset["has_deployment"]:
            raise HttpError(400, "The asset is already deployed; use PATCH to update the deployment.")
        _deploy(request, asset, bool((request.json() or {}).get("active", True)))
    return json_response(_deployment(request, asset))


@route("PATCH", rf"/api/v2/assets/{UID}/deployment/?")
def update_deployment(request: Request):
    kobo_api.require_token(request)
    asset = managed_asset(request, request.args["uid"])
    body = request.json() or {}
    with LOCK:
        if not asset["has_deployment"]:
            raise HttpError(400, "The asset has no deployment yet; POST one first.")
        if "version_id" in body and body["version_id"] != asset["version_id"]:
            raise HttpError(400, f"version_id {body['version_id']!r} is not the asset's current version "
                            f"{asset['version_id']!r}; read the asset again",
                            {"version_id": [f"{body['version_id']!r} is not the current version"]})
        _deploy(request, asset, bool(body.get("active", True)))
    return json_response(_deployment(request, asset))


def _deploy(request: Request, asset: dict, active: bool) -> None:
    asset.update(has_deployment=True, active=active, deployed_version_id=asset["version_id"])
    serve_form(request.app, asset["form"], asset["uid"])
