"""Partner commitments self-assessment, scored like CCPM: per commitment, per principle and per group.

The ``partner_commitments`` form tags each item with ``indicator`` ``PP.<principle>`` (Principles of
Partnership) or ``MC.<commitment>`` (minimum commitments) and ``scale`` 0-4. The long answers come from
``transforms.ccpm_answers.answers_long`` (so don't-know / N/A are never scored), and every unit is scored
with the configured CCPM aggregator and status bands: each item (unit_type ``principle`` or ``commitment``)
and each group (unit_type ``group``: ``PP`` and ``MC``, from all their items together).
"""

from __future__ import annotations

import math

import pandas as pd

from forms.definition import FormDef
from transforms.ccpm_aggregate import aggregator
from transforms.ccpm_answers import scored_fields
from transforms.ccpm_bands import band_status
from transforms.score import ScoringSettings, scored_answers

GROUPS = {"PP": ("principle", "Principles of Partnership"), "MC": ("commitment", "Minimum commitments")}
COMMITMENT_SCORE_COLUMNS = ["cycle", "unit_type", "unit_code", "unit_name", "score", "status", "n_respondents"]


def _row(scored: pd.DataFrame, unit_type: str, code: str, name: str, settings: ScoringSettings) -> dict:
    fraction = aggregator(settings.aggregator)(scored)
    score = math.nan if math.isnan(fraction) else 100.0 * fraction
    return {"unit_type": unit_type, "unit_code": code, "unit_name": name, "score": score,
            "status": band_status(score, tuple(settings.bands)), "n_respondents": scored["respondent"].nunique()}


def score_commitments(form: FormDef, answers: pd.DataFrame, settings: ScoringSettings | None = None,
                      cycle: str = "") -> pd.DataFrame:
    """One row per group (PP, MC) followed by its items, in form order; names from the question labels.
    Items without any valid answer are "Not evaluated"."""
    settings = settings or ScoringSettings()
    items = [(f.extra["indicator"], f.label()) for f in scored_fields(form)]
    unknown = sorted({code.split(".", 1)[0] for code, _ in items} - set(GROUPS))
    if unknown:
        raise ValueError(f"partner commitments: indicators must start with PP. or MC., found groups {unknown}; "
                         f"fix the survey column 'indicator' of forms/sources/partner_commitments.md")
    scored = scored_answers(answers, settings)
    rows = []
    for group, (unit_type, group_name) in GROUPS.items():
        mine = [(code, label) for code, label in items if code.split(".", 1)[0] == group]
        if not mine:
            continue
        rows.append(_row(scored[scored["function"] == group], "group", group, group_name, settings))
        for code, label in mine:
            rows.append(_row(scored[scored["indicator"] == code], unit_type, code, label, settings))
    table = pd.DataFrame(rows, columns=COMMITMENT_SCORE_COLUMNS[1:])
    table.insert(0, "cycle", str(cycle))
    return table.astype({"score": "float64", "n_respondents": "int64"})
