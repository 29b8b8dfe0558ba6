"""People reached by the cluster without double counting (shared/domain/hrp.md, "people reached").

Only lines of indicators that count people feed it. Over time the NEW people are summed (never the monthly
totals, which count the same people again). Across activities in one admin unit the maximum is taken per
sex × age group (the activities reach the same people), and the cluster total is the sum over admin units of
those maxima. Persons with disabilities and population groups follow the same rule, reported alongside.
The rule is written into every output as ``METHOD``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from transforms.hrp_fivew import NEW_CELLS

METHOD = ("People reached counts only indicators that count people. For each admin 2 unit and activity, new "
          "people are summed over the months of the period and over partners (monthly totals are never "
          "summed). Across activities the maximum is taken per admin 2 unit and sex × age group, because "
          "activities reach the same people; admin 1 and cluster totals are sums of those maxima over admin 2 "
          "units. Persons with disabilities and population groups use the same rule, so their figures are "
          "not parts of the total and do not add up to it.")
AREA = ["admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name"]
CELL_TAGS = {"new_girls": ("f", "children"), "new_boys": ("m", "children"), "new_women": ("f", "adults"),
             "new_men": ("m", "adults"), "new_elderly_women": ("f", "elderly"),
             "new_elderly_men": ("m", "elderly")}
FIGURES = [*NEW_CELLS, "reached", "pwd"]


@dataclass
class PeopleReached:
    """``by_admin2`` and ``by_admin1`` (area columns, the six new cells, ``reached``, ``pwd``),
    ``by_population_group`` (area, population_group, reached), ``total`` (figure → number), ``method``."""

    by_admin2: pd.DataFrame
    by_admin1: pd.DataFrame
    by_population_group: pd.DataFrame
    total: dict = field(default_factory=dict)
    method: str = METHOD


def _people_lines(lines: pd.DataFrame) -> pd.DataFrame:
    people = lines[lines["counts_people"].fillna(False).astype(bool)].copy()
    for column in [*NEW_CELLS, "pwd_new", "reached_new"]:
        people[column] = pd.to_numeric(people[column], errors="coerce").fillna(0).astype("int64")
    for column in AREA:
        people[column] = people[column].fillna("").astype("str")
    return people


def _max_over_activities(people: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Sum per keys × activity (over months and partners), then the maximum across activities."""
    per_activity = people.groupby([*keys, "activity_code"], dropna=False)[values].sum()
    return per_activity.groupby(level=list(range(len(keys))), dropna=False).max().reset_index()


def people_reached(lines: pd.DataFrame) -> PeopleReached:
    """People reached by admin 2, admin 1 and for the cluster, from 5W activity lines (see module doc)."""
    people = _people_lines(lines)
    by_admin2 = _max_over_activities(people, AREA, [*NEW_CELLS, "pwd_new"]).rename(columns={"pwd_new": "pwd"})
    by_admin2["reached"] = by_admin2[NEW_CELLS].sum(axis=1)
    by_admin2 = by_admin2[[*AREA, *FIGURES]].astype({c: "int64" for c in FIGURES})
    by_admin1 = by_admin2.groupby(AREA[:2], dropna=False)[FIGURES].sum().reset_index()
    groups = _max_over_activities(people, [*AREA, "population_group"], ["reached_new"])
    groups = groups.rename(columns={"reached_new": "reached"})
    total = {c: int(by_admin2[c].sum()) for c in FIGURES}
    return PeopleReached(by_admin2.sort_values(AREA).reset_index(drop=True),
                         by_admin1.sort_values(AREA[:2]).reset_index(drop=True),
                         groups.sort_values([*AREA, "population_group"]).reset_index(drop=True), total)


def people_reached_by_month(lines: pd.DataFrame) -> pd.DataFrame:
    """New people reached in each month alone (same rule within the month): columns month, reached.
    One grouping with the month as a key, not one ``people_reached`` a month."""
    people = _people_lines(lines)
    per_area = _max_over_activities(people, ["month", *AREA], NEW_CELLS)
    reached = per_area.groupby("month", sort=True)[NEW_CELLS].sum().sum(axis=1)
    return pd.DataFrame({"month": reached.index.astype(str), "reached": reached.to_numpy(dtype="int64")},
                        columns=["month", "reached"])
