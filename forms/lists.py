"""Big choice lists that come from CSV files instead of the form source: places, partners, activities.

A form source declares ``select_one admin2`` (or ``partner``, ``activity``, ...) without writing the rows;
the rows are read here from CSV files and added to the form's ``choices`` sheet when the form is loaded or
built (rows written in the source win). The shipped files in ``forms/lists/`` are small fictional samples; a country points ``ListFiles`` at
its own files (a COD-AB gazetteer exported to CSV plugs in as it is: ``admin1Pcode``, ``admin1Name_en``, ...).

P-codes are used as choice names as they are: their length is never assumed. ``admin2`` rows carry their
parent p-code in the column ``admin1`` so forms filter with ``choice_filter`` ``admin1=${admin1}``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

LISTS_DIR = Path(__file__).parent / "lists"
EN, FR = "label::English (en)", "label::French (fr)"


class ListFileError(ValueError):
    """A list CSV is missing a column the forms need, or repeats a code."""


@dataclass(frozen=True)
class ListFiles:
    """Where each external list is read from (defaults: the shipped samples)."""

    gazetteer: Path = LISTS_DIR / "gazetteer.csv"
    partners: Path = LISTS_DIR / "partners.csv"
    activities: Path = LISTS_DIR / "activities.csv"
    cpms_indicators: Path = LISTS_DIR / "cpms_indicators.csv"


def read_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    """The CSV rows as dicts (BOM and surrounding spaces removed), checking the columns the forms need."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in required if c not in columns]
        if missing:
            raise ListFileError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(columns)}")
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _choice(list_name: str, name: str, en: str, fr: str = "", **extra: str) -> dict[str, str]:
    return {"list_name": list_name, "name": name, EN: en, FR: fr or en, **extra}


def _unique(rows: list[dict], key: str) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row[key], row)
    return list(seen.values())


def gazetteer_choices(path: Path) -> dict[str, list[dict]]:
    """``admin1`` and ``admin2`` choice lists from a COD-style gazetteer (one row per admin2)."""
    rows = read_rows(path, ["admin1Pcode", "admin1Name_en", "admin2Pcode", "admin2Name_en"])
    admin1 = [_choice("admin1", r["admin1Pcode"], r["admin1Name_en"], r.get("admin1Name_fr", ""))
              for r in _unique(rows, "admin1Pcode")]
    admin2 = [_choice("admin2", r["admin2Pcode"], r["admin2Name_en"], r.get("admin2Name_fr", ""),
                      admin1=r["admin1Pcode"]) for r in rows]
    _check_unique(path, admin2)
    return {"admin1": admin1, "admin2": admin2}


def partner_choices(path: Path) -> dict[str, list[dict]]:
    """``partner`` list: organisations allowed as reporting org or implementing partner."""
    rows = read_rows(path, ["code", "name", "org_type"])
    choices = [_choice("partner", r["code"], r["name"], r.get("name_fr", ""), org_type=r["org_type"])
               for r in rows]
    _check_unique(path, choices)
    return {"partner": choices}


def activity_choices(path: Path) -> dict[str, list[dict]]:
    """``activity`` list and ``activity_indicator`` list (filtered by the column ``activity``)."""
    rows = read_rows(path, ["activity_code", "activity_en", "indicator_code", "indicator_en", "unit",
                            "counts_people"])
    activities = [_choice("activity", r["activity_code"], r["activity_en"], r.get("activity_fr", ""))
                  for r in _unique(rows, "activity_code")]
    indicators = [_choice("activity_indicator", r["indicator_code"], r["indicator_en"],
                          r.get("indicator_fr", ""), activity=r["activity_code"], unit=r["unit"],
                          counts_people=r["counts_people"].lower()) for r in rows]
    _check_unique(path, indicators)
    return {"activity": activities, "activity_indicator": indicators}


def cpms_indicator_choices(path: Path) -> dict[str, list[dict]]:
    """``cpms_indicator`` list, each with its ``standard`` number (for filtering) and ``measure``."""
    rows = read_rows(path, ["code", "standard", "kind", "measure", "label_en"])
    choices = [_choice("cpms_indicator", r["code"], r["label_en"], r.get("label_fr", ""),
                       standard=r["standard"], kind=r["kind"], measure=r["measure"]) for r in rows]
    _check_unique(path, choices)
    return {"cpms_indicator": choices}


def _check_unique(path: Path, choices: list[dict]) -> None:
    names = [c["name"] for c in choices]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ListFileError(f"{path}: codes must be unique, repeated: {', '.join(duplicates)}")


def _readers(files: ListFiles) -> dict[str, tuple]:
    """For each external list name: the function that reads it and its CSV path."""
    return {"admin1": (gazetteer_choices, files.gazetteer), "admin2": (gazetteer_choices, files.gazetteer),
            "partner": (partner_choices, files.partners), "activity": (activity_choices, files.activities),
            "activity_indicator": (activity_choices, files.activities),
            "cpms_indicator": (cpms_indicator_choices, files.cpms_indicators)}


EXTERNAL_LISTS = frozenset(_readers(ListFiles()))


def external_choices(files: ListFiles, names: set[str] | None = None) -> dict[str, list[dict]]:
    """External choice lists by list name, as choices-sheet rows (only the CSVs needed for ``names``)."""
    wanted = {n: rp for n, rp in _readers(files).items() if names is None or n in names}
    lists: dict[str, list[dict]] = {}
    for reader, path in {rp for rp in wanted.values()}:
        lists.update(reader(Path(path)))
    return {n: rows for n, rows in lists.items() if n in wanted}


def used_lists(sheets: dict) -> set[str]:
    """Choice list names the survey sheet selects from."""
    names = set()
    for row in sheets.get("survey", []):
        parts = str(row.get("type") or "").split()
        if len(parts) > 1 and parts[0] in ("select_one", "select_multiple", "rank"):
            names.add(parts[1])
    return names


def inject_lists(sheets: dict, files: ListFiles | None = None) -> dict:
    """A copy of the sheets with rows for every external list the survey uses and the source leaves empty.

    Rows written in the source win, so a small inline test form can carry its own places or partners.
    """
    written = {r.get("list_name") for r in sheets.get("choices", [])}
    missing = (used_lists(sheets) & EXTERNAL_LISTS) - written
    if not missing:
        return sheets
    lists = external_choices(files or ListFiles(), missing)
    out = dict(sheets)
    out["choices"] = list(sheets.get("choices", [])) + [row for n in sorted(missing) for row in lists[n]]
    return out
