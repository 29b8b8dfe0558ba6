"""The HRP dashboard: one self-contained HTML page (inline CSS and SVG, no external resource) with the
caseload, reached vs targeted by admin 1, the monthly trend, indicators, CPMS indicators (when monitored),
partners present and gaps.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd

from reports.hrp_cpms import VALUE_LABEL, cpms_table
from reports.hrp_data import HrpReportData
from reports.hrp_svg import monthly_trend, reached_vs_target
from reports.hrp_tables import gaps_table, indicator_table, partner_table
from transforms.hrp_aggregate import PROGRESS_LABEL, REACHED_LABEL

TEMPLATES = Path(__file__).parent / "templates"


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _number(value) -> str:
    if _missing(value):
        return "–"
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def _percent(value) -> str:
    return "–" if _missing(value) else f"{float(value):.0%}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=_number, percent=_percent, text=lambda v: "–" if _missing(v) else v)
    return env


def render_dashboard(data: HrpReportData) -> str:
    """The dashboard page as text."""
    country = data.caseload_at(0).to_dict("records")
    country = country[0] if country else {"in_need": None, "targeted": None, "reached": 0, "percent_reached": None}
    return _environment().get_template("hrp_dashboard.html.j2").render(
        data=data, country=country, progress_label=PROGRESS_LABEL, reached_label=REACHED_LABEL,
        admin1_chart=reached_vs_target(data.caseload_at(1).to_dict("records")),
        trend_chart=monthly_trend(data.people_by_month.to_dict("records")),
        indicators=indicator_table(data, 0).to_dict("records"),
        partners=partner_table(data).to_dict("records"), gaps=gaps_table(data).to_dict("records"),
        cpms=None if data.cpms is None else cpms_table(data.cpms, data.cluster).to_dict("records"),
        cpms_rule=None if data.cpms is None else data.cpms.rule_line, cpms_label=VALUE_LABEL)


def write_dashboard(path: Path, data: HrpReportData) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dashboard(data), encoding="utf-8")
    return path
