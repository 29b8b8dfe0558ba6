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
from transforms.ccpm_trend import CHANGE_SYMBOLS, NO_PREVIOUS, compare_cycles

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
    previous_cycle: str | None = None
    previous_scores: pd.DataFrame | None = None
    trend_tolerance: float = 0.0
    actions: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ValueError(f"report stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        scores = self.scores.copy()
        scores["score"] = pd.to_numeric(scores["score"], errors="coerce").astype("float64")
        previous = self.previous_scores
        if previous is not None:
            previous = previous.assign(score=pd.to_numeric(previous["score"], errors="coerce").astype("float64"))
        scores = compare_cycles(scores, previous, self.previous_cycle, self.trend_tolerance)
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
        """The cycle's action plan (table ``ccpm_actions``) when there is one; otherwise one empty row per
        red or orange sub-function, to be completed at the validation workshop."""
        if self.actions is not None and not self.actions.empty:
            return [{**r, "unit_code": r["subfunction"]} for r in self.actions.to_dict("records")]
        return [{"unit_code": r["unit_code"], "status": r["status"]} for r in self.subfunctions()
                if r["status"] in (WEAK, UNSATISFACTORY)]

    def change_text(self, row: dict) -> str:
        """``▲ better than 2024 (Weak, 20.0%)``; empty without a previous cycle."""
        change = row.get("change", NO_PREVIOUS)
        if change == NO_PREVIOUS:
            return ""
        before = f"{row['previous_status'] or 'not scored'}, {format_score(row['previous_score'])}"
        word = {"better": "better than", "worse": "worse than", "same": "same as"}.get(change, "not comparable with")
        return f"{CHANGE_SYMBOLS[change]} {word} {self.previous_cycle} ({before})".strip()

    def trend_rows(self) -> list[dict]:
        """Functions and sub-functions with their change since the previous cycle (empty without one)."""
        if self.previous_cycle is None:
            return []
        rows = self.scores[self.scores["unit_type"].isin(["function", "subfunction"])].to_dict("records")
        return [{**r, "change_text": self.change_text(r)} for r in rows]

    def distribution_pivot(self, subfunction_code: str) -> list[dict]:
        """Answer shares of one sub-function's questions, partners and coordination team side by side
        (one row per question × answer, don't-know and N/A included)."""
        frame = self.distributions
        if frame is None or frame.empty:
            return []
        frame = frame[frame["indicator"].astype(str).str.startswith(subfunction_code + ".")]
        rows: dict[tuple, dict] = {}
        for r in frame.to_dict("records"):
            key = (r["indicator"], r["question"], r["code"])
            row = rows.setdefault(key, {"indicator": r["indicator"], "question_label": r["question_label"],
                                        "code": r["code"], "code_label": r["code_label"],
                                        "special": r["special"], "partner_n": 0, "partner_share": None,
                                        "coordinator_n": 0, "coordinator_share": None})
            row[f"{r['respondent_type']}_n"] = int(r["n"])
            row[f"{r['respondent_type']}_share"] = float(r["share"])
        return list(rows.values())

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
                          previous_cycle: str | None = None, **extra) -> CcpmReportData:
    """Report data for one cycle: scores (and the previous cycle's, for the trend) from the warehouse view,
    the rest (counts, distributions, comments, actions, cover facts) passed through as keyword arguments
    of ``CcpmReportData``. A previous cycle without scores is reported as no previous cycle."""
    previous = None
    if previous_cycle:
        try:
            previous = read_scores(engine, previous_cycle)
        except LookupError:
            previous_cycle = None
    return CcpmReportData(cycle=str(cycle), country=country, cluster=cluster, scores=read_scores(engine, cycle),
                          previous_cycle=previous_cycle, previous_scores=previous, **extra)
