"""Write the CCPM outputs of the configured cycle from the warehouse views.

- the report ``ccpm_<country>_<cluster>_<cycle>_<status>`` (.xlsx, .html, and .pdf when the machine can render
  one), with the change since the previous cycle and the action plan;
- the quarterly follow-up ``ccpm_followup_<...>`` of the action plan (overdue actions first);
- ``partner_commitments_<...>`` when partner-commitment scores exist for the cycle.
Response rates and counts apply the anonymity rule (``ccpm.anonymity_threshold``) in every output.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from flows.config import Config
from forms.definition import load_form
from reports.ccpm_data import load_ccpm_report_data
from reports.ccpm_followup import write_commitments, write_follow_up
from reports.ccpm_html import write_ccpm_html
from reports.ccpm_pdf import write_pdf
from reports.ccpm_xlsx import write_ccpm_workbook
from transforms.ccpm_actions import follow_up
from transforms.ccpm_answers import org_type_labels
from transforms.ccpm_counts import low_response_warnings, response_counts
from transforms.score import answer_distribution
from warehouse import ccpm_marts
from warehouse.db import engine as get_engine


class ReportFiles(list):
    """The paths written, plus ``notes`` for the run summary (e.g. why no PDF was written)."""

    def __init__(self, paths=(), notes=()):
        super().__init__(paths)
        self.notes = list(notes)


def _stem(cfg: Config, kind: str) -> str:
    return f"{kind}_{cfg.country}_{cfg.cluster}_{cfg.ccpm.cycle}_{cfg.ccpm.status}".lower()


def _counts(cfg: Config, inputs, setting: Callable):
    """Response counts and rates (anonymity merge applied) and the low-rate warnings."""
    if inputs.answers.empty:
        return None, []
    counts = response_counts(inputs.answers, inputs.participating or None,
                             threshold=cfg.ccpm.anonymity_threshold, labels=org_type_labels(load_form("ccpm_partner")),
                             avg_attendance=inputs.avg_attendance)
    return counts, low_response_warnings(counts, cfg.ccpm.min_response_rate, setting(cfg, "min_effective_rate"))


def _facts(cfg: Config) -> list[tuple[str, str]]:
    c = cfg.ccpm
    dates = " to ".join(d for d in (c.start, c.end) if d) or "not recorded"
    return [("Country", cfg.country), ("Cluster", cfg.cluster), ("Level", c.level), ("Cycle", c.cycle),
            ("Survey dates", dates), ("Report status", c.status.capitalize())]


def write_outputs(cfg: Config, inputs, today: date, setting: Callable) -> ReportFiles:
    """Every CCPM output of the cycle; the cycle's metadata must already be recorded (``record_cycle``)."""
    engine = get_engine(cfg.warehouse)
    out = Path(cfg.reports_dir) / "ccpm"
    out.mkdir(parents=True, exist_ok=True)
    counts, warnings = _counts(cfg, inputs, setting)
    actions = ccpm_marts.read_actions(engine, cfg.ccpm.cycle)
    report = load_ccpm_report_data(
        engine, cfg.ccpm.cycle, country=cfg.country, cluster=cfg.cluster, level=cfg.ccpm.level,
        survey_start=cfg.ccpm.start, survey_end=cfg.ccpm.end, stage=cfg.ccpm.status, response_counts=counts,
        distributions=answer_distribution(inputs.answers) if counts is not None else None,
        comments=inputs.comments if not inputs.comments.empty else None, warnings=warnings,
        bands=tuple(cfg.ccpm.bands), actions=actions,
        previous_cycle=setting(cfg, "previous_cycle") or ccpm_marts.previous_cycle(engine, cfg.ccpm.cycle),
        trend_tolerance=float(setting(cfg, "trend_tolerance")))
    stem = _stem(cfg, "ccpm")
    html = write_ccpm_html(out / f"{stem}.html", report)
    files = ReportFiles([write_ccpm_workbook(out / f"{stem}.xlsx", report), html])
    if setting(cfg, "pdf"):
        pdf, note = write_pdf(html, out / f"{stem}.pdf")
        files.notes.append(note)
        logging.getLogger(__name__).info(note)
        if pdf:
            files.append(pdf)
    files += write_follow_up(out, _stem(cfg, "ccpm_followup"), follow_up(actions, today), _facts(cfg), today)
    commitments = ccpm_marts.read_partner_commitment_scores(engine, cfg.ccpm.cycle)
    if not commitments.empty:
        files += write_commitments(out, _stem(cfg, "partner_commitments"), commitments, _facts(cfg),
                                   ["Scored like CCPM: don't know and not applicable answers are not scored."])
    return files
