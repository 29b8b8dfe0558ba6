"""Admin endpoints (``/__admin/...``, no auth, never faulted): steer a sandbox running in another
process the way ``Sandbox`` methods steer one in this process — queue faults, add, edit and delete
submissions, change validation status, set the ODK session lifetime."""

from __future__ import annotations

from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.store import FormStore

FORM = r"/__admin/forms/(?P<form_id>[\w.-]+)"


@route("GET", r"/__admin/faults")
def list_faults(request: Request):
    return json_response(request.app.faults.pending())


@route("POST", r"/__admin/faults")
def add_faults(request: Request):
    faults = request.json()
    if not isinstance(faults, list):
        raise HttpError(400, "POST /__admin/faults takes a JSON list of faults, e.g. [{\"status\": 502}]")
    try:
        request.app.faults.extend(faults)
    except ValueError as error:
        raise HttpError(400, str(error)) from None
    return json_response(request.app.faults.pending())


@route("DELETE", r"/__admin/faults")
def clear_faults(request: Request):
    request.app.faults.clear()
    return json_response([])


@route("POST", r"/__admin/config")
def configure(request: Request):
    """``{"odk_token_uses": N}``: new ODK session tokens stop working after N requests (null: never)."""
    body = request.json() or {}
    if "odk_token_uses" in body:
        request.app.odk_token_uses = body["odk_token_uses"]
    return json_response({"odk_token_uses": request.app.odk_token_uses})


def _store(request: Request) -> FormStore:
    try:
        return request.app.store(request.args["form_id"])
    except KeyError as error:
        raise HttpError(404, str(error.args[0])) from None


def _submission_id(body: dict) -> int:
    try:
        return int(body["_id"])
    except (KeyError, TypeError, ValueError):
        raise HttpError(400, f"give the submission as {{\"_id\": <int>}}, got {body!r}") from None


@route("GET", rf"{FORM}/truth")
def truth(request: Request):
    return json_response(_store(request).truth())


@route("POST", rf"{FORM}/(?P<action>add|edit|delete|validation_status)")
def change(request: Request):
    store, body, action = _store(request), request.json() or {}, request.args["action"]
    try:
        if action == "add":
            return json_response({"added": store.add(int(body.get("n", 1)))})
        index = _submission_id(body)
        if action == "edit":
            return json_response(store.edit(index, body.get("changes")))
        if action == "delete":
            store.delete(index)
            return json_response({"deleted": index})
        return json_response(store.set_validation_status(index, body.get("uid")))
    except KeyError as error:
        raise HttpError(404, str(error.args[0])) from None
    except ValueError as error:
        raise HttpError(400, str(error)) from None
