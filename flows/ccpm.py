"""The CCPM cycle: score the staged questionnaires, keep cycle metadata and the action plan, write the outputs.

Plain functions the nightly flow (and ``clustermon report``) call:
- ``gather(cfg)`` → the long answers, comments, participation counts and average attendance;
- ``score_cycle(cfg, load_id, inputs)`` → records the cycle in ``ccpm_cycles``, replaces its scores in the
  mart, pre-fills / updates the action plan and scores the partner commitments;
- ``write_report(cfg, inputs)`` → the report (.xlsx, .html, .pdf when possible), the action-plan follow-up and
  the partner-commitments outputs; the returned list carries ``.notes`` (e.g. why no PDF was written).
Settings come from the ``ccpm:`` block of the configuration (see ``setting`` for the optional keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from flows.ccpm_actions import update_action_plan
from flows.ccpm_outputs import ReportFiles, write_outputs
from flows.config import Config
from forms.ccpm import load_framework
from forms.definition import load_form
from forms.lists import ListFiles, read_rows
from transforms.ccpm_answers import avg_attendance, empty_answers, participants
from transforms.ccpm_commitments import score_commitments
from transforms.score import ScoringSettings, answers_long, comments_long, score_ccpm
from warehouse import ccpm_marts, marts, staging
from warehouse.db import engine as get_engine

RESPONDENT_FORMS = {"ccpm_partner": "partner", "ccpm_coordinator": "coordinator"}
COMMITMENTS_FORM = "partner_commitments"
#: Optional keys of the ``ccpm:`` configuration block read here, with their defaults.
OPTIONAL_SETTINGS = {"trend_tolerance": 0.0, "min_effective_rate": None, "pdf": True, "previous_cycle": None}

__all__ = ["CcpmInputs", "ReportFiles", "gather", "record_cycle", "score_cycle", "update_action_plan",
           "write_report"]


@dataclass
class CcpmInputs:
    """The long answers and comments of every CCPM questionnaire staged for the cycle."""

    answers: pd.DataFrame
    comments: pd.DataFrame
    participating: dict[str, int] = field(default_factory=dict)
    avg_attendance: float | None = None


def setting(cfg: Config, key: str):
    """An optional ``ccpm:`` setting (``OPTIONAL_SETTINGS``), its default when the config does not have it."""
    return getattr(cfg.ccpm, key, OPTIONAL_SETTINGS[key])


def staged_table(url: str, form_id: str) -> pd.DataFrame | None:
    """The staged main table of a form, or None when the form has never been staged."""
    try:
        return staging.read_table(get_engine(url), f"stg_{form_id}")
    except (LookupError, sa.exc.NoSuchTableError):
        return None


def partner_names() -> list[str]:
    """Organisation names and codes of the partner list, removed from published comments."""
    rows = read_rows(ListFiles().partners, ["code", "name"])
    return [v for r in rows for v in (r["code"], r["name"]) if v]


def in_survey_window(cfg: Config, table: pd.DataFrame) -> pd.DataFrame:
    """Only the responses of this cycle: submitted between ``ccpm.start`` and ``ccpm.end`` plus
    ``ccpm.late_days`` (late answers still count). Without dates every staged response counts."""
    if not (cfg.ccpm.start and cfg.ccpm.end) or "submitted_at" not in table:
        return table
    start = pd.Timestamp(cfg.ccpm.start, tz="UTC")
    end = pd.Timestamp(cfg.ccpm.end, tz="UTC") + pd.Timedelta(days=cfg.ccpm.late_days + 1)
    submitted = pd.to_datetime(table["submitted_at"], utc=True)
    return table[(submitted >= start) & (submitted < end)]


def gather(cfg: Config) -> CcpmInputs:
    configured = {f.form for f in cfg.forms}
    answers, comments, participating, attendance = [], [], {}, None
    names = partner_names()
    for form_id, respondent in RESPONDENT_FORMS.items():
        table = staged_table(cfg.warehouse, form_id) if form_id in configured else None
        if table is None:
            continue
        table = in_survey_window(cfg, table)
        form = load_form(form_id)
        answers.append(answers_long(form, table, respondent))
        comments.append(comments_long(form, table, respondent, names=names))
        if respondent == "coordinator":
            ordered = table.sort_values("submitted_at")
            participating, attendance = participants(form, ordered), avg_attendance(form, ordered)
    answers = pd.concat(answers, ignore_index=True) if answers else pd.DataFrame()
    comments = pd.concat(comments, ignore_index=True) if comments else pd.DataFrame()
    return CcpmInputs(answers, comments, participating, attendance)


def settings_of(cfg: Config) -> ScoringSettings:
    return ScoringSettings(aggregator=cfg.ccpm.aggregator, precondition_absent=cfg.ccpm.precondition_absent,
                           bands=tuple(cfg.ccpm.bands))


def cycle_info(cfg: Config) -> dict:
    c = cfg.ccpm
    return {"cycle": c.cycle, "country": cfg.country, "cluster": cfg.cluster, "level": c.level,
            "start": c.start, "end": c.end, "status": c.status}


def record_cycle(cfg: Config) -> None:
    """Create the CCPM tables if needed and store the configured cycle's metadata."""
    engine = get_engine(cfg.warehouse)
    ccpm_marts.create_ccpm_objects(engine)
    with engine.begin() as conn:
        ccpm_marts.upsert_cycle(conn, cycle_info(cfg), datetime.now(timezone.utc))


def score_cycle(cfg: Config, load_id: str, inputs: CcpmInputs | None = None) -> pd.DataFrame:
    """Score every unit of the framework for the configured cycle and store it in the mart; then keep the
    cycle metadata, the action plan and the partner-commitment scores up to date."""
    inputs = inputs or gather(cfg)
    if inputs.answers.empty:
        inputs.answers = empty_answers()
    scores = score_ccpm(inputs.answers, load_framework(), settings_of(cfg), cycle=cfg.ccpm.cycle)
    record_cycle(cfg)
    with get_engine(cfg.warehouse).begin() as conn:
        marts.write_ccpm_scores(conn, cfg.ccpm.cycle, scores, load_id)
    update_action_plan(cfg, scores)
    score_partner_commitments(cfg, load_id)
    return scores


def score_partner_commitments(cfg: Config, load_id: str) -> pd.DataFrame | None:
    """Score the staged ``partner_commitments`` answers into ``partner_commitment_scores`` (None if not staged)."""
    table = staged_table(cfg.warehouse, COMMITMENTS_FORM)
    if table is None:
        return None
    form = load_form(COMMITMENTS_FORM)
    scores = score_commitments(form, answers_long(form, table, "partner"), settings_of(cfg), cfg.ccpm.cycle)
    with get_engine(cfg.warehouse).begin() as conn:
        ccpm_marts.write_partner_commitment_scores(conn, cfg.ccpm.cycle, scores, load_id)
    return scores


def write_report(cfg: Config, inputs: CcpmInputs, today: date | None = None) -> ReportFiles:
    """The CCPM outputs of the cycle, read back from the warehouse views (see ``flows.ccpm_outputs``)."""
    record_cycle(cfg)
    return write_outputs(cfg, inputs, today or date.today(), setting)


def reports_dir(cfg: Config) -> Path:
    return Path(cfg.reports_dir) / "ccpm"
