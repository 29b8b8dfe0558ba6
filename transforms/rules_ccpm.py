"""CCPM business rules (shared/domain/ccpm.md, "Answer scales").

A scored question carries ``scale`` = ``min-max`` in the survey sheet; an answer must be a code on that scale
or one of the list's special codes (choice column ``special``: don't know, not applicable, precondition
absent). ``choice_unknown`` already catches codes missing from the list; this rule catches listed codes that
are neither on the scale nor special (a form error) and typed numbers off the scale.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.issues import label
from transforms.rules import column_of, levels, register, row_issues


def parse_scale(text: str | None) -> tuple[float, float] | None:
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*", text or "")
    return (float(match.group(1)), float(match.group(2))) if match else None


@register("ccpm")
def codes_on_scale(form, tables, context, orgs) -> list[dict]:
    rows = []
    for repeat, frame in levels(form, tables):
        for field in form.fields_in(repeat):
            scale = parse_scale(field.extra.get("scale"))
            column = column_of(form, field)
            if scale is None or column not in frame.columns:
                continue
            special = {c.name for c in form.choices.get(field.list_name or "", []) if c.extra.get("special")}
            values = frame[column]
            number = pd.to_numeric(values, errors="coerce")
            on_scale = number.between(*scale) & (number % 1 == 0)
            bad = values.notna() & ~on_scale & ~values.astype("str").isin(special)
            low, high = (int(x) if x.is_integer() else x for x in scale)
            rows += row_issues(
                form, repeat, frame, bad, "ccpm_code_off_scale", field.name, lambda p: values.iloc[p],
                lambda p: (f"{label(field)}: answer code {values.iloc[p]!r} is not on the {low}-{high} scale "
                           "and is not a 'don't know' or 'not applicable' code. Choose an answer on the scale."),
                orgs)
    return rows
