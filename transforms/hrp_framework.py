"""The HRP framework the cluster IMO keeps: objectives, activities, indicators and targets by p-code.

Two tables, as CSV files or as two sheets of one workbook (``framework`` and ``targets``):

- framework, one row per indicator: ``plan_code, objective_code, objective_en, activity_code, activity_en,
  indicator_code, indicator_en, unit`` (number | percentage), ``counts_people`` (yes | no), ``across_locations``
  (sum | max | avg), ``across_periods`` (sum | max | avg | latest), ``numerator``, ``denominator`` (indicator
  codes of the 5W, required for percentages: ratios are summed numerators over summed denominators).
- targets, one row per indicator × p-code: ``indicator_code, pcode, in_need, baseline, target``. The reserved
  code ``caseload`` carries the cluster's people in need (``in_need``) and people targeted (``target``).

Every bad cell becomes a ``FrameworkRowError`` (file, row, column, value, what to do); all of them are
collected and raised together in one ``FrameworkError`` so the IMO fixes the file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forms.lists import LISTS_DIR

CASELOAD = "caseload"
FRAMEWORK_COLUMNS = ["plan_code", "objective_code", "objective_en", "activity_code", "activity_en",
                     "indicator_code", "indicator_en", "unit", "counts_people", "across_locations",
                     "across_periods", "numerator", "denominator"]
TARGET_COLUMNS = ["indicator_code", "pcode", "in_need", "baseline", "target"]
CHOICES = {"unit": ("number", "percentage"), "counts_people": ("yes", "no"),
           "across_locations": ("sum", "max", "avg"), "across_periods": ("sum", "max", "avg", "latest")}
DEFAULT_FRAMEWORK = LISTS_DIR / "hrp_framework.csv"


class FrameworkRowError(ValueError):
    """One bad cell of the framework or targets file: where it is, what it holds and what to do."""

    def __init__(self, file, row: int, column: str, value, fix: str):
        self.file, self.row, self.column, self.value, self.fix = str(file), row, column, value, fix
        super().__init__(f"{self.file}, row {row}, column {column!r}: value {value!r}: {fix}")


class FrameworkError(ValueError):
    """All the problems found in the framework files (``errors``: the FrameworkRowError list)."""

    def __init__(self, errors: list[FrameworkRowError]):
        self.errors = errors
        lines = "\n".join(f"- {e}" for e in errors)
        super().__init__(f"The HRP framework has {len(errors)} problem(s); correct them and run again:\n{lines}")


@dataclass
class HrpFramework:
    """``indicators``: one row per indicator (framework columns, ``counts_people`` as bool);
    ``targets``: one row per indicator × p-code (numbers as float, missing as NaN)."""

    indicators: pd.DataFrame
    targets: pd.DataFrame

    def indicator(self, code: str) -> dict:
        return self.indicators.set_index("indicator_code").loc[code].to_dict()

    def caseload(self) -> pd.DataFrame:
        return self.targets[self.targets["indicator_code"] == CASELOAD]


def _read(path: Path, sheet: str) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("").map(lambda v: str(v).strip())


def _missing_columns(path, frame: pd.DataFrame, required: list[str]) -> list[FrameworkRowError]:
    return [FrameworkRowError(path, 1, c, None, f"the header has no column {c!r}; add it (columns: "
                              f"{', '.join(required)})") for c in required if c not in frame.columns]


def _check_indicators(path, frame: pd.DataFrame, activities: set[str] | None) -> list[FrameworkRowError]:
    errors, seen = [], set()
    codes = set(frame["indicator_code"])
    reported = activities if activities is not None else codes
    for pos, row in enumerate(frame.to_dict("records")):
        line, code = pos + 2, row["indicator_code"]
        def bad(column, fix):
            errors.append(FrameworkRowError(path, line, column, row[column], fix))
        for column in ("objective_code", "indicator_code"):
            if not row[column]:
                bad(column, "this cell is required; fill it in")
        if code and code in seen:
            bad("indicator_code", "each indicator appears once; remove or rename the repeated row")
        seen.add(code)
        for column, allowed in CHOICES.items():
            if row[column].lower() not in allowed:
                bad(column, f"must be one of {', '.join(allowed)}")
        if row["unit"].lower() == "percentage":
            if row["counts_people"].lower() == "yes":
                bad("counts_people", "a percentage does not count people; write no")
            for column in ("numerator", "denominator"):
                if row[column] not in reported:
                    bad(column, "a percentage needs the code of the 5W indicator it divides "
                                "(see forms/lists/activities.csv)")
        elif activities is not None and code and code not in activities:
            bad("indicator_code", "not an indicator of the 5W activity list (forms/lists/activities.csv); "
                                  "use its code there or make it a percentage with numerator and denominator")
    return errors


def _check_targets(path, frame, indicators: set[str], pcodes: set[str] | None) -> list[FrameworkRowError]:
    errors, seen = [], set()
    for pos, row in enumerate(frame.to_dict("records")):
        line = pos + 2
        def bad(column, fix):
            errors.append(FrameworkRowError(path, line, column, row[column], fix))
        if row["indicator_code"] not in indicators | {CASELOAD}:
            bad("indicator_code", f"not an indicator of the framework (nor {CASELOAD!r}); use a code of "
                                  "the framework sheet")
        if pcodes is not None and row["pcode"] not in pcodes:
            bad("pcode", "not a p-code of the gazetteer (forms/lists/gazetteer.csv); use the COD-AB p-code")
        if (row["indicator_code"], row["pcode"]) in seen:
            bad("pcode", "this indicator already has a row for this p-code; keep one")
        seen.add((row["indicator_code"], row["pcode"]))
        for column in ("in_need", "baseline", "target"):
            number = pd.to_numeric(row[column], errors="coerce") if row[column] else 0.0
            if pd.isna(number) or number < 0:
                bad(column, "must be a number of 0 or more (or empty), without text or thousands separators")
    return errors


def _typed(indicators: pd.DataFrame, targets: pd.DataFrame) -> HrpFramework:
    indicators = indicators[FRAMEWORK_COLUMNS].copy()
    for column in CHOICES:
        indicators[column] = indicators[column].str.lower()
    indicators["counts_people"] = indicators["counts_people"] == "yes"
    targets = targets[TARGET_COLUMNS].copy()
    for column in ("in_need", "baseline", "target"):
        targets[column] = pd.to_numeric(targets[column].replace("", None), errors="coerce").astype("float64")
    return HrpFramework(indicators.reset_index(drop=True), targets.reset_index(drop=True))


def load_framework(path: str | Path = DEFAULT_FRAMEWORK, targets: str | Path | None = None,
                   activities: set[str] | None = None, pcodes: set[str] | None = None) -> HrpFramework:
    """Read and check the framework (CSV or workbook); raise FrameworkError listing every bad cell.

    ``targets`` defaults to the workbook's ``targets`` sheet, or ``hrp_targets.csv`` beside a CSV framework.
    ``activities`` (5W indicator codes) and ``pcodes`` (gazetteer p-codes), when given, are checked against.
    """
    path = Path(path)
    is_book = path.suffix.lower() in (".xlsx", ".xlsm")
    target_path = Path(targets) if targets else (path if is_book else path.with_name("hrp_targets.csv"))
    frame, target_frame = _read(path, "framework"), _read(target_path, "targets")
    where = f"{target_path} (sheet targets)" if is_book and target_path == path else target_path
    fwhere = f"{path} (sheet framework)" if is_book else path
    errors = _missing_columns(fwhere, frame, FRAMEWORK_COLUMNS) + _missing_columns(where, target_frame,
                                                                                    TARGET_COLUMNS)
    if errors:
        raise FrameworkError(errors)
    errors = _check_indicators(fwhere, frame, activities)
    errors += _check_targets(where, target_frame, set(frame["indicator_code"]), pcodes)
    if errors:
        raise FrameworkError(errors)
    return _typed(frame, target_frame)
