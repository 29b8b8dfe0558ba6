"""One synthetic submission in ODK Central's OData shape.

Central nests groups as objects (KoBo flattens them to slash paths), types its values (numbers are
numbers, geopoints are GeoJSON with ``[lon, lat, alt]`` — the axis order differs from KoBo's
``"lat lon alt acc"``), keys a submission by its first instanceID (``__id``) and keeps server facts in
``__system``. Repeats come back inline as lists here, as with ``$expand=*``; the sandbox splits them
into their own tables.
"""

from __future__ import annotations

from forms.definition import Field, FormDef

REVIEW_STATES = {  # KoBo validation status uid -> ODK review state
    "validation_status_approved": "approved",
    "validation_status_not_approved": "rejected",
    "validation_status_on_hold": "hasIssues",
}
NO_VALUE_TYPES = {"calculate"}


def odk_time(kobo_time: str | None) -> str | None:
    """``2026-01-05T08:00:13`` (KoBo, UTC without suffix) -> ``2026-01-05T08:00:13.000Z`` (Central)."""
    return f"{kobo_time}.000Z" if kobo_time else None


def typed(field: Field, value: str | None):
    """A KoBo string answer as Central types it."""
    if value is None or value == "":
        return None
    if field.type == "integer":
        return int(value)
    if field.type in ("decimal", "range"):
        number = float(value)
        return int(number) if field.type == "range" and number.is_integer() else number
    if field.type == "geopoint":
        parts = [float(p) for p in value.split()]
        lat, lon, alt, acc = (parts + [0.0, 0.0])[:4]
        return {"type": "Point", "coordinates": [lon, lat, alt], "properties": {"accuracy": acc}}
    return value


def _put(target: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _nest(form: FormDef, repeat: str | None, values: dict) -> dict:
    """One level (the submission or one repeat instance) as nested objects; unanswered questions
    are null like Central's, nested repeats are lists."""
    prefix = f"{repeat}/" if repeat else ""
    out: dict = {}
    for field in form.fields_in(repeat):
        value = None if field.type in NO_VALUE_TYPES else typed(field, values.get(field.path))
        _put(out, field.path[len(prefix):].split("/"), value)
    for child in form.repeats:
        inner = [r for r in form.repeats if child.startswith(r + "/")]
        if (max(inner, key=len) if inner else None) == repeat:
            instances = [_nest(form, child, item) for item in values.get(child, [])]
            _put(out, child[len(prefix):].split("/"), instances)
    return out


def to_odk(row: dict, form: FormDef, *, updated_at: str | None = None, deleted_at: str | None = None,
           edits: int = 0, submitter_id: int = 5) -> dict:
    """The KoBo-shaped ``row`` as ODK Central's OData ``Submissions`` feed returns it (expanded)."""
    meta = {"instanceID": row["meta/instanceID"]}
    if row.get("meta/deprecatedID"):
        meta["deprecatedID"] = row["meta/deprecatedID"]
    review = REVIEW_STATES.get((row.get("_validation_status") or {}).get("uid", ""))
    submission = {"__id": row.get("meta/rootUuid") or row["meta/instanceID"]}
    submission.update(_nest(form, None, row))
    submission["meta"] = meta
    submission["__system"] = {
        "submissionDate": odk_time(row.get("_submission_time")),
        "updatedAt": updated_at,
        "deletedAt": deleted_at,
        "submitterId": str(submitter_id),
        "submitterName": row.get("_submitted_by") or "sandbox",
        "attachmentsPresent": 0,
        "attachmentsExpected": 0,
        "status": None,
        "reviewState": "edited" if review is None and edits else review,
        "deviceId": None,
        "edits": edits,
        "formVersion": form.version or "",
    }
    return submission
