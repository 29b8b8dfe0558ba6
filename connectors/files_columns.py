"""Matching an export's column headers to the form's questions.

KoBo exports write slash paths (``grp/q``) or bare names, ODK writes dash paths (``grp-q``) and its own
metadata names. KoBo adds derived columns (one 0/1 column per select_multiple option, ``_q_latitude`` and
friends for geopoints) that the API never sends: they are dropped. ODK splits a geopoint into
``q-Latitude``/``q-Longitude``/``q-Altitude``/``q-Accuracy``: those are joined back into KoBo's
``"lat lon alt acc"`` text.
"""

from __future__ import annotations

import re

from forms.definition import FormDef

ODK_META = {"SubmissionDate": "_submission_time", "ReviewState": "_review_state",
            "SubmitterName": "_submitted_by", "instanceID": "meta/instanceID"}
SKIPPED = {"_index", "_parent_index", "_parent_table_name", "KEY", "PARENT_KEY"}
GEO_SUFFIXES = ("latitude", "longitude", "altitude", "precision", "accuracy")
ODK_GEO = ("Latitude", "Longitude", "Altitude", "Accuracy")


def _is_derived(header: str, form: FormDef, repeat: str | None) -> bool:
    """A KoBo select_multiple option column (``q/opt``) or geopoint part (``_q_latitude``)."""
    for field in form.fields_in(repeat):
        if field.type == "select_multiple" and header.rsplit("/", 1)[0] in (field.path, field.name):
            if header.rsplit("/", 1)[-1] in form.choice_codes(field.list_name or ""):
                return True
        if field.type == "geopoint":
            if any(header in (f"_{field.path}_{s}", f"_{field.name}_{s}") for s in GEO_SUFFIXES):
                return True
            if any(header in (f"{field.path.replace('/', '-')}-{s}", f"{field.name}-{s}") for s in ODK_GEO):
                return True
    return False


def column_map(headers: list[str], form: FormDef, repeat: str | None) -> dict[str, str]:
    """header → payload key (the question's slash path, or the metadata key) for the usable columns."""
    fields = form.fields_in(repeat)
    by_path = {f.path: f.path for f in fields}
    names = [f.name for f in fields]
    by_name = {f.name: f.path for f in fields if names.count(f.name) == 1}
    mapping = {}
    for header in headers:
        if not header or header in SKIPPED or header.startswith("_submission__"):
            continue
        if header in ODK_META:
            mapping[header] = ODK_META[header]
            continue
        slashed = header.replace("-", "/")
        if header in by_path or slashed in by_path:
            mapping[header] = by_path.get(header) or by_path[slashed]
        elif _is_derived(header, form, repeat):
            continue
        elif re.split(r"[/-]", header)[-1] in by_name:
            mapping[header] = by_name[re.split(r"[/-]", header)[-1]]
        elif header.startswith("meta-"):
            mapping[header] = slashed
        else:
            mapping[header] = header  # metadata or a column the form does not know: kept as sent
    return mapping


def geopoint_parts(headers: list[str], form: FormDef, repeat: str | None) -> dict[str, list[str]]:
    """path → [lat, lon, alt, acc] columns for geopoints that ODK exported as four columns."""
    parts = {}
    for field in form.fields_in(repeat):
        if field.type != "geopoint":
            continue
        for stem in (field.path.replace("/", "-"), field.name):
            columns = [f"{stem}-{s}" for s in ODK_GEO]
            if columns[0] in headers and columns[1] in headers:
                parts[field.path] = [c for c in columns if c in headers]
                break
    return parts
