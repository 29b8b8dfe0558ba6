"""The sandbox HTTP server: stdlib ThreadingHTTPServer on 127.0.0.1 in a daemon thread.

Each request is matched against the one route table (``routes.ROUTES``); pending faults are applied
first, so clients meet throttling, gateway errors, resets, slow and truncated answers exactly where
a test asks for them.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
import traceback
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from connectors.sandbox import admin_api, deploy_api, kobo_api, odk_api  # noqa: F401  (register their routes)
from connectors.sandbox.routes import HttpError, Request, Response, find, json_response
from connectors.sandbox.state import SandboxState, asset_uid
from connectors.sandbox.store import FormStore
from connectors.synthetic import DEFAULT_START
from forms.definition import FormDef, load_form

DEFAULT_FORMS = ("ccpm_partner",)
ADMIN_PREFIX = "/__admin"


class SandboxHandler(BaseHTTPRequestHandler):
    # TCP_NODELAY: headers and body go out in two writes; with Nagle's algorithm the body waited for the
    # client's delayed ACK of the headers, ~40 ms on every small response (1,000 small requests: 44 s, not 1 s)
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "ClusterMonitorSandbox/1.0"
    state: SandboxState  # set on the per-server subclass

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests and the bench make many requests
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = None if parts.path.startswith(ADMIN_PREFIX) else self.state.faults.take(method, parts.path)
        if fault and fault["kind"] in ("reset", "abort_after_pages"):
            return self._reset()
        if fault and fault["kind"] == "slow":
            time.sleep(float(fault.get("seconds", 1)))
        if fault and fault["kind"] == "status":
            return self._send(self._fault_response(fault))
        response = self._handle(Request(method, parts.path, params, self.headers, body, self.state))
        self._send(response, truncated=bool(fault and fault["kind"] == "truncated"))

    def _handle(self, request: Request) -> Response:
        handler, args, path_known = find(request.method, request.path)
        if handler is None:
            status = 405 if path_known else 404
            return json_response({"detail": f"{request.method} {request.path} is not served by the sandbox"},
                                 status)
        request.args = args
        try:
            return handler.handler(request)
        except HttpError as error:
            return json_response(error.body, error.status, error.headers)
        except Exception as error:  # a sandbox bug must reach the test as a 500 with its cause
            traceback.print_exc(file=sys.stderr)
            return json_response({"detail": f"sandbox error: {type(error).__name__}: {error}"}, 500)

    @staticmethod
    def _fault_response(fault: dict) -> Response:
        headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
        return json_response({"detail": f"injected fault: HTTP {fault['status']}"}, fault["status"], headers)

    def _send(self, response: Response, truncated: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if truncated:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncated:
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(response.body)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset and no response at all."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class Sandbox:
    """A local KoBo- and ODK-compatible server with synthetic submissions, for the demo and tests.

    ``forms`` maps form ids to how many submissions each starts with (default
    ``{"ccpm_partner": submissions}``); ``definitions`` supplies FormDefs not in ``forms/sources``.
    """

    def __init__(self, port: int = 0, token: str = "sandbox-token", seed: int = 1,
                 forms: dict[str, int] | None = None, submissions: int = 100,
                 faults: list[dict] | None = None, definitions: dict[str, FormDef] | None = None,
                 odk_email: str = "sandbox@example.org", odk_password: str = "sandbox-password",
                 odk_token_uses: int | None = None, start: datetime = DEFAULT_START,
                 host: str = "127.0.0.1"):
        forms = forms if forms is not None else {name: submissions for name in DEFAULT_FORMS}
        definitions = definitions or {}
        stores = {form_id: FormStore(definitions.get(form_id) or load_form(form_id), n, seed, start)
                  for form_id, n in forms.items()}
        self.state = SandboxState(stores, token, odk_email, odk_password, faults, odk_token_uses, seed)
        self.host, self.port, self.seed = host, port, seed
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        handler = type("BoundSandboxHandler", (SandboxHandler,), {"state": self.state})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_port
        self.state.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.state.url

    @property
    def token(self) -> str:
        return self.state.token

    # --- the server's truth ----------------------------------------------------------------
    def asset_uid(self, form_id: str) -> str:
        self.state.store(form_id)
        return asset_uid(form_id)

    def store(self, form_id: str) -> FormStore:
        return self.state.store(form_id)

    def add(self, form_id: str, n: int) -> list[int]:
        return self.store(form_id).add(n)

    def edit(self, form_id: str, _id: int, changes: dict | None = None) -> dict:
        return self.store(form_id).edit(_id, changes)

    def delete(self, form_id: str, _id: int) -> None:
        self.store(form_id).delete(_id)

    def set_validation_status(self, form_id: str, _id: int, uid: str | None) -> dict:
        return self.store(form_id).set_validation_status(_id, uid)

    def truth(self, form_id: str) -> list[dict]:
        return self.store(form_id).truth()

    def odk_truth(self, form_id: str, include_deleted: bool = True) -> list[dict]:
        """Every submission as Central holds it, newest first (soft-deleted ones carry deletedAt)."""
        store = self.store(form_id)
        with store.lock:
            return [store.odk_row(i) for i in range(store.n, 0, -1)
                    if include_deleted or i not in store.deleted_at]

    def inject(self, faults: list[dict]) -> None:
        self.state.faults.extend(faults)
