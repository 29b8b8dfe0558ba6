"""The CCPM action plan: pre-filled rows, updates from ``ccpm_action_plan`` submissions, quarterly follow-up.

Rules:
- A **final** report pre-fills one row per sub-function rated Weak or Unsatisfactory (empty ``action_key``),
  only when the cycle has no row for that sub-function yet, so workshop answers are never overwritten.
- An action is identified by cycle + sub-function + its normalised text (``action_key``: lower case, single
  spaces). A submitted action replaces the pre-filled row of its sub-function if there is one, else the row
  with the same key, else it is added. **The latest submission wins** per action: submissions are applied in
  ``submitted_at`` order and a row is only overwritten by a submission at least as recent as its ``updated_at``.
- Follow-up: an action is overdue when its deadline has passed and its progress is neither Completed nor
  Dropped. The follow-up lists overdue actions first (most overdue first), then by deadline.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from forms.definition import FormDef
from transforms.ccpm_bands import GOOD, NOT_EVALUATED, SATISFACTORY, UNSATISFACTORY, WEAK

ACTION_FIELDS = ["subfunction", "action_key", "status", "action", "responsible", "deadline", "support_needed",
                 "support_details", "progress", "progress_notes", "source_submission", "updated_at"]
STATUS_BY_CODE = {"weak": WEAK, "unsatisfactory": UNSATISFACTORY, "satisfactory": SATISFACTORY, "good": GOOD,
                  "not_evaluated": NOT_EVALUATED}
CLOSED = ("Completed", "Dropped")
PLACEHOLDER = ""


def action_key(text) -> str:
    """The identity of an action within its sub-function: its text in lower case with single spaces."""
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


def empty_actions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ACTION_FIELDS})


def prefill(existing: pd.DataFrame, scores: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """``existing`` plus a pre-filled row for each red or orange sub-function that has no row yet."""
    subs = scores[(scores["unit_type"] == "subfunction") & scores["status"].isin([WEAK, UNSATISFACTORY])]
    have = set(existing["subfunction"]) if not existing.empty else set()
    rows = [{**dict.fromkeys(ACTION_FIELDS), "subfunction": code, "action_key": PLACEHOLDER, "status": status,
             "updated_at": now} for code, status in zip(subs["unit_code"], subs["status"]) if code not in have]
    new = pd.DataFrame(rows, columns=ACTION_FIELDS, dtype=object)
    return new if existing.empty else pd.concat([existing[ACTION_FIELDS], new], ignore_index=True)


def _labels(form: FormDef, list_name: str) -> dict[str, str]:
    return {c.name: c.labels.get("English (en)") or next(iter(c.labels.values()), c.name)
            for c in form.choices.get(list_name, [])}


def _iso_date(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.date().isoformat() if hasattr(value, "date") else str(value)[:10]


def submission_updates(form: FormDef, main: pd.DataFrame, repeat: pd.DataFrame, level: str | None = None,
                       since: str | None = None) -> pd.DataFrame:
    """One row per submitted action (``ACTION_FIELDS`` + ``submitted_at``), oldest submission first.

    Only submissions of ``level`` (national / subnational) whose workshop is on or after ``since`` (the
    cycle's start, ISO date) are kept, so an earlier cycle's workshop never edits this cycle's plan.
    """
    parents = main.copy()
    if level and "level" in parents:
        parents = parents[parents["level"].astype(str) == level]
    if since and "workshop_date" in parents:
        workshop = parents["workshop_date"].map(_iso_date)
        parents = parents[workshop.isna() | (workshop.fillna("") >= since)]
    rows = repeat.merge(parents[["submission_key", "submitted_at"]], on="submission_key", how="inner")
    codes = {c.name: c.extra.get("code", c.name) for c in form.choices.get("subfunction", [])}
    support, progress = _labels(form, "support_from"), _labels(form, "progress")
    out = pd.DataFrame({
        "subfunction": rows["subfunction"].map(lambda c: codes.get(c, c)),
        "action_key": rows["action"].map(action_key),
        "status": rows["status"].map(lambda c: STATUS_BY_CODE.get(c, c)),
        "action": rows["action"], "responsible": rows["responsible"],
        "deadline": rows["deadline"].map(_iso_date),
        "support_needed": rows["support_needed"].map(
            lambda v: None if pd.isna(v) else "; ".join(support.get(c, c) for c in str(v).split())),
        "support_details": rows.get("support_details"),
        "progress": rows["progress"].map(lambda c: progress.get(c, c) if not pd.isna(c) else None),
        "progress_notes": rows.get("progress_notes"),
        "source_submission": rows["submission_key"], "updated_at": rows["submitted_at"],
        "_ordinal": rows["ordinal"],
    })
    out = out.astype(object).where(out.notna(), None)
    return out.sort_values(["updated_at", "source_submission", "_ordinal"], kind="stable") \
        .drop(columns="_ordinal").reset_index(drop=True)


def _newer(update, current) -> bool:
    return current is None or pd.isna(current) or pd.Timestamp(update) >= pd.Timestamp(current)


def merge_actions(existing: pd.DataFrame, updates: pd.DataFrame) -> pd.DataFrame:
    """Apply submitted actions to the plan (rules in the module docstring)."""
    plan = {(r["subfunction"], r["action_key"]): r for r in existing[ACTION_FIELDS].to_dict("records")}
    for update in updates[ACTION_FIELDS].to_dict("records"):
        key = (update["subfunction"], update["action_key"])
        placeholder = (update["subfunction"], PLACEHOLDER)
        if key != placeholder and placeholder in plan:
            del plan[placeholder]
            plan[key] = update
        elif key not in plan or _newer(update["updated_at"], plan[key]["updated_at"]):
            plan[key] = update
    frame = pd.DataFrame(list(plan.values()), columns=ACTION_FIELDS, dtype=object)
    return frame.sort_values(["subfunction", "action_key"], key=_code_order, ignore_index=True)


def _code_order(column: pd.Series) -> pd.Series:
    if column.name != "subfunction":
        return column.fillna("")
    return column.map(lambda c: tuple(int(p) for p in str(c).split(".") if p.isdigit()))


def follow_up(actions: pd.DataFrame, today: date) -> pd.DataFrame:
    """The actions with ``overdue`` and ``days_overdue``, overdue first (most overdue first), then by deadline."""
    out = actions.copy()
    deadline = pd.to_datetime(out["deadline"], errors="coerce", format="%Y-%m-%d")
    late = (pd.Timestamp(today) - deadline).dt.days
    out["overdue"] = (late > 0) & ~out["progress"].isin(CLOSED)
    out["days_overdue"] = late.where(out["overdue"]).astype("Int64")
    out["_late"] = -late.where(out["overdue"]).fillna(-1)
    out["_deadline"] = deadline
    out = out.sort_values(["overdue", "_late", "_deadline", "subfunction"], ascending=[False, True, True, True],
                          na_position="last", kind="stable")
    return out.drop(columns=["_late", "_deadline"]).reset_index(drop=True)
