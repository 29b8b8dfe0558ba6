"""5W business rules (shared/domain/hrp.md, "validation rules seen in real 5W consolidation").

Questions are found by name: numbers whose names differ by one token pair up (``new_girls`` ≤
``total_girls``, ``reached_new`` ≤ ``reached_total``); the cells of a total are named in its ``sum_of`` survey
column (else ``reached_girls`` + ``reached_boys`` + … = ``reached_total`` by name); places are ``admin1``/``admin2``
(or ``adm1``/``adm2``, with ``_pcode``); the organisation is the form's reporting-organisation question; the
month is ``month``/``reporting_month``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.issues import as_text, label, org_field
from transforms.rules import (above_partner_issues, at_level, column_of, field_by_column, find_field, levels,
                              numeric, register, row_issues, swap_token)

SEX_AGE = ("girls", "boys", "women", "men")
ADMIN1 = ("admin1", "adm1", "admin1_pcode", "adm1_pcode")
ADMIN2 = ("admin2", "adm2", "admin2_pcode", "adm2_pcode")
MONTH = ("reporting_month", "month", "report_month")
SITE = ("site", "site_name", "location")


def _group_words(column: str) -> str:
    words = [t for t in column.split("_") if t in SEX_AGE]
    return f" for {' '.join(words)}" if words else ""


@register("fivew")
def new_not_above_total(form, tables, context, orgs) -> list[dict]:
    return above_partner_issues(
        form, tables, orgs, lambda column: swap_token(column, "new", "total"), "fivew_new_gt_total",
        lambda new, total, n, t, column: (f"{label(new)} ({n}) is greater than {label(total)} ({t})"
                                          f"{_group_words(column)}. New people reached this month cannot exceed "
                                          "the total; correct one of the two."))


def _cells(frame, fields, total: str) -> list[str]:
    """The cells that add up to ``total``: the form's ``sum_of`` column, else sex/age names around it."""
    named = fields[total].extra.get("sum_of", "").split()
    if named:
        return [c for c in named if numeric(frame, c)]
    if "total" not in total.split("_"):
        return []
    return [c for c in fields if c != total and numeric(frame, c)
            and any(swap_token(c, group, "total") == total for group in SEX_AGE)]


@register("fivew", "cpms")
def breakdown_adds_up(form, tables, context, orgs) -> list[dict]:
    rows = []
    for repeat, frame in levels(form, tables):
        fields = field_by_column(form, repeat)
        for total in [c for c in fields if numeric(frame, c)]:
            cells = _cells(frame, fields, total)
            if len(cells) < 2:
                continue
            given = frame[cells].notna().any(axis=1)
            sums = frame[cells].fillna(0).sum(axis=1)
            t = frame[total]
            bad = given & t.notna() & (sums != t)
            rows += row_issues(
                form, repeat, frame, bad, "disaggregation_sum", total, lambda p: t.iloc[p],
                lambda p: ("the breakdown ("
                           + " + ".join(f"{fields[c].label()} {as_text(frame[c].iloc[p]) or 0}" for c in cells)
                           + f" = {as_text(sums.iloc[p])}) do not add up to {label(fields[total])} "
                           f"({as_text(t.iloc[p])}). Correct the breakdown or the total so that they match."),
                orgs)
    return rows


def _parents(form, context, admin1, admin2) -> dict | None:
    """admin2 code → admin1 code from the gazetteer, else from the admin2 choice list's admin1 column."""
    gazetteer = context.gazetteer
    if gazetteer is not None and {"pcode", "parent_pcode"} <= set(gazetteer.columns):
        return dict(zip(gazetteer["pcode"].astype(str), gazetteer["parent_pcode"].astype(str)))
    choices = form.choices.get(admin2.list_name or "", [])
    linked = {c.name: c.extra.get(admin1.name) for c in choices if c.extra.get(admin1.name)}
    return linked or None


@register("fivew")
def admin2_inside_admin1(form, tables, context, orgs) -> list[dict]:
    admin1, admin2 = find_field(form, ADMIN1), find_field(form, ADMIN2)
    if not admin1 or not admin2:
        return []
    frame = at_level(form, tables, admin2.repeat, [admin1])
    if frame is None or not len(frame):
        return []
    a1 = frame[admin1.name if admin1.repeat != admin2.repeat else column_of(form, admin1)]
    a2 = frame[column_of(form, admin2)]
    parents = _parents(form, context, admin1, admin2)
    expected = a2.map(parents) if parents else None
    both = a1.notna() & a2.notna()
    if parents is not None:
        bad = both & (expected.isna() | (expected != a1))
    else:
        bad = both & ~pd.Series([str(b).startswith(str(a)) for a, b in zip(a1, a2)], index=frame.index)
    return row_issues(
        form, admin2.repeat, frame, bad, "fivew_admin2_outside_admin1", admin2.name, lambda p: a2.iloc[p],
        lambda p: (f"{label(admin2)} {a2.iloc[p]!r} is not inside {label(admin1)} {a1.iloc[p]!r}"
                   + ("" if expected is None or pd.notna(expected.iloc[p]) else " (unknown place code)")
                   + ". Choose the district within the selected state, or correct the state."), orgs)


