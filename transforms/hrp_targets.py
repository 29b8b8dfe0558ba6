"""In-need, baseline and target of every indicator at every admin level (country, admin 1, admin 2).

The framework gives figures per p-code, usually per admin 2. A figure written for a higher unit wins; else
it is rolled up from the units below with the indicator's ``across_locations`` rule (sum | max | avg).
Percentages are never rolled up: a percentage target exists only where the framework writes one.
"""

from __future__ import annotations

import pandas as pd

from transforms.hrp_fivew import Lists
from transforms.hrp_framework import CASELOAD, HrpFramework

FIGURES = ["in_need", "baseline", "target"]
ROLLUP = {"sum": "sum", "max": "max", "avg": "mean"}
TARGET_COLUMNS = ["indicator_code", "admin_level", "admin_pcode", *FIGURES]


def _level_frames(lists: Lists) -> tuple[dict[str, str], dict[str, str]]:
    """admin 2 → admin 1 and admin 1 → country p-code maps."""
    gaz = lists.gazetteer
    return dict(zip(gaz["admin2Pcode"], gaz["admin1Pcode"])), dict(zip(gaz["admin1Pcode"], gaz["admin0Pcode"]))


def _roll(direct: pd.DataFrame, below: pd.DataFrame, parent: dict[str, str], how: str | None) -> pd.DataFrame:
    """Figures per parent unit: direct rows, else the children's figures combined with ``how``."""
    rolled = pd.DataFrame(columns=["admin_pcode", *FIGURES])
    if how and not below.empty:
        keyed = below.assign(admin_pcode=below["admin_pcode"].map(parent)).dropna(subset=["admin_pcode"])
        rolled = keyed.groupby("admin_pcode")[FIGURES].agg(lambda s: s.agg(how) if s.notna().any() else None)
        rolled = rolled.reset_index()
    kept = rolled[~rolled["admin_pcode"].isin(direct["admin_pcode"])]
    return pd.concat([direct[["admin_pcode", *FIGURES]], kept], ignore_index=True)


def _one_indicator(rows: pd.DataFrame, how: str | None, lists: Lists) -> pd.DataFrame:
    to_admin1, to_country = _level_frames(lists)
    rows = rows.rename(columns={"pcode": "admin_pcode"})
    level2 = rows[rows["admin_pcode"].isin(to_admin1)][["admin_pcode", *FIGURES]]
    level1 = _roll(rows[rows["admin_pcode"].isin(to_country)], level2, to_admin1, how)
    level0 = _roll(rows[rows["admin_pcode"].isin(set(to_country.values()))], level1, to_country, how)
    parts = [frame.assign(admin_level=level) for level, frame in ((0, level0), (1, level1), (2, level2))]
    return pd.concat([p for p in parts if not p.empty] or [level2.assign(admin_level=2)], ignore_index=True)


def targets_by_unit(framework: HrpFramework, lists: Lists) -> pd.DataFrame:
    """``TARGET_COLUMNS`` for every indicator (and the caseload) at every level where a figure exists."""
    rules = dict(zip(framework.indicators["indicator_code"], framework.indicators["across_locations"]))
    units = dict(zip(framework.indicators["indicator_code"], framework.indicators["unit"]))
    rules[CASELOAD], units[CASELOAD] = "sum", "number"
    frames = []
    for code, rows in framework.targets.groupby("indicator_code", sort=True):
        how = ROLLUP[rules[code]] if units.get(code) == "number" else None
        frames.append(_one_indicator(rows, how, lists).assign(indicator_code=code))
    if not frames:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out[FIGURES] = out[FIGURES].apply(pd.to_numeric, errors="coerce").astype("float64")
    return out[TARGET_COLUMNS].sort_values(["indicator_code", "admin_level", "admin_pcode"]).reset_index(drop=True)
