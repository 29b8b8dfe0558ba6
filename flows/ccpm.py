"""Score the CCPM cycle from the staged questionnaires and write its report (workbook + HTML page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.config import Config
from forms.ccpm import load_framework
from forms.definition import load_form
from reports.ccpm_data import load_ccpm_report_data
from reports.ccpm_html import write_ccpm_html
from reports.ccpm_xlsx import write_ccpm_workbook
from transforms.ccpm_answers import empty_answers, participants
from transforms.ccpm_counts import low_response_warnings
from transforms.score import (ScoringSettings, answer_distribution, answers_long, comments_long,
                              response_counts, score_ccpm)
from warehouse import marts, staging
from warehouse.db import engine as get_engine

RESPONDENT_FORMS = {"ccpm_partner": "partner", "ccpm_coordinator": "coordinator"}


@dataclass
class CcpmInputs:
    """The long answers and comments of every CCPM questionnaire staged for the cycle."""

    answers: pd.DataFrame
    comments: pd.DataFrame
    participating: dict[str, int] = field(default_factory=dict)


def staged_table(url: str, form_id: str) -> pd.DataFrame | None:
    try:
        return staging.read_table(get_engine(url), f"stg_{form_id}")
    except LookupError:
        return None


def gather(cfg: Config) -> CcpmInputs:
    configured = {f.form for f in cfg.forms}
    answers, comments, participating = [], [], {}
    for form_id, respondent in RESPONDENT_FORMS.items():
        table = staged_table(cfg.warehouse, form_id) if form_id in configured else None
        if table is None:
            continue
        form = load_form(form_id)
        answers.append(answers_long(form, table, respondent))
        comments.append(comments_long(form, table, respondent))
        if respondent == "coordinator":
            participating = participants(form, table.sort_values("submitted_at"))
    answers = pd.concat(answers, ignore_index=True) if answers else pd.DataFrame()
    comments = pd.concat(comments, ignore_index=True) if comments else pd.DataFrame()
    return CcpmInputs(answers, comments, participating)


def settings_of(cfg: Config) -> ScoringSettings:
    return ScoringSettings(aggregator=cfg.ccpm.aggregator, precondition_absent=cfg.ccpm.precondition_absent,
                           bands=tuple(cfg.ccpm.bands))


def score_cycle(cfg: Config, load_id: str, inputs: CcpmInputs | None = None) -> pd.DataFrame:
    """Score every unit of the framework for the configured cycle and store it in the mart."""
    inputs = inputs or gather(cfg)
    if inputs.answers.empty:
        inputs.answers = empty_answers()
    scores = score_ccpm(inputs.answers, load_framework(), settings_of(cfg), cycle=cfg.ccpm.cycle)
    with get_engine(cfg.warehouse).begin() as conn:
        marts.write_ccpm_scores(conn, cfg.ccpm.cycle, scores, load_id)
    return scores


def write_report(cfg: Config, inputs: CcpmInputs) -> list[Path]:
    """The CCPM report of the cycle, read back from the warehouse views, as .xlsx and .html."""
    counts = response_counts(inputs.answers, inputs.participating or None,
                             threshold=cfg.ccpm.anonymity_threshold) if not inputs.answers.empty else None
    warnings = low_response_warnings(counts, cfg.ccpm.min_response_rate) if counts is not None else []
    report = load_ccpm_report_data(
        get_engine(cfg.warehouse), cfg.ccpm.cycle, country=cfg.country, cluster=cfg.cluster,
        level=cfg.ccpm.level, survey_start=cfg.ccpm.start, survey_end=cfg.ccpm.end, stage=cfg.ccpm.status,
        response_counts=counts, distributions=answer_distribution(inputs.answers) if counts is not None else None,
        comments=inputs.comments if not inputs.comments.empty else None, warnings=warnings,
        bands=tuple(cfg.ccpm.bands))
    out = Path(cfg.reports_dir) / "ccpm"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"ccpm_{cfg.country}_{cfg.cluster}_{cfg.ccpm.cycle}_{cfg.ccpm.status}".lower()
    return [write_ccpm_workbook(out / f"{stem}.xlsx", report), write_ccpm_html(out / f"{stem}.html", report)]
