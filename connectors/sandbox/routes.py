"""The sandbox's one route table, and the small request/response types its handlers use.

Every endpoint module registers its handlers here with ``@route(method, pattern)``; the server looks
requests up in ``ROUTES`` in registration order. A module that adds endpoints (form deployment, say)
only has to be imported before the server starts.
"""

from __future__ import annotations

import json
import re

import orjson
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: Any
    body: bytes
    app: Any                      # connectors.sandbox.state.SandboxState
    args: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as error:
            raise HttpError(400, f"request body is not JSON: {error}") from None

    def url_with(self, **changes) -> str:
        """This request's absolute URL with some query parameters changed (None removes one)."""
        params = {**self.params, **changes}
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.app.url}{self.path}" + (f"?{query}" if query else "")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """Raised by handlers; becomes a JSON error response (``body`` overrides the default shape)."""

    def __init__(self, status: int, message: str, body: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.body = body if body is not None else {"detail": message}
        self.headers = headers or {}


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    """Compact UTF-8 JSON (what ``json.dumps(separators=(",", ":"), ensure_ascii=False)`` writes, ~5x
    faster: a page of 1,000 wide submissions is ~2 MB)."""
    body = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    return Response(status, body, "application/json", headers or {})


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler


ROUTES: list[Route] = []


def route(method: str, pattern: str):
    """Register a handler for ``method`` and a path regex (named groups become ``request.args``)."""
    def wrap(handler: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), re.compile(f"^{pattern}$"), handler))
        return handler
    return wrap


def find(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for a request, its path arguments, and whether the path exists for another method."""
    path_known = False
    for item in ROUTES:
        match = item.pattern.match(path)
        if match:
            if item.method == method:
                return item, match.groupdict(), True
            path_known = True
    return None, {}, path_known
