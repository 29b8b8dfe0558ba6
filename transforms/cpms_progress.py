"""CPMS indicators (Minimum Standards for Child Protection in Humanitarian Action, 2019) against their
targets, and the rule for prioritising standards (shared/domain/hrp.md, "CPMS").

Percentage indicators: each organisation × admin 1 counts with its latest report of the period; numerators
and denominators (and the numerator's sex, age and disability cells) are summed, then divided: 0/0 is no data.
Yes/no indicators: the share of those latest reports answering yes. The indicator list (with ``measure``
percent | yes_no and the ``standard`` number) is configuration (forms/lists/cpms_indicators.csv), and so are
the targets (forms/lists/cpms_targets.csv: indicator code → a percentage, or ``yes``).

The group's priority standards are those of the latest report of the period (every report restates the
group's choice, so the latest one carries any revision); with an agreed response plan every reported
indicator is monitored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forms.lists import LISTS_DIR, read_rows
from transforms.hrp_aggregate import divide

CELLS = ["num_girls", "num_boys", "num_age_0_5", "num_age_6_11", "num_age_12_17", "num_disability"]
MIN_STANDARDS, MAX_STANDARDS, PILLARS = 4, 10, ("1", "2", "3", "4")
CPMS_COLUMNS = ["indicator_code", "standard", "pillar", "kind", "measure", "indicator_en", "reports",
                "numerator", "denominator", *CELLS,
                "yes", "value", "target", "met"]
DEFAULT_TARGETS = LISTS_DIR / "cpms_targets.csv"


@dataclass(frozen=True)
class Priority:
    """The group's choice in the period: response plan or priority standards, and the rule's verdict."""

    has_response_plan: bool
    standards: tuple[str, ...]
    passed: bool
    message: str
    reports: int


def read_targets(path: str | Path = DEFAULT_TARGETS) -> dict[str, str]:
    """Indicator code → target as written (a percentage such as ``80``, or ``yes``)."""
    rows = read_rows(Path(path), ["indicator_code", "target"])
    return {r["indicator_code"]: r["target"] for r in rows if r["indicator_code"] and r["target"]}


def report_months(dates: pd.Series) -> pd.Series:
    """The reporting month of each submission (a monthly Period); dates read back as UTC timestamps too."""
    dates = pd.to_datetime(dates)
    if dates.dt.tz is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    return dates.dt.to_period("M")


def reports_in_period(main: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    """The CPMS submissions whose reporting month overlaps ``start``..``end`` (ISO dates, either open)."""
    month = report_months(main["reporting_month"])
    keep = month.notna()
    if start:
        keep &= month.dt.end_time >= pd.Timestamp(str(start)[:10])
    if end:
        keep &= month.dt.start_time <= pd.Timestamp(str(end)[:10])
    return main[keep].reset_index(drop=True)


def group_priority(main: pd.DataFrame, pillar_of: dict[str, str]) -> Priority | None:
    """The group's choice as stated in the latest report (reporting month, then submission time)."""
    if main.empty:
        return None
    order = [c for c in ("reporting_month", "submitted_at", "submission_key") if c in main.columns]
    latest = main.sort_values(order).iloc[-1]
    plan = str(latest.get("has_response_plan")) == "yes"
    chosen = tuple(str(latest.get("priority_standards") or "").split()) if not plan else ()
    chosen = tuple(sorted(set(chosen), key=lambda s: (len(s), s)))
    passed, message = check_priority_standards(set(chosen), pillar_of, plan)
    return Priority(plan, chosen, passed, message, len(main))


def _latest_reports(main: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    head = main[["submission_key", "reporting_org", "admin1", "reporting_month"]]
    rows = reports.merge(head, on="submission_key").sort_values(["reporting_month", "submission_key"])
    return rows.groupby(["indicator", "reporting_org", "admin1"], dropna=False).tail(1)


def _met(value, target) -> bool | None:
    """Percentages: value ≥ target; yes/no: every report says yes when the target is ``yes``."""
    if pd.isna(value) or target in (None, ""):
        return None
    if str(target).strip().lower() == "yes":
        return value == 100.0
    number = pd.to_numeric(target, errors="coerce")
    return None if pd.isna(number) else bool(value >= float(number))


def _one(code: str, spec: dict, rows: pd.DataFrame, target, pillar: str | None) -> dict:
    out = {"indicator_code": code, "standard": str(spec["standard"]), "pillar": pillar, "kind": spec.get("kind"),
           "measure": spec["measure"], "indicator_en": spec.get("label_en"), "reports": len(rows),
           "target": target}
    if spec["measure"] == "yes_no":
        yes = int((rows["achieved"] == "yes").sum())
        value = yes / len(rows) * 100 if len(rows) else float("nan")
        return {**out, "yes": yes, "value": value, "met": _met(value, target)}
    sums = {c: float(pd.to_numeric(rows[c], errors="coerce").sum()) for c in ["numerator", "denominator", *CELLS]}
    value = divide(sums["numerator"], sums["denominator"])
    return {**out, **sums, "value": value, "met": _met(value, target)}


def cpms_progress(main: pd.DataFrame, reports: pd.DataFrame, indicators: pd.DataFrame,
                  targets: dict[str, object] | None = None, standards: set[str] | None = None,
                  pillar_of: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per CPMS indicator: ``CPMS_COLUMNS``. With ``standards`` every indicator of those standards
    (no report = no data, a gap worth showing); without, every indicator that was reported.

    ``indicators``: the list (code, standard, measure, optional kind and label_en); ``targets``: code →
    number (%) or "yes"; ``pillar_of``: standard → pillar (the form's ``cpms_standard`` list).
    """
    targets, pillar_of = targets or {}, pillar_of or {}
    latest = _latest_reports(main, reports)
    rows = []
    for spec in indicators.to_dict("records"):
        code, mine = spec["code"], latest[latest["indicator"] == spec["code"]]
        if (standards is not None and str(spec["standard"]) not in standards) or (standards is None
                                                                                    and mine.empty):
            continue
        rows.append(_one(code, spec, mine, targets.get(code), pillar_of.get(str(spec["standard"]))))
    return pd.DataFrame(rows).reindex(columns=CPMS_COLUMNS)


def check_priority_standards(selected: set[str], pillar_of: dict[str, str],
                             has_response_plan: bool = False) -> tuple[bool, str]:
    """The 4–10 standards, at least one per pillar rule: (passed, reason in words)."""
    if has_response_plan:
        return True, "The coordination group has an agreed response plan; its indicators are monitored."
    unknown = sorted(s for s in selected if s not in pillar_of)
    if unknown:
        return False, f"Standards {', '.join(unknown)} are not CPMS standards (1 to 28)."
    if not MIN_STANDARDS <= len(selected) <= MAX_STANDARDS:
        return False, (f"{len(selected)} standards are prioritised; choose between {MIN_STANDARDS} and "
                       f"{MAX_STANDARDS}.")
    missing = [p for p in PILLARS if p not in {pillar_of[s] for s in selected}]
    if missing:
        return False, f"No standard is prioritised in pillar(s) {', '.join(missing)}; choose one in each pillar."
    return True, f"{len(selected)} standards prioritised, covering all four pillars."
