"""CCPM scoring: indicator, sub-function and function scores (0-100) with their status bands.

Rules (shared/domain/ccpm.md): answers are normalised to 0..1 on their question's scale; don't-know,
not-applicable and blank answers are dropped; precondition-absent answers are dropped or score 0 (setting);
partners and coordinators are pooled with equal weight. For each unit the default aggregator takes every
respondent's mean over the unit's questions, then 100 × the median over respondents. A sub-function is
scored from all of its questions together, never as a median of its indicator scores. Functions with several
sub-functions (1-4) get a function-level score computed the same way, labelled as such, with the worst
sub-function beside it. A unit without valid answers is "Not evaluated".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from forms.ccpm import Framework, Function
from transforms.ccpm_aggregate import AGGREGATORS, aggregator
from transforms.ccpm_answers import answers_long, comments_long  # noqa: F401  (public API of scoring)
from transforms.ccpm_bands import DEFAULT_BANDS, band_status
from transforms.ccpm_counts import answer_distribution, response_counts  # noqa: F401

SCORE_COLUMNS = [
    "cycle", "unit_type", "unit_code", "unit_name", "score", "status", "n_respondents", "n_partners",
    "n_coordinators", "worst_subfunction", "label",
]
PRECONDITION_OPTIONS = ("exclude", "zero")


@dataclass(frozen=True)
class ScoringSettings:
    """How to score. ``precondition_by_question`` overrides ``precondition_absent`` for named questions."""

    aggregator: str = "median_of_respondent_means"
    precondition_absent: str = "exclude"
    bands: tuple[float, float, float] = DEFAULT_BANDS
    precondition_by_question: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        aggregator(self.aggregator)
        for where, option in [("precondition_absent", self.precondition_absent),
                              *self.precondition_by_question.items()]:
            if option not in PRECONDITION_OPTIONS:
                raise ValueError(f"precondition setting for {where!r} is {option!r}; "
                                 f"use one of {', '.join(PRECONDITION_OPTIONS)}")
        band_status(0.0, tuple(self.bands))


def scored_answers(answers: pd.DataFrame, settings: ScoringSettings) -> pd.DataFrame:
    """Valid answers only, with a pooled ``respondent`` key; precondition-absent set to 0 where configured."""
    frame = answers.copy()
    option = frame["question"].map(lambda q: settings.precondition_by_question.get(q, settings.precondition_absent))
    zero = (frame["special"] == "precondition_absent") & (option == "zero")
    frame.loc[zero, "value"] = 0.0
    frame = frame[frame["value"].notna()]
    frame["respondent"] = frame["respondent_type"].astype(str) + ":" + frame["respondent_id"].astype(str)
    return frame


def _check_codes(answers: pd.DataFrame, framework: Framework) -> None:
    known = set(framework.indicator_codes())
    unknown = answers.loc[~answers["indicator"].isin(known), ["question", "indicator"]].drop_duplicates()
    if not unknown.empty:
        listed = ", ".join(f"{q} ({i})" for q, i in unknown.itertuples(index=False))
        raise ValueError(f"questions tagged with indicators the CCPM framework does not define: {listed}; "
                         f"fix the survey column 'indicator' or add them to forms/ccpm_framework.yaml")


def _unit_row(scored: pd.DataFrame, unit_type: str, code: str, name: str, settings: ScoringSettings) -> dict:
    unit = scored[scored[unit_type] == code]  # answers carry function, subfunction and indicator columns
    fraction = aggregator(settings.aggregator)(unit)
    score = math.nan if math.isnan(fraction) else 100.0 * fraction
    respondents = unit.drop_duplicates("respondent")
    return {
        "unit_type": unit_type, "unit_code": code, "unit_name": name, "score": score,
        "status": band_status(score, tuple(settings.bands)),
        "n_respondents": len(respondents),
        "n_partners": int((respondents["respondent_type"] == "partner").sum()),
        "n_coordinators": int((respondents["respondent_type"] == "coordinator").sum()),
        "worst_subfunction": None, "label": "",
    }


def _worst(rows: list[dict]) -> str | None:
    scored = [r for r in rows if not math.isnan(r["score"])]
    return min(scored, key=lambda r: r["score"])["unit_code"] if scored else None


def _function_rows(scored: pd.DataFrame, function: Function, settings: ScoringSettings) -> list[dict]:
    head = _unit_row(scored, "function", function.code, function.name(), settings)
    rows: list[dict] = []
    subs = []
    for sub in function.subfunctions:
        sub_row = _unit_row(scored, "subfunction", sub.code, sub.name(), settings)
        sub_row["label"] = "Sub-function score from all its questions"
        subs.append(sub_row)
        rows.append(sub_row)
        for ind in sub.indicators:
            ind_row = _unit_row(scored, "indicator", ind.code, ind.name(), settings)
            ind_row["label"] = "Indicator score"
            rows.append(ind_row)
    iasc = f"IASC Reference Module function {function.iasc_number}"
    if len(function.subfunctions) > 1:
        head["worst_subfunction"] = _worst(subs)
        head["label"] = f"Function-level score from all its questions (not a CCPM status; see sub-functions); {iasc}"
    else:
        head["label"] = f"Function score (single sub-function); {iasc}"
    return [head, *rows]


def score_ccpm(answers: pd.DataFrame, framework: Framework, settings: ScoringSettings | None = None,
               cycle: str = "") -> pd.DataFrame:
    """Scores of every function, sub-function and indicator of the framework, in CCPM report order."""
    settings = settings or ScoringSettings()
    _check_codes(answers, framework)
    scored = scored_answers(answers, settings)
    rows = [row for function in framework.functions for row in _function_rows(scored, function, settings)]
    table = pd.DataFrame(rows)
    table.insert(0, "cycle", str(cycle))
    table = table[SCORE_COLUMNS]
    return table.astype({"score": "float64", "n_respondents": "int64", "n_partners": "int64",
                         "n_coordinators": "int64"})


__all__ = ["AGGREGATORS", "ScoringSettings", "answer_distribution", "answers_long", "comments_long",
           "response_counts", "score_ccpm", "scored_answers"]
