"""5W activity lines: the staged 5W submissions and their activity repeat joined into one row per line.

Each line gets the submission's who/where/when (p-codes and names from the gazetteer, the organisation type
from the partner list), the month it reports on (``YYYY-MM`` with its first and last day) and, from the
activity list, whether its indicator counts people and its unit: the list is the source of truth for both,
not the form's calculated copies, which some servers leave empty.

A line depends only on its submission's staged rows and on the lists, so the mart of lines can be kept
incrementally: ``Lists.fingerprint`` changes whenever a rebuild of every line is needed. ``Lists.lookups``
gives the lists as the lines join them, for the warehouse to make the same lines in SQL
(``warehouse.fivew_mart``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forms.lists import ListFiles, read_rows

SEX_AGE = ("girls", "boys", "women", "men", "elderly_women", "elderly_men")
TOTAL_CELLS = [f"total_{g}" for g in SEX_AGE]
NEW_CELLS = [f"new_{g}" for g in SEX_AGE]
NUMBERS = ["quantity", "reached_total", "reached_new", *TOTAL_CELLS, *NEW_CELLS, "pwd_total", "pwd_new"]
TEXT = ["submission_key", "reporting_org", "implementing_partner", "org_type", "month", "date_start",
        "date_end", "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "site", "activity_code",
        "activity_name", "indicator_code", "unit", "modality", "population_group"]
LINE_COLUMNS = [*TEXT[:1], "ordinal", *TEXT[1:], "counts_people", *NUMBERS]
# The staged columns fivew_lines reads (main table, activity repeat); bump LINES_VERSION when what it
# makes of them changes, so that marts built by an earlier version are rebuilt.
MAIN_INPUT = ["submission_key", "reporting_org", "implementing_partner", "admin1", "admin2", "site",
              "reporting_month"]
ACTIVITY_INPUT = ["submission_key", "ordinal", "activity", "indicator", "modality", "population_group", *NUMBERS]
LINES_VERSION = "1"


@dataclass(frozen=True)
class Lists:
    """The reference lists the lines are joined with (defaults: the shipped samples)."""

    gazetteer: pd.DataFrame
    partners: pd.DataFrame
    activities: pd.DataFrame

    @classmethod
    def read(cls, files: ListFiles | None = None) -> "Lists":
        files = files or ListFiles()
        frame = lambda path, cols: pd.DataFrame(read_rows(Path(path), cols), dtype="str")
        return cls(frame(files.gazetteer, ["admin0Pcode", "admin1Pcode", "admin1Name_en", "admin2Pcode",
                                           "admin2Name_en"]),
                   frame(files.partners, ["code", "name", "org_type"]),
                   frame(files.activities, ["activity_code", "activity_en", "indicator_code", "unit",
                                            "counts_people"]))

    def fingerprint(self) -> str:
        """sha256 of the three lists and ``LINES_VERSION``: equal fingerprints give equal lines."""
        digest = hashlib.sha256(f"fivew_lines {LINES_VERSION}".encode())
        for frame in (self.gazetteer, self.partners, self.activities):
            digest.update(frame.to_csv(index=False).encode("utf-8"))
        return digest.hexdigest()

    @property
    def country_pcode(self) -> str:
        return str(self.gazetteer["admin0Pcode"].iloc[0])

    def admin1(self) -> pd.DataFrame:
        return self.gazetteer.drop_duplicates("admin1Pcode")[["admin1Pcode", "admin1Name_en"]]

    def admin2(self) -> pd.DataFrame:
        return self.gazetteer.drop_duplicates("admin2Pcode")[["admin2Pcode", "admin2Name_en"]]

    def lookups(self) -> "Lookups":
        """The lists as ``fivew_lines`` joins them (see ``Lookups``)."""
        acts = self.activities
        return Lookups(
            admin2=_lookup(self.admin2(), pcode="admin2Pcode", name="admin2Name_en"),
            admin1=_lookup(self.admin1(), pcode="admin1Pcode", name="admin1Name_en"),
            partners=_lookup(self.partners, code="code", org_type="org_type"),
            activities=_lookup(acts.assign(counts_people=acts["counts_people"].str.lower() == "yes"),
                               indicator_code="indicator_code", activity_name="activity_en", unit="unit",
                               counts_people="counts_people"))


@dataclass(frozen=True)
class Lookups:
    """The lists as the lines join them: one small frame per join, each matched on its first column.

    ``admin2`` and ``admin1`` (``pcode``, ``name``) hold the first gazetteer row of each p-code; ``partners``
    (``code``, ``org_type``) and ``activities`` (``indicator_code``, ``activity_name``, ``unit``,
    ``counts_people``) hold every row of their list, as ``fivew_lines`` merges them. ``counts_people`` is a
    bool: True where the list says "yes" (in any letter case); a line whose indicator is not listed does not
    count people.
    """

    admin2: pd.DataFrame
    admin1: pd.DataFrame
    partners: pd.DataFrame
    activities: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"admin2": self.admin2, "admin1": self.admin1, "partners": self.partners,
                "activities": self.activities}


def _lookup(frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """``frame``'s columns renamed (new name = old name), in that order, indexed from 0."""
    return frame[list(columns.values())].set_axis(list(columns), axis=1).reset_index(drop=True)


