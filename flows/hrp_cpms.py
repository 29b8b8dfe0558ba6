"""CPMS indicator progress from the staged ``cpms_indicators`` form: the marts ``mart_cpms_indicator_progress``
and ``mart_cpms_priority`` for one reporting period.

Configuration read: ``forms`` (is ``cpms_indicators`` configured?), ``lists.cpms_indicators`` (the indicator
list, through ``flows.stage.list_files``) and the targets file ``cpms_targets`` (default the shipped sample
``forms/lists/cpms_targets.csv``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.config import Config
from forms.definition import load_form
from forms.lists import ListFiles, read_rows
from transforms.cpms_progress import (
    DEFAULT_TARGETS,
    cpms_progress,
    group_priority,
    read_targets,
    report_months,
    reports_in_period,
)
from transforms.hrp_indicators import period_bounds
from warehouse.hrp_marts import create_hrp_objects, write_cpms_priority, write_cpms_progress
from warehouse.staging import read_table

CPMS_FORM = "cpms_indicators"
CPMS_MAIN, CPMS_REPEAT = f"stg_{CPMS_FORM}", f"stg_{CPMS_FORM}__indicator_reports"


def cpms_targets_path(cfg: Config) -> Path:
    """Where the CPMS targets are read from (see module doc)."""
    return Path(cfg.cpms_targets or DEFAULT_TARGETS)


def cpms_staged(cfg: Config, engine: Engine) -> bool:
    """True when the CPMS form is configured and both its staging tables exist."""
    if CPMS_FORM not in {f.form for f in cfg.forms}:
        return False
    inspector = sa.inspect(engine)
    return inspector.has_table(CPMS_MAIN) and inspector.has_table(CPMS_REPEAT)


def cpms_period(main: pd.DataFrame, start: str | None, end: str | None) -> tuple[str, str]:
    """The configured bounds, else the first and last day of the months the CPMS reports cover."""
    month = report_months(main["reporting_month"]).dropna()
    months = pd.DataFrame({"date_start": month.dt.start_time.dt.strftime("%Y-%m-%d"),
                           "date_end": month.dt.end_time.dt.strftime("%Y-%m-%d")})
    return period_bounds(months, start, end)


def pillars() -> dict[str, str]:
    """Standard number → pillar, from the form's ``cpms_standard`` answer list."""
    return {c.name: str(c.extra.get("pillar")) for c in load_form(CPMS_FORM).choices["cpms_standard"]}


def build_cpms_marts(cfg: Config, engine: Engine, load_id: str, lists: ListFiles, start: str | None,
                     end: str | None) -> str | None:
    """Write the CPMS marts for the period; return the reporting period (``start/end``) or None without it."""
    main = read_table(engine, CPMS_MAIN)
    start, end = cpms_period(main, start, end)
    if not start or not end:
        return None
    main = reports_in_period(main, start, end)
    pillar_of = pillars()
    priority = group_priority(main, pillar_of)
    indicators = pd.DataFrame(read_rows(Path(lists.cpms_indicators), ["code", "standard", "kind", "measure",
                                                                        "label_en"]), dtype="str")
    standards = None if priority is None or priority.has_response_plan else set(priority.standards)
    progress = cpms_progress(main, read_table(engine, CPMS_REPEAT), indicators,
                             read_targets(cpms_targets_path(cfg)), standards, pillar_of)
    period = f"{start}/{end}"
    create_hrp_objects(engine)
    with engine.begin() as conn:
        write_cpms_progress(conn, progress, period, load_id)
        write_cpms_priority(conn, priority, period, load_id)
    return period
