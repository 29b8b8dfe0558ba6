"""The CCPM report as one self-contained HTML page: inline CSS, inline SVG chart, no external resource,
clean print to PDF (``@media print``). Same content as the workbook, from the same ``CcpmReportData``.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

from reports.ccpm_columns import (
    ACTION_PLAN_COLUMNS, COMMENT_COLUMNS, RESPONDENT_TYPE_LABELS, RESPONSE_COLUMNS, TREND_COLUMNS,
)
from reports.ccpm_data import CcpmReportData, format_score
from reports.ccpm_svg import subfunction_chart
from transforms.ccpm_bands import legend, status_colour

TEMPLATES = Path(__file__).parent / "templates"


def _percent(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.0%}"


SPECIAL_TEXT = {"dont_know": "don't know", "not_applicable": "not applicable",
                "precondition_absent": "precondition absent"}


def _number(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):g}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=format_score, percent=_percent, colour=status_colour, number=_number,
                       special=lambda v: SPECIAL_TEXT.get(v, v),
                       respondent=lambda kind: RESPONDENT_TYPE_LABELS.get(kind, kind),
                       blank=lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v)
    return env


def _blocks(report: CcpmReportData) -> list[dict]:
    """One block per sub-function: its row, indicator rows and answer distributions."""
    return [{"sub": sub, "indicators": report.indicators(sub["unit_code"]),
             "distributions": report.distribution_pivot(sub["unit_code"])} for sub in report.subfunctions()]


def _overall(report: CcpmReportData) -> list[dict]:
    return [{"function": f, "subs": report.subfunctions(f["unit_code"]),
             "worst": report.worst_subfunction(f["unit_code"])} for f in report.functions()]


def render_ccpm_html(report: CcpmReportData) -> str:
    """The report page as a string."""
    counts = report.response_counts
    return _environment().get_template("ccpm.html.j2").render(
        report=report, overall=_overall(report), blocks=_blocks(report),
        chart=subfunction_chart(report.subfunctions()), legend=legend(report.bands),
        counts=[] if counts is None else counts.to_dict("records"), response_columns=RESPONSE_COLUMNS,
        comments=report.comment_rows(), comment_columns=COMMENT_COLUMNS,
        actions=report.action_plan_rows(), action_columns=ACTION_PLAN_COLUMNS,
        trend=report.trend_rows(), trend_columns=TREND_COLUMNS,
    )


def write_ccpm_html(path: str | Path, report: CcpmReportData) -> Path:
    """Write the report page to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_ccpm_html(report), encoding="utf-8")
    return path