def empty_lines() -> pd.DataFrame:
    columns = {c: pd.Series(dtype="str") for c in LINE_COLUMNS}
    columns.update({c: pd.Series(dtype="Int64") for c in [*NUMBERS, "ordinal"]})
    columns["counts_people"] = pd.Series(dtype="boolean")
    return pd.DataFrame(columns)[LINE_COLUMNS]


def _month_columns(dates: pd.Series) -> dict[str, pd.Series]:
    dates = pd.to_datetime(dates)
    if dates.dt.tz is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    month = dates.dt.to_period("M")
    return {"month": month.astype("str").where(month.notna()),
            "date_start": month.dt.start_time.dt.strftime("%Y-%m-%d"),
            "date_end": month.dt.end_time.dt.strftime("%Y-%m-%d")}


def fivew_lines(main: pd.DataFrame, activities: pd.DataFrame, lists: Lists) -> pd.DataFrame:
    """One row per reported activity line (``LINE_COLUMNS``), ordered by submission and ordinal."""
    if main.empty or activities.empty:
        return empty_lines()
    head = main[["submission_key", "reporting_org", "implementing_partner", "admin1", "admin2", "site"]]
    head = head.assign(**_month_columns(main["reporting_month"]))
    lines = activities.drop(columns=["counts_people", "unit"], errors="ignore").merge(
        head, on="submission_key", how="inner")
    lines = lines.merge(lists.admin2(), left_on="admin2", right_on="admin2Pcode", how="left")
    lines = lines.merge(lists.admin1(), left_on="admin1", right_on="admin1Pcode", how="left")
    lines = lines.merge(lists.partners[["code", "org_type"]], left_on="implementing_partner",
                        right_on="code", how="left")
    acts = lists.activities[["indicator_code", "activity_en", "unit", "counts_people"]]
    lines = lines.merge(acts, left_on="indicator", right_on="indicator_code", how="left")
    out = lines.rename(columns={"admin1": "admin1_pcode", "admin2": "admin2_pcode", "activity": "activity_code",
                                "admin1Name_en": "admin1_name", "admin2Name_en": "admin2_name",
                                "activity_en": "activity_name"})
    out["indicator_code"] = out["indicator"]
    out["counts_people"] = (out["counts_people"].str.lower() == "yes").astype("boolean")
    for column in NUMBERS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    out["ordinal"] = out["ordinal"].astype("Int64")
    for column in TEXT:
        out[column] = out[column].astype("str")
    return out[LINE_COLUMNS].sort_values(["submission_key", "ordinal"]).reset_index(drop=True)


def in_period(lines: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    """The lines whose month overlaps the reporting period (ISO dates; either end may be open)."""
    keep = pd.Series(True, index=lines.index)
    if start:
        keep &= lines["date_end"] >= str(start)[:10]
    if end:
        keep &= lines["date_start"] <= str(end)[:10]
    return lines[keep].reset_index(drop=True)