@register("fivew")
def organisation_on_partner_list(form, tables, context, orgs) -> list[dict]:
    org = org_field(form)
    if not context.partners or org is None or org.repeat is not None:
        return []
    frame = tables.get(f"stg_{form.form_id}")
    allowed = {str(p).strip().casefold() for p in context.partners}
    values = frame[column_of(form, org)]
    bad = values.notna() & ~values.astype(str).str.strip().str.casefold().isin(allowed)
    return row_issues(
        form, None, frame, bad, "fivew_org_unknown", org.name, lambda p: values.iloc[p],
        lambda p: (f"{label(org)} {values.iloc[p]!r} is not on the cluster's partner list. Choose your "
                   "organisation from the list, or ask the cluster coordinator to add it."), orgs)


def _month_start(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.tz_localize(None).dt.to_period("M").dt.start_time if values.dt.tz is not None \
            else values.dt.to_period("M").dt.start_time
    text = values.astype("str").str.slice(0, 7)
    return pd.to_datetime(text, format="%Y-%m", errors="coerce")


@register("fivew")
def month_inside_window(form, tables, context, orgs) -> list[dict]:
    month = find_field(form, MONTH)
    if not context.window or month is None:
        return []
    frame = at_level(form, tables, month.repeat, [])
    if frame is None or not len(frame):
        return []
    first, last = (pd.Timestamp(d) for d in context.window)
    starts = _month_start(frame[column_of(form, month)])
    bad = starts.notna() & ((starts < first.to_period("M").start_time) | (starts > last))
    window = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return row_issues(
        form, month.repeat, frame, bad, "fivew_month_outside_window", month.name,
        lambda p: frame[column_of(form, month)].iloc[p],
        lambda p: (f"{label(month)} {as_text(frame[column_of(form, month)].iloc[p])!r} is outside the "
                   f"reporting window ({window}). Report this month's activities, or correct the month."), orgs)


def _line_table(form, tables):
    """The level that holds activity lines: the first repeat with a total, else the submission."""
    for repeat in [*form.repeats, None]:
        if any("total" in f.name.split("_") for f in form.fields_in(repeat)):
            return repeat
    return None


@register("fivew")
def duplicate_activity_lines(form, tables, context, orgs) -> list[dict]:
    """Two lines with the same organisation, month, place and activity choices: all but the first flagged."""
    repeat = _line_table(form, tables)
    shared = [f for f in (org_field(form), find_field(form, MONTH), find_field(form, ADMIN1),
                          find_field(form, ADMIN2), find_field(form, SITE)) if f is not None]
    keys = [f for f in form.fields_in(repeat) if f.type in ("select_one", "date") and f not in shared]
    frame = at_level(form, tables, repeat, [f for f in shared if f.repeat != repeat])
    if frame is None or not len(frame) or not keys:
        return []
    columns = [f.name if f.repeat != repeat else column_of(form, f) for f in shared + keys]
    subset = frame[columns].astype("str").fillna("")
    involved = np.flatnonzero(subset.duplicated(keep=False).to_numpy())  # hashed in C: lines with a twin
    if not len(involved):
        return []
    values = subset.to_numpy()
    tuples = {int(pos): tuple(values[pos]) for pos in involved}
    first_seen: dict = {}
    for pos, line in tuples.items():
        first_seen.setdefault(line, pos)
    dup = np.zeros(len(subset), dtype=bool)
    dup[involved] = [first_seen[line] != pos for pos, line in tuples.items()]

    def origin(p: int) -> str:
        q = first_seen[tuples[p]]
        line = f"line {frame['ordinal_path'].iloc[q]} of " if repeat else ""
        return f"{line}submission {frame['submission_key'].iloc[q]}"

    return row_issues(
        form, repeat, frame, dup, "fivew_duplicate_line", None, lambda p: " | ".join(subset.iloc[p]),
        lambda p: (f"this activity repeats {origin(p)} (same organisation, month, place and activity). "
                   "Remove the duplicate line or merge its numbers into the first one."), orgs)
