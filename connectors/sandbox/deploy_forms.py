"""What the sandbox's deploy endpoints share: reading an uploaded XLSForm, serving a deployed form's data,
reading multipart uploads and putting an endpoint ahead of the read-only one already registered.

A server checks what it is given: an upload is converted with pyxform (as KoBo and Central do), and a
workbook pyxform refuses is answered with pyxform's own message. A deployed form becomes a ``FormStore``
(empty until submissions are added) so the data endpoints serve it like any other form.
"""

from __future__ import annotations

import io
import threading
from email import policy
from email.parser import BytesParser

from pyxform.xls2json_backends import xlsx_to_dict
from pyxform.xls2xform import convert

from connectors.sandbox.routes import ROUTES, HttpError, Request, route
from connectors.sandbox.state import SandboxState
from connectors.sandbox.store import FormStore
from forms.definition import FormDef, parse_form

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOCK = threading.RLock()  # guards the deploy state of every sandbox (handlers are short)


class WorkbookError(ValueError):
    """An uploaded workbook pyxform cannot convert; the message is pyxform's."""


def read_workbook(data: bytes) -> FormDef:
    """The form in an uploaded .xlsx, after pyxform converted it cleanly (ODK Validate is not run)."""
    try:
        convert(xlsform=data, file_type=".xlsx", validate=False)
        sheets = xlsx_to_dict(io.BytesIO(data))
    except Exception as error:  # pyxform raises several types; all mean "this workbook is not a form"
        raise WorkbookError(f"{type(error).__name__}: {error}") from None
    sheets = {name: sheets.get(name) or [] for name in ("survey", "choices", "settings")}
    form = parse_form(sheets)
    if not form.form_id:
        raise WorkbookError("the settings sheet has no form_id")
    return form


def serve_form(state: SandboxState, form: FormDef, uid: str | None = None) -> FormStore:
    """Make the data endpoints serve ``form``: a new empty store, or the new definition on a store that
    has no submissions yet (a store with submissions keeps its rows, generated from the earlier form)."""
    with state.lock:
        store = state.stores.get(form.form_id)
        seed = store.seed if store else getattr(state, "seed", 1)
        if store is None or store.n == 0:
            store = state.add_form(form, 0, seed)
        if uid is not None:
            state.by_uid[uid] = form.form_id
        return store


def multipart(request: Request) -> dict[str, bytes]:
    """The fields of a ``multipart/form-data`` body, each as bytes."""
    content_type = request.headers.get("Content-Type") or ""
    if not content_type.startswith("multipart/form-data"):
        raise HttpError(415, f"expected multipart/form-data, got {content_type or 'no Content-Type'}")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + request.body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = part.get_payload(decode=True) or b""
    return fields


def override(method: str, pattern: str):
    """``route``, but placed ahead of the routes already registered, so a deploy-aware handler answers a
    path the read-only endpoints also serve (it hands back to them for forms it does not manage)."""
    def wrap(handler):
        route(method, pattern)(handler)
        ROUTES.insert(0, ROUTES.pop())
        return handler
    return wrap


def extras(state: SandboxState, key: str) -> dict:
    """This module family's part of ``state.extras`` (created on first use)."""
    with state.lock:
        return state.extras.setdefault(key, {})
