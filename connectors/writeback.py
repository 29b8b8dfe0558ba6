"""Send validation verdicts back to the servers partners use, so they see what to fix where they work.

KoBoToolbox: ``PATCH /api/v2/assets/{uid}/data/{_id}/validation_status/`` with
``{"validation_status.uid": "validation_status_not_approved"}`` (or ``..._on_hold``).
ODK Central: ``PATCH /v1/projects/{p}/forms/{form}/submissions/{instanceId}`` with
``{"reviewState": "hasIssues"}`` (or ``rejected``), and ``POST .../comments`` with ``{"body": ...}``.

The functions take the read clients of ``connectors.kobo`` / ``connectors.odk`` and use their sessions
(base URL, timeouts, retries, credentials). A refused or failed request raises ``SourceError`` naming
the server, the form and the submission.
"""

from __future__ import annotations

from connectors.errors import SourceError, describe
from connectors.kobo import KoboClient
from connectors.odk import OdkClient, quote_id

KOBO_STATUSES = ("validation_status_not_approved", "validation_status_on_hold")
ODK_STATES = ("hasIssues", "rejected")
MAX_COMMENT = 4000  # characters; the issues of one submission rarely come near


def _send(session, method: str, path: str, payload: dict, what: str) -> dict:
    response = session.request(method, path, json=payload)
    if response.status_code >= 400:
        text = (response.text or "").strip().replace("\n", " ")[:200]
        raise SourceError(describe(session.name, what, f"HTTP {response.status_code}: {text}",
                                   response.status_code), response)
    try:
        return response.json()
    except ValueError:
        return {}


def kobo_set_status(client: KoboClient, asset_uid: str, submission_id: int, uid: str,
                    form_id: str | None = None) -> dict:
    """Set the KoBo validation status of submission ``_id``; returns the server's status object."""
    if uid not in KOBO_STATUSES:
        raise ValueError(f"KoBo write-back status {uid!r}: use one of {', '.join(KOBO_STATUSES)}")
    path = f"api/v2/assets/{asset_uid}/data/{int(submission_id)}/validation_status/"
    what = f"setting the validation status of submission {submission_id} of form {form_id or asset_uid} to {uid}"
    return _send(client.session, "PATCH", path, {"validation_status.uid": uid}, what)


def odk_submission_path(client: OdkClient, form_id: str, instance_id: str) -> str:
    return (f"v1/projects/{quote_id(client.project_id)}/forms/{quote_id(form_id)}"
            f"/submissions/{quote_id(instance_id)}")


def odk_set_review(client: OdkClient, form_id: str, instance_id: str, state: str) -> dict:
    """Set the Central review state of one submission (Central moves its ``updatedAt``)."""
    if state not in ODK_STATES:
        raise ValueError(f"ODK write-back review state {state!r}: use one of {', '.join(ODK_STATES)}")
    what = f"setting the review state of submission {instance_id} of form {form_id} to {state}"
    return _send(client.session, "PATCH", odk_submission_path(client, form_id, instance_id),
                 {"reviewState": state}, what)


def odk_comment(client: OdkClient, form_id: str, instance_id: str, body: str) -> dict:
    """Add a comment to one Central submission (what the reviewer sees next to the review state)."""
    if len(body) > MAX_COMMENT:
        body = body[: MAX_COMMENT - 1] + "…"
    what = f"commenting on submission {instance_id} of form {form_id}"
    return _send(client.session, "POST", odk_submission_path(client, form_id, instance_id) + "/comments",
                 {"body": body}, what)
