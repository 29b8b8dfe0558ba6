"""CPMS indicators (Minimum Standards for Child Protection in Humanitarian Action, 2019) against their
targets, and the rule for prioritising standards (shared/domain/hrp.md, "CPMS").

Percentage indicators: each organisation × admin 1 counts with its latest report of the period; numerators
and denominators (and the numerator's sex, age and disability cells) are summed, then divided: 0/0 is no data.
Yes/no indicators: the share of those latest reports answering yes. The indicator list (with ``measure``
percent | yes_no and the ``standard`` number) is configuration (forms/lists/cpms_indicators.csv).
"""

from __future__ import annotations

import pandas as pd

from transforms.hrp_aggregate import divide

CELLS = ["num_girls", "num_boys", "num_age_0_5", "num_age_6_11", "num_age_12_17", "num_disability"]
MIN_STANDARDS, MAX_STANDARDS, PILLARS = 4, 10, ("1", "2", "3", "4")
CPMS_COLUMNS = ["indicator_code", "standard", "measure", "reports", "numerator", "denominator", *CELLS,
                "yes", "value", "target", "met"]


def _latest_reports(main: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    head = main[["submission_key", "reporting_org", "admin1", "reporting_month"]]
    rows = reports.merge(head, on="submission_key").sort_values(["reporting_month", "submission_key"])
    return rows.groupby(["indicator", "reporting_org", "admin1"], dropna=False).tail(1)


def _one(code: str, spec: dict, rows: pd.DataFrame, target) -> dict:
    out = {"indicator_code": code, "standard": spec["standard"], "measure": spec["measure"],
           "reports": len(rows), "target": target}
    if spec["measure"] == "yes_no":
        yes = int((rows["achieved"] == "yes").sum())
        out.update(yes=yes, value=yes / len(rows) * 100 if len(rows) else float("nan"))
        out["met"] = None if not len(rows) else out["value"] == 100.0 if str(target) == "yes" else None
        return out
    sums = {c: float(pd.to_numeric(rows[c], errors="coerce").sum()) for c in ["numerator", "denominator", *CELLS]}
    value = divide(sums["numerator"], sums["denominator"])
    met = None if pd.isna(value) or target in (None, "") or pd.isna(pd.to_numeric(target, errors="coerce")) \
        else value >= float(target)
    return {**out, **sums, "value": value, "met": met}


def cpms_progress(main: pd.DataFrame, reports: pd.DataFrame, indicators: pd.DataFrame,
                  targets: dict[str, object] | None = None, standards: set[str] | None = None) -> pd.DataFrame:
    """One row per CPMS indicator (of the ``standards`` given, else all): ``CPMS_COLUMNS``.

    ``indicators``: the list (code, standard, measure); ``targets``: code → number (%) or "yes".
    """
    targets = targets or {}
    latest = _latest_reports(main, reports)
    rows = []
    for spec in indicators.to_dict("records"):
        if standards is not None and str(spec["standard"]) not in standards:
            continue
        code = spec["code"]
        rows.append(_one(code, spec, latest[latest["indicator"] == code], targets.get(code)))
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
