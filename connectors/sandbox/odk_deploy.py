"""ODK Central form deployment in the sandbox: create (as a draft), replace the draft, publish.

``POST /v1/projects/{p}/forms`` takes an XLSX (or XForm) body and creates the form, unpublished
unless ``publish=true``; 409 if the form id exists. ``POST .../forms/{id}/draft`` replaces the draft.
``POST .../draft/publish?version=V`` publishes it, 409 when the version was published before — what
pyodk's ``forms.create`` / ``forms.update`` rely on.
"""

from __future__ import annotations

from connectors.sandbox.odk_api import FORM, NOT_FOUND, PROJECT, form_summary, require_session
from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.state import ODK_PROJECT_ID
from connectors.sandbox.uploaded_form import UploadError, read_upload
from connectors.synthetic_odk import odk_time


def _upload(request: Request, fallback_id: str | None):
    try:
        return read_upload(request.body, fallback_id)
    except UploadError as error:
        raise HttpError(400, str(error), {"code": 400.8, "message": str(error)}) from None


def _record(request: Request) -> dict:
    require_session(request)
    record = request.app.odk_forms.get(request.args["form_id"])
    if int(request.args["project"]) != ODK_PROJECT_ID or not request.app.on_odk(request.args["form_id"]):
        raise HttpError(404, "not found", NOT_FOUND)
    return record


def _now_stamp(request: Request, form_id: str) -> str:
    return odk_time(request.app.stores[form_id].now().strftime("%Y-%m-%dT%H:%M:%S"))


@route("POST", PROJECT + r"/forms")
def create_form(request: Request):
    require_session(request)
    fallback = request.headers.get("X-XlsForm-FormId-Fallback")
    form = _upload(request, fallback)
    if request.app.on_odk(form.form_id):
        message = f"A resource already exists with xmlFormId {form.form_id!r} in project 1."
        raise HttpError(409, message, {"code": 409.3, "message": message})
    if form.form_id not in request.app.stores:
        request.app.add_form(form)
    record = request.app.odk_forms[form.form_id]
    record["draft"] = {"form": form, "version": form.version or ""}
    if (request.params.get("publish") or "").lower() == "true":
        _publish(request, record, None)
    return json_response(form_summary(request, request.app.stores[form.form_id]))


@route("POST", FORM + r"/draft")
def create_draft(request: Request):
    record = _record(request)
    form = _upload(request, request.args["form_id"]) if request.body else record["form"]
    if form.form_id != request.args["form_id"]:
        message = f"The form id {form.form_id!r} in the upload does not match {request.args['form_id']!r}."
        raise HttpError(400, message, {"code": 400.8, "message": message})
    record["draft"] = {"form": form, "version": form.version or ""}
    return json_response({"success": True})


@route("GET", FORM + r"/draft")
def get_draft(request: Request):
    record = _record(request)
    if record["draft"] is None:
        raise HttpError(404, "no draft", NOT_FOUND)
    return json_response({**form_summary(request, request.app.stores[request.args["form_id"]]),
                          "version": record["draft"]["version"], "publishedAt": None})


def _publish(request: Request, record: dict, version: str | None) -> None:
    draft = record["draft"]
    version = draft["version"] if version is None else version
    if version in record["versions"]:
        message = (f"The form version {version!r} you are trying to publish already exists; "
                   "publish the draft with a new version.")
        raise HttpError(409, message, {"code": 409.6, "message": message})
    record["versions"].append(version)
    record.update(form=draft["form"], version=version, draft=None)
    if record["published_at"] is None:
        record["published_at"] = _now_stamp(request, draft["form"].form_id)


@route("POST", FORM + r"/draft/publish")
def publish_draft(request: Request):
    record = _record(request)
    if record["draft"] is None:
        raise HttpError(404, "no draft to publish", NOT_FOUND)
    _publish(request, record, request.params.get("version"))
    return json_response({"success": True})


@route("GET", FORM + r"/versions")
def list_versions(request: Request):
    record = _record(request)
    store = request.app.stores[request.args["form_id"]]
    return json_response([{**form_summary(request, store), "version": v} for v in reversed(record["versions"])])
