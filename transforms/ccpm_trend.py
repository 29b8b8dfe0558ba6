"""Change since the previous CCPM cycle, per unit: better, same or worse.

Rule (documented default): the change compares **status bands**. A unit is "same" when both cycles give it
the same status band, "better" when the band is now higher (Weak < Unsatisfactory < Satisfactory < Good),
"worse" when lower. With a ``tolerance`` > 0 (score points), a band change whose score moved by at most
``tolerance`` also counts as "same", so a 49 → 51 wobble across a band edge is not reported as progress.
A unit not evaluated in either cycle, or absent from the previous one, is "not comparable"; without a
previous cycle every unit is "no previous cycle".
"""

from __future__ import annotations

import math

import pandas as pd

from transforms.ccpm_bands import GOOD, SATISFACTORY, UNSATISFACTORY, WEAK

BETTER, SAME, WORSE = "better", "same", "worse"
NOT_COMPARABLE, NO_PREVIOUS = "not comparable", "no previous cycle"
RANK = {WEAK: 0, UNSATISFACTORY: 1, SATISFACTORY: 2, GOOD: 3}
TREND_COLUMNS = ["previous_cycle", "previous_score", "previous_status", "change"]
#: Arrow shown next to each change in reports.
CHANGE_SYMBOLS = {BETTER: "▲", SAME: "=", WORSE: "▼", NOT_COMPARABLE: "–", NO_PREVIOUS: ""}


def change(status: str, score: float, previous_status: str | None, previous_score: float | None,
           tolerance: float = 0.0) -> str:
    """The change of one unit between two cycles (see the module rule)."""
    if previous_status is None:
        return NOT_COMPARABLE
    if status not in RANK or previous_status not in RANK:
        return NOT_COMPARABLE
    if RANK[status] == RANK[previous_status]:
        return SAME
    if tolerance > 0 and not (math.isnan(score) or math.isnan(previous_score)) \
            and abs(score - previous_score) <= tolerance:
        return SAME
    return BETTER if RANK[status] > RANK[previous_status] else WORSE


def compare_cycles(current: pd.DataFrame, previous: pd.DataFrame | None, previous_cycle: str | None,
                   tolerance: float = 0.0) -> pd.DataFrame:
    """``current`` scores (``ccpm_scores`` columns) with ``TREND_COLUMNS`` added from ``previous``."""
    if tolerance < 0:
        raise ValueError(f"the CCPM trend tolerance is a number of score points >= 0, got {tolerance!r}")
    out = current.copy()
    if previous is None or previous.empty or not previous_cycle:
        out["previous_cycle"] = None
        out["previous_score"] = math.nan
        out["previous_status"] = None
        out["change"] = NO_PREVIOUS
        return out
    before = previous.set_index(["unit_type", "unit_code"])
    keys = list(zip(out["unit_type"], out["unit_code"]))
    out["previous_cycle"] = previous_cycle
    out["previous_score"] = [float(before["score"].get(k, math.nan)) for k in keys]
    out["previous_status"] = [before["status"].get(k) for k in keys]
    out["change"] = [change(s, float(sc), ps, float(psc), tolerance) for s, sc, ps, psc in
                     zip(out["status"], out["score"], out["previous_status"], out["previous_score"])]
    return out.astype({"previous_score": "float64"})
