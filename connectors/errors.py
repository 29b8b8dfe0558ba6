"""The one exception every connector raises: a source could not give us its data.

Like pyodk's ``PyODKError`` it carries the HTTP response (when there was one) so callers can look at the
status code, but its message is written for the person running the nightly pull: which server, which form,
what happened and what to do about it.
"""

from __future__ import annotations

import requests

HINTS = {
    401: "check the token or password in the environment variable named in clustermon.yaml",
    403: "the account has no access to this form: share the form with it (KoBo) or add it to the project (ODK)",
    404: "check the form's server-side id (asset_uid for KoBo, form_id and project_id for ODK) in clustermon.yaml",
    429: "the server is throttling requests: run again later or lower the page size",
}
DEFAULT_HINT = "the server kept failing after retries: check that it is up, then run the pull again"


class SourceError(Exception):
    """A source (server or export file) failed in a way retries could not fix.

    ``response`` is the last ``requests.Response`` when the server answered, else ``None``.
    """

    def __init__(self, message: str, response: requests.Response | None = None):
        super().__init__(message)
        self.response = response

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None


def hint_for(status: int | None) -> str:
    """What a person should do about a failure with this HTTP status (or a connection failure)."""
    if status is None:
        return "the server could not be reached: check the URL and the network, then run the pull again"
    return HINTS.get(status, DEFAULT_HINT)


def describe(server: str, what: str, detail: str, status: int | None = None) -> str:
    """A message naming the server, what we were fetching, what went wrong and what to do."""
    return f"{server}: {what} failed ({detail}); {hint_for(status)}"
