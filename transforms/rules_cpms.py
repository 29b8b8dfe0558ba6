"""CPMS business rules (shared/domain/hrp.md, "CPMS"): ratios and the choice of priority standards.

Numerators pair with denominators by name (``u18_numerator`` ↔ ``u18_denominator``, also ``num``/``den``).
The priority standards are the select_multiple question whose choice list has a ``pillar`` column (or is named
``priority_standards``); a standard's pillar comes from that column, else from its number (1–6, 7–13, 14–20,
21–28 = pillars 1–4).
"""

from __future__ import annotations

import re


from transforms.issues import label
from transforms.rules import above_partner_issues, find_field, register, relevant_rows, row_issues, swap_token

PAIRS = (("numerator", "denominator"), ("num", "den"))
PILLAR_OF_STANDARD = {**{n: 1 for n in range(1, 7)}, **{n: 2 for n in range(7, 14)},
                      **{n: 3 for n in range(14, 21)}, **{n: 4 for n in range(21, 29)}}
MIN_STANDARDS, MAX_STANDARDS = 4, 10


@register("cpms")
def numerator_not_above_denominator(form, tables, context, orgs) -> list[dict]:
    def denominator_of(column: str) -> str | None:
        return next((swap_token(column, a, b) for a, b in PAIRS if swap_token(column, a, b)), None)

    return above_partner_issues(
        form, tables, orgs, denominator_of, "cpms_numerator_gt_denominator",
        lambda top, bottom, n, d, _: (f"{label(top)} ({n}) is greater than {label(bottom)} ({d}). The children "
                                      "counted in the numerator are part of the denominator; correct one of the two."))


def _standards_field(form):
    for f in form.fields:
        if f.type == "select_multiple" and any("pillar" in c.extra for c in form.choices.get(f.list_name, [])):
            return f
    found = find_field(form, ("priority_standards", "standards"))
    return found if found is not None and found.type == "select_multiple" else None


def _pillar(choice_extra: dict, code: str) -> int | None:
    if choice_extra.get("pillar"):
        digits = re.findall(r"\d+", choice_extra["pillar"])
        return int(digits[0]) if digits else None
    digits = re.findall(r"\d+", code)
    return PILLAR_OF_STANDARD.get(int(digits[0])) if digits else None


@register("cpms")
def priority_standards(form, tables, context, orgs) -> list[dict]:
    """4 to 10 standards, at least one in each of the four pillars."""
    field = _standards_field(form)
    frame = tables.get(f"stg_{form.form_id}") if field is not None and field.repeat is None else None
    if frame is None or not len(frame) or field.name not in frame.columns:
        return []
    pillars = {c.name: _pillar(c.extra, c.name) for c in form.choices.get(field.list_name, [])}
    chosen = frame[field.name].astype("str").str.split()
    answered = frame[field.name].notna() & relevant_rows(form, frame, field)
    count = chosen.map(lambda codes: len(set(codes)) if isinstance(codes, list) else 0)
    missing = chosen.map(lambda codes: sorted({1, 2, 3, 4} - {pillars.get(c) for c in codes})
                         if isinstance(codes, list) else [])
    rows = row_issues(
        form, None, frame, answered & ((count < MIN_STANDARDS) | (count > MAX_STANDARDS)),
        "cpms_standard_count", field.name, lambda p: frame[field.name].iloc[p],
        lambda p: (f"{label(field)}: {count.iloc[p]} standards were chosen; choose between {MIN_STANDARDS} "
                   f"and {MAX_STANDARDS} priority standards."), orgs)
    rows += row_issues(
        form, None, frame, answered & missing.map(bool), "cpms_pillar_missing", field.name,
        lambda p: frame[field.name].iloc[p],
        lambda p: (f"{label(field)}: no standard was chosen from pillar "
                   f"{', '.join(map(str, missing.iloc[p]))}. Choose at least one standard in each of the four "
                   "pillars."), orgs)
    return rows
