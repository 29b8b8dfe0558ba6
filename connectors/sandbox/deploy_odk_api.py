"""ODK Central form deployment in the sandbox: create (as a draft), replace the draft, publish a version.

- ``POST /v1/projects/{p}/forms?publish=false`` with an XLSForm body (the xlsx Content-Type) creates the
  form with a draft only (``publish=true`` publishes at once); 409 if the xmlFormId exists.
- ``POST .../forms/{id}/draft`` replaces the draft with a new definition (its form_id must match).
- ``POST .../forms/{id}/draft/publish?version=V`` publishes the draft, as version V when given; 409 when
  that version was published before; 404 when there is no draft.
- ``GET .../forms/{id}`` reports the published version (the draft, ``publishedAt`` null, before the first
  publish); ``GET .../forms/{id}/draft`` the draft. A form converted badly by pyxform is refused with 400.
Forms the sandbox served from the start are taken over with their one version published.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from urllib.parse import unquote

from connectors.sandbox import odk_api
from connectors.sandbox.deploy_forms import LOCK, XLSX_TYPE, WorkbookError, extras, override, read_workbook, serve_form
from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.state import ODK_PROJECT_ID
from forms.definition import FormDef

PROJECT = odk_api.PROJECT
FORM = odk_api.FORM


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _forms(request: Request) -> dict:
    return extras(request.app, "odk_forms")


def _check_project(request: Request) -> None:
    odk_api.require_session(request)
    if int(request.args["project"]) != ODK_PROJECT_ID:
        raise HttpError(404, "not found", odk_api.NOT_FOUND)


def _definition(request: Request, form: FormDef, version: str | None = None) -> dict:
    return {"form": form, "version": version if version is not None else (form.version or ""),
            "hash": hashlib.md5(request.body).hexdigest(), "at": _now()}


def _upload(request: Request) -> FormDef:
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
    if content_type != XLSX_TYPE:
        raise HttpError(415, "unsupported content type", {"code": 415.1, "message": (
            f"The sandbox takes XLSForm workbooks ({XLSX_TYPE}); got {content_type or 'none'}.")})
    try:
        return read_workbook(request.body)
    except WorkbookError as error:
        raise HttpError(400, "invalid XLSForm", {"code": 400.15, "message": (
            "The given XLSForm file was not valid. Please see the error details for more information."),
            "details": {"error": str(error), "warnings": []}}) from None


def managed_form(request: Request, form_id: str) -> dict | None:
    """The deploy record of ``form_id``; a form the sandbox served from the start is taken over."""
    forms = _forms(request)
    with LOCK:
        if form_id not in forms and form_id in request.app.stores:
            form = request.app.stores[form_id].form
            forms[form_id] = {"createdAt": odk_api.CREATED_AT, "draft": None, "published": [form.version or ""],
                              "current": {"form": form, "version": form.version or "",
                                          "hash": hashlib.md5(repr(form.sheets).encode()).hexdigest(),
                                          "at": odk_api.CREATED_AT}}
        return forms.get(form_id)


def summary(form_id: str, record: dict, draft: bool = False) -> dict:
    shown = record["draft"] if draft or record["current"] is None else record["current"]
    form = shown["form"]
    return {"projectId": ODK_PROJECT_ID, "xmlFormId": form_id, "name": form.title or form_id,
            "version": shown["version"], "hash": shown["hash"], "state": "open", "enketoId": None,
            "keyId": None, "createdAt": record["createdAt"], "updatedAt": shown["at"],
            "publishedAt": None if draft or record["current"] is None else shown["at"],
            "webformsEnabled": False}


@route("POST", PROJECT + r"/forms")
def create_form(request: Request):
    _check_project(request)
    form = _upload(request)
    form_id = form.form_id or unquote(request.headers.get("X-XlsForm-FormId-Fallback") or "")
    with LOCK:
        if managed_form(request, form_id) is not None:
            raise HttpError(409, "exists", {"code": 409.3, "message": (
                f"A resource already exists with xmlFormId,projectId value(s) of {form_id},{ODK_PROJECT_ID}.")})
        record = _forms(request)[form_id] = {"createdAt": _now(), "draft": _definition(request, form),
                                             "published": [], "current": None}
        serve_form(request.app, form)
        if request.params.get("publish", "false").lower() == "true":
            _publish(request, form_id, record, None)
    return json_response(summary(form_id, record))


@route("POST", FORM + r"/draft")
def replace_draft(request: Request):
    _check_project(request)
    record = _require(request)
    form = _upload(request)
    if form.form_id != request.args["form_id"]:
        raise HttpError(400, "form id mismatch", {"code": 400.8, "message": (
            f"The form ID in the definition ({form.form_id}) does not match this form "
            f"({request.args['form_id']}).")})
    with LOCK:
        record["draft"] = _definition(request, form)
    return json_response({"success": True})


@route("GET", FORM + r"/draft")
def get_draft(request: Request):
    _check_project(request)
    record = _require(request)
    if record["draft"] is None:
        raise HttpError(404, "not found", odk_api.NOT_FOUND)
    return json_response(summary(request.args["form_id"], record, draft=True))


@route("POST", FORM + r"/draft/publish")
def publish_draft(request: Request):
    _check_project(request)
    record = _require(request)
    with LOCK:
        if record["draft"] is None:
            raise HttpError(404, "not found", odk_api.NOT_FOUND)
        _publish(request, request.args["form_id"], record, request.params.get("version"))
    return json_response({"success": True})


def _publish(request: Request, form_id: str, record: dict, version: str | None) -> None:
    draft = record["draft"]
    version = draft["version"] if version is None else version
    if version in record["published"]:
        raise HttpError(409, "version exists", {"code": 409.6, "message": (
            f"The form version you are trying to publish ({version}) already exists for form {form_id}; "
            "publish it with a different version string.")})
    record["current"] = {**draft, "version": version, "at": _now()}
    record["published"].append(version)
    record["draft"] = None
    serve_form(request.app, draft["form"])


def _require(request: Request) -> dict:
    record = managed_form(request, request.args["form_id"])
    if record is None:
        raise HttpError(404, "not found", odk_api.NOT_FOUND)
    return record


@override("GET", FORM)
def get_form(request: Request):
    if request.args["form_id"] not in _forms(request):
        return odk_api.get_form(request)  # authenticates itself: one session use per request
    _check_project(request)
    return json_response(summary(request.args["form_id"], _forms(request)[request.args["form_id"]]))
