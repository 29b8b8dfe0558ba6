"""What every form deployment shares: its result, its error and a patient HTTP session.

``forms/`` imports no other room, so the deployers talk HTTP through ``requests`` directly: one session
with a default timeout and urllib3 ``Retry`` on 429/5xx (``Retry-After`` honoured) for http and https.
POSTs are never retried automatically: an import or a publish must not run twice by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT = 30.0
RETRY = Retry(total=4, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
              allowed_methods=("GET", "PATCH"), respect_retry_after_header=True, raise_on_status=False)
ACTIONS = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class DeployResult:
    """One form's deployment: ``server_id`` is the KoBo asset uid or the ODK xmlFormId."""

    form_id: str
    server_id: str
    action: str  # "created" | "updated" | "unchanged"
    version: str
    message: str


class DeployError(Exception):
    """A server refused a form (or never finished with it); the live form is left as it was.

    ``status`` is the HTTP status of the refusing answer (None for a timeout), ``messages`` what the server
    said about it, so the person deploying can fix the form and run the deployment again.
    """

    def __init__(self, form_id: str, problem: str, status: int | None = None, messages=None):
        detail = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"form {form_id!r}: {problem}{detail}"
                         + (f"; the server said: {messages}" if messages else ""))
        self.form_id, self.problem, self.status, self.messages = form_id, problem, status, messages


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float):
        self.timeout = timeout
        super().__init__(max_retries=RETRY)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


@dataclass
class DeploySession:
    """A ``requests.Session`` bound to one server: joins paths to ``base_url``; never shows its headers.

    The deployers' own session: ``forms/`` imports no other room, so not ``connectors.http.ApiSession``
    (the pull's, with body retries and ``SourceError``); this one never retries a POST."""

    base_url: str
    headers: dict = field(default_factory=dict, repr=False)
    timeout: float = TIMEOUT

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers.update(self.headers)
        adapter = _TimeoutAdapter(self.timeout)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)

    def request(self, method: str, path_or_url: str, **kwargs) -> requests.Response:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.base_url + path_or_url
        return self.http.request(method, url, **kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "DeploySession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def server_says(response: requests.Response):
    """The server's own words about a refused request: its JSON body, else the start of its text."""
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
