"""Validation problems as data: one row per problem, with a stable code and a message a partner can act on.

Every stage that finds a problem (flatten's typing, the Great Expectations suite, the business rules) returns
rows in the same shape, ``ISSUE_COLUMNS``, so they can be concatenated, stored in ``quarantine_issues`` and
mailed back to partners. ``message`` names the question by its label, quotes the value and says what to
change; ``org`` is the reporting organisation when the form records one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from forms.definition import Field, FormDef

ISSUE_COLUMNS = ["form_id", "submission_key", "rule", "field", "value", "message", "org"]
MAX_VALUE_CHARS = 200
ORG_FIELD_NAMES = ("reporting_org", "org", "organisation", "organization")
# An organisation *type* is not an organisation: anonymous questionnaires (CCPM) tag only the type, and
# their held-back answers must not be grouped or filed under it as if a partner could be told.
ORG_ROLES = ("reporting_org", "org")


def as_text(value, limit: int = MAX_VALUE_CHARS) -> str | None:
    """The value as short text for people: None stays None, containers become JSON, long text is cut."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d") if value == value.normalize() and value.tz is None else value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue(form_id: str, submission_key, rule: str, field: str | None, value, message: str,
          org=None) -> dict:
    """One issue row (a dict with ``ISSUE_COLUMNS``)."""
    return {
        "form_id": form_id, "submission_key": as_text(submission_key), "rule": rule, "field": field,
        "value": as_text(value), "message": message, "org": as_text(org),
    }


def issues_frame(rows: Iterable[dict] | pd.DataFrame | None = None) -> pd.DataFrame:
    """Issue rows as a DataFrame with exactly ``ISSUE_COLUMNS`` (text dtype), empty when there are none."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows or []))
    for column in ISSUE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[ISSUE_COLUMNS].astype("str").where(frame[ISSUE_COLUMNS].notna(), None).reset_index(drop=True)


def concat_issues(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    return issues_frame(pd.concat(frames, ignore_index=True) if frames else None)


def label(field: Field) -> str:
    """The question's English label (or its name), quoted for messages."""
    return f"'{field.label()}'"


def org_field(form: FormDef) -> Field | None:
    """The main-level question that names the reporting organisation, if the form has one."""
    main = form.fields_in(None)
    for name in ORG_FIELD_NAMES:
        for f in main:
            if f.name == name:
                return f
    for role in ORG_ROLES:
        for f in main:
            if f.extra.get("role") == role:
                return f
    return None


def repeat_label(form: FormDef, repeat_path: str) -> str:
    """The label people see for one repeat ("Activity line"), read from its ``begin repeat`` row."""
    name = repeat_path.rsplit("/", 1)[-1]
    for row in form.sheets.get("survey", []):
        if str(row.get("type") or "").strip().lower().replace("_", " ") == "begin repeat" \
                and str(row.get("name") or "").strip() == name:
            for key in ("label::English (en)", "label"):
                if row.get(key):
                    return str(row[key])
            return name.replace("_", " ").capitalize()
    return name.replace("_", " ").capitalize()


def where(form: FormDef, repeat_path: str | None, ordinal_path) -> str:
    """The message prefix that locates a repeat row ("Activity line 2: ", "Household 1, Child 2: ")."""
    if not repeat_path or ordinal_path is None or (not isinstance(ordinal_path, str) and pd.isna(ordinal_path)):
        return ""
    levels = [r for r in form.repeats if repeat_path == r or repeat_path.startswith(r + "/")] or [repeat_path]
    ordinals = str(ordinal_path).split(".")
    if len(ordinals) != len(levels):
        return f"{repeat_label(form, repeat_path)} {ordinal_path}: "
    return ", ".join(f"{repeat_label(form, r)} {n}" for r, n in zip(levels, ordinals)) + ": "
