"""ODK Central REST endpoints of the sandbox: sessions, projects, forms and the OData feed.

Covers what pyodk 1.3 calls to log in and read (``POST /v1/sessions``, ``GET /v1/users/current``,
``projects/{p}/forms``, ``{form}.svc/{table}``) and the review write-back: ``PATCH
.../submissions/{instanceId}`` (``reviewState``, moves ``updatedAt``) and ``.../comments``. A session token can be made to expire after a set
number of requests (``odk_token_uses``) so re-login paths are testable.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from connectors.sandbox.odk_odata import feed
from connectors.sandbox.routes import HttpError, Request, json_response, route
from connectors.sandbox.state import ODK_PROJECT_ID
from connectors.sandbox.store import FormStore, odk_stamp

PROJECT = r"/v1/projects/(?P<project>\d+)"
FORM = PROJECT + r"/forms/(?P<form_id>[\w-]+)"
CREATED_AT = "2026-01-01T00:00:00.000Z"
NOT_FOUND = {"code": 404.1, "message": "Could not find the resource you were looking for."}


def _unauthorised() -> HttpError:
    message = "Could not authenticate with the provided credentials."
    return HttpError(401, message, {"code": 401.2, "message": message})


def require_session(request: Request) -> None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme != "Bearer" or not request.app.use_session(token.strip()):
        raise _unauthorised()


def form_store(request: Request) -> FormStore:
    require_session(request)
    if int(request.args["project"]) != ODK_PROJECT_ID or request.args["form_id"] not in request.app.stores:
        raise HttpError(404, "not found", NOT_FOUND)
    return request.app.stores[request.args["form_id"]]


def form_summary(request: Request, store: FormStore) -> dict:
    form = store.form
    summary = {
        "projectId": ODK_PROJECT_ID, "xmlFormId": form.form_id, "name": form.title or form.form_id,
        "version": form.version or "", "enketoId": None, "keyId": None, "state": "open",
        "hash": hashlib.md5(repr(form.sheets).encode()).hexdigest(),
        "createdAt": CREATED_AT, "publishedAt": CREATED_AT, "updatedAt": None, "webformsEnabled": False,
    }
    if (request.headers.get("X-Extended-Metadata") or "").lower() == "true":
        summary["submissions"] = store.n - len(store.deleted_at)
        summary["lastSubmission"] = odk_stamp(store.time_of(store.n)) if store.n else None
    return summary


@route("POST", r"/v1/sessions")
def create_session(request: Request):
    body = request.json() or {}
    session = request.app.open_session(body.get("email"), body.get("password"))
    if session is None:
        raise _unauthorised()
    return json_response({k: session[k] for k in ("token", "csrf", "createdAt", "expiresAt")})


@route("DELETE", r"/v1/sessions/(?P<token>[^/]+)")
def delete_session(request: Request):
    require_session(request)
    request.app.close_session(request.args["token"])
    return json_response({"success": True})


@route("GET", r"/v1/users/current")
def current_user(request: Request):
    require_session(request)
    return json_response({"id": 5, "type": "user", "displayName": "Sandbox", "email": request.app.odk_email,
                          "createdAt": CREATED_AT, "updatedAt": None, "deletedAt": None})


def _project() -> dict:
    return {"id": ODK_PROJECT_ID, "name": "Cluster Monitor sandbox", "description": None, "archived": None,
            "keyId": None, "createdAt": CREATED_AT, "updatedAt": None, "deletedAt": None}


@route("GET", r"/v1/projects")
def list_projects(request: Request):
    require_session(request)
    return json_response([_project()])


@route("GET", PROJECT)
def get_project(request: Request):
    require_session(request)
    if int(request.args["project"]) != ODK_PROJECT_ID:
        raise HttpError(404, "not found", NOT_FOUND)
    return json_response(_project())


@route("GET", PROJECT + r"/forms")
def list_forms(request: Request):
    require_session(request)
    if int(request.args["project"]) != ODK_PROJECT_ID:
        raise HttpError(404, "not found", NOT_FOUND)
    return json_response([form_summary(request, s) for s in request.app.stores.values()])


@route("GET", FORM)
def get_form(request: Request):
    return json_response(form_summary(request, form_store(request)))


@route("GET", FORM + r"\.svc")
def service_document(request: Request):
    store = form_store(request)
    tables = ["Submissions"] + ["Submissions." + r.replace("/", ".") for r in store.form.repeats]
    return json_response({"@odata.context": f"{request.app.url}/v1/projects/1/forms/{store.form.form_id}"
                                            ".svc/$metadata",
                          "value": [{"name": t, "kind": "EntitySet", "url": t} for t in tables]})


@route("GET", FORM + r"\.svc/(?P<table>Submissions(?:\.[\w.]+)?)")
def odata_table(request: Request):
    store = form_store(request)
    return json_response(feed(request, store, request.args["table"]))


@route("GET", FORM + r"/submissions")
def list_submissions(request: Request):
    """Central's REST list: one metadata object per (non-deleted) submission, newest first."""
    store = form_store(request)
    with store.lock:
        rows = [store.odk_row(i) for i in range(store.n, 0, -1) if i not in store.deleted_at]
    return json_response([{
        "instanceId": r["__id"], "submitterId": 5, "deviceId": None, "userAgent": None,
        "reviewState": r["__system"]["reviewState"], "createdAt": r["__system"]["submissionDate"],
        "updatedAt": r["__system"]["updatedAt"], "deletedAt": None,
    } for r in rows])


def _submission(request: Request) -> tuple[FormStore, int]:
    store = form_store(request)
    index = store.index_of(unquote(request.args["instance_id"]))
    if index is None:
        raise HttpError(404, "not found", NOT_FOUND)
    return store, index


def _metadata(store: FormStore, index: int) -> dict:
    row = store.odk_row(index)
    system = row["__system"]
    return {"instanceId": row["__id"], "submitterId": 5, "deviceId": None,
            "userAgent": None, "reviewState": system["reviewState"], "createdAt": system["submissionDate"],
            "updatedAt": system["updatedAt"], "deletedAt": system["deletedAt"]}


@route("PATCH", FORM + r"/submissions/(?P<instance_id>[^/]+)")
def patch_submission(request: Request):
    """Set the review state (``{"reviewState": "hasIssues"}``); moves ``updatedAt`` like Central."""
    store, index = _submission(request)
    state = (request.json() or {}).get("reviewState")
    try:
        store.set_review_state(index, state)
    except ValueError as error:
        raise HttpError(400, str(error), {"code": 400.8, "message": str(error)}) from None
    return json_response(_metadata(store, index))


@route("GET", FORM + r"/submissions/(?P<instance_id>[^/]+)/comments")
def list_comments(request: Request):
    store, index = _submission(request)
    return json_response(list(store.comments.get(index, [])))


@route("POST", FORM + r"/submissions/(?P<instance_id>[^/]+)/comments")
def post_comment(request: Request):
    """Add a comment ``{"body": "..."}`` to a submission."""
    store, index = _submission(request)
    body = (request.json() or {}).get("body")
    if not isinstance(body, str) or not body.strip():
        raise HttpError(400, "a comment needs a non-empty body", {"code": 400.2, "message": "body required"})
    return json_response(store.add_comment(index, body))
