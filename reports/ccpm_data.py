"""What a CCPM report shows: the scores read from the warehouse view ``ccpm_scores`` plus the data the flow
passes in (response counts, answer distributions, anonymous comments) and the cover facts.

Both renderers (``ccpm_xlsx``, ``ccpm_html``) take one ``CcpmReportData`` so the workbook and the web page
always show the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from transforms.ccpm_bands import DEFAULT_BANDS, UNSATISFACTORY, WEAK

SCORES_VIEW = "ccpm_scores"
VIEW_COLUMNS = ["cycle", "unit_type", "unit_code", "unit_name", "score", "status", "n_respondents",
                "n_partners", "n_coordinators"]
STAGES = ("preliminary", "final")


def code_key(code: str) -> tuple[int, ...]:
    """Sort key of CCPM codes, so 1.10 comes after 1.9."""
    return tuple(int(part) for part in str(code).split(".") if part.isdigit())


def format_score(score) -> str:
    """A 0-100 score as report text (one decimal, ``62.5%``); a dash when not evaluated."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "–"
    return f"{float(score):.1f}%"


@dataclass
class CcpmReportData:
    """Everything one CCPM report shows, for one cycle."""

    cycle: str
    country: str
    cluster: str
    scores: pd.DataFrame
    level: str = "national"
    survey_start: str | None = None
    survey_end: str | None = None
    stage: str = "preliminary"
    response_counts: pd.DataFrame | None = None
    distributions: pd.DataFrame | None = None
    comments: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    bands: tuple[float, float, float] = DEFAULT_BANDS

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ValueError(f"report stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        scores = self.scores.copy()
        scores["score"] = pd.to_numeric(scores["score"], errors="coerce").astype("float64")
        scores["_key"] = scores["unit_code"].map(code_key)
        self.scores = scores.sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)

    def units(self, unit_type: str) -> pd.DataFrame:
        return self.scores[self.scores["unit_type"] == unit_type]

    def functions(self) -> list[dict]:
        return self.units("function").to_dict("records")

    def subfunctions(self, function_code: str | None = None) -> list[dict]:
        rows = self.units("subfunction").to_dict("records")
        return [r for r in rows if function_code is None or r["unit_code"].split(".")[0] == str(function_code)]

    def indicators(self, subfunction_code: str) -> list[dict]:
        return [r for r in self.units("indicator").to_dict("records")
                if r["unit_code"].rsplit(".", 1)[0] == str(subfunction_code)]

    def worst_subfunction(self, function_code: str) -> dict | None:
        """The lowest-scored evaluated sub-function of a function (first in order on a tie)."""
        scored = [r for r in self.subfunctions(function_code) if not math.isnan(r["score"])]
        return min(scored, key=lambda r: r["score"]) if scored else None

    def function_name(self, function_code: str) -> str:
        match = [r["unit_name"] for r in self.functions() if r["unit_code"] == str(function_code)]
        return match[0] if match else f"Function {function_code}"

    def comment_rows(self) -> list[dict]:
        """Anonymous comments with their function name; only the comment columns, never an id."""
        if self.comments is None or self.comments.empty:
            return []
        return [{"function": str(r["function"]), "function_name": self.function_name(r["function"]),
                 "respondent_type": r["respondent_type"], "comment": r["comment"]}
                for r in self.comments.to_dict("records")]

    def action_plan_rows(self) -> list[dict]:
        """One row per red or orange sub-function, to be completed at the validation workshop."""
        return [{"unit_code": r["unit_code"], "status": r["status"]} for r in self.subfunctions()
                if r["status"] in (WEAK, UNSATISFACTORY)]

    def survey_dates(self) -> str:
        return " to ".join(d for d in (self.survey_start, self.survey_end) if d) or "not recorded"


def read_scores(engine: sa.Engine, cycle: str) -> pd.DataFrame:
    """The rows of the public view ``ccpm_scores`` for one cycle."""
    columns = ", ".join(VIEW_COLUMNS)
    query = sa.text(f"SELECT {columns} FROM {SCORES_VIEW} WHERE cycle = :cycle")
    with engine.connect() as conn:
        scores = pd.read_sql(query, conn, params={"cycle": str(cycle)})
        if scores.empty:
            cycles = [r[0] for r in conn.execute(sa.text(f"SELECT DISTINCT cycle FROM {SCORES_VIEW}"))]
            raise LookupError(f"the view {SCORES_VIEW} has no scores for cycle {cycle!r} "
                              f"(cycles present: {', '.join(map(str, cycles)) or 'none'}); "
                              f"run the scoring step for that cycle first")
    return scores


def load_ccpm_report_data(engine: sa.Engine, cycle: str, *, country: str, cluster: str,
                          **extra) -> CcpmReportData:
    """Report data for one cycle: scores from the warehouse view, the rest (counts, distributions,
    comments, cover facts) passed through as keyword arguments of ``CcpmReportData``."""
    return CcpmReportData(cycle=str(cycle), country=country, cluster=cluster,
                          scores=read_scores(engine, cycle), **extra)
