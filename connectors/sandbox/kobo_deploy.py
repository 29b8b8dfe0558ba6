"""KoBo form deployment in the sandbox: asynchronous imports and asset deployments.

``POST /api/v2/imports/`` (multipart ``file``, ``library``, optional ``destination`` asset URL) answers
at once; the import reports ``processing`` on its first poll and ``complete`` (with ``messages``
``created`` or ``updated`` naming the asset) after. Each import makes a new ``version_id``. The first
deployment is ``POST .../deployment/``, later ones ``PATCH`` with the asset's current ``version_id``.
Submissions already in the sandbox are not touched by a new form version.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

from connectors.sandbox.kobo_api import UID, asset_store, require_token
from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.state import asset_uid
from connectors.sandbox.uploaded_form import UploadError, read_upload
from connectors.synthetic import short_uid


def multipart(request: Request) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name."""
    content_type = request.headers.get("Content-Type") or ""
    if not content_type.startswith("multipart/form-data"):
        raise HttpError(400, "send the form as multipart/form-data with a 'file' part")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()}


def _run_import(request: Request, parts: dict[str, bytes]) -> dict:
    """Apply an import to the sandbox's truth; the import's final messages."""
    state = request.app
    destination = (parts.get("destination") or b"").decode().rstrip("/").rsplit("/", 1)[-1]
    if destination and destination not in state.by_uid:
        return {"status": "error", "messages": {"error": f"destination asset {destination!r} does not exist"}}
    try:
        form = read_upload(parts.get("file") or b"")
    except UploadError as error:
        return {"status": "error", "messages": {"error": str(error)}}
    form_id = state.by_uid[destination] if destination else form.form_id
    form.form_id = form_id
    existed = state.on_kobo(form_id)
    if form_id not in state.stores:
        state.add_form(form)
    record = state.kobo_assets[form_id]
    record["imports"] += 1
    record["form"] = form
    record["version_id"] = short_uid(f"{form_id}:{form.version}:{record['imports']}", "v")
    kind = "updated" if existed else "created"
    summary = {"uid": asset_uid(form_id), "kind": "asset", "summary": {"title": form.title}}
    return {"status": "complete", "messages": {kind: [summary]}}


@route("POST", r"/api/v2/imports/?")
def create_import(request: Request):
    require_token(request)
    parts = multipart(request)
    with request.app.lock:
        uid = short_uid(f"import:{len(request.app.imports)}", "i")
        request.app.imports[uid] = {"parts": parts, "polls": 0}
    return json_response({"uid": uid, "url": f"{request.app.url}/api/v2/imports/{uid}/",
                          "status": "processing"}, status=201)


@route("GET", r"/api/v2/imports/(?P<import_uid>\w+)/?")
def get_import(request: Request):
    require_token(request)
    job = request.app.imports.get(request.args["import_uid"])
    if job is None:
        raise HttpError(404, "Not found.")
    job["polls"] += 1
    if job["polls"] == 1:
        return json_response({"uid": request.args["import_uid"], "status": "processing", "messages": {}})
    if "result" not in job:
        job["result"] = _run_import(request, job.pop("parts"))
    return json_response({"uid": request.args["import_uid"], **job["result"]})


def _deployment(request: Request, record: dict) -> dict:
    return {"backend": "sandbox", "active": record["active"], "version_id": record["deployed_version_id"],
            "asset": {"uid": request.args["uid"], "version_id": record["version_id"]}}


@route("GET", rf"/api/v2/assets/{UID}/deployment/?")
def get_deployment(request: Request):
    record = request.app.kobo_assets[asset_store(request).form.form_id]
    if not record["has_deployment"]:
        raise HttpError(404, "Not found.")
    return json_response(_deployment(request, record))


@route("POST", rf"/api/v2/assets/{UID}/deployment/?")
def create_deployment(request: Request):
    record = request.app.kobo_assets[asset_store(request).form.form_id]
    if record["has_deployment"]:
        raise HttpError(400, "This asset already has a deployment; redeploy with PATCH and its version_id.")
    record.update(has_deployment=True, active=bool((request.json() or {}).get("active", True)),
                  deployed_version_id=record["version_id"])
    return json_response(_deployment(request, record), status=200)


@route("PATCH", rf"/api/v2/assets/{UID}/deployment/?")
def update_deployment(request: Request):
    record = request.app.kobo_assets[asset_store(request).form.form_id]
    body = request.json() or {}
    if not record["has_deployment"]:
        raise HttpError(400, "This asset has no deployment yet; deploy it first with POST.")
    if body.get("version_id") and body["version_id"] != record["version_id"]:
        raise HttpError(400, f"version_id {body['version_id']!r} is not the asset's current version "
                        f"{record['version_id']!r}; read the asset again and redeploy that version")
    record["active"] = bool(body.get("active", record["active"]))
    if body.get("version_id"):
        record["deployed_version_id"] = body["version_id"]
    return json_response(_deployment(request, record))
