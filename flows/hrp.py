"""HRP monitoring from the staged 5W: marts, then every output file read back from the public views.

The 5W lines mart follows staging incrementally (``warehouse.fivew_mart``: only new, edited and deleted
submissions are read and rebuilt) and only the reporting period's lines are read back
(``warehouse.hrp_reads``), so a night costs what changed plus the size of the period, not the 5W's history.

``run_hrp`` is a plain function (the nightly flow wraps it in a task). Configuration read: ``forms`` (is
``fivew_monthly`` configured?), ``reporting_period`` (``start``/``end`` ISO dates; default: the months the 5W
covers) and the framework file: ``hrp_framework`` (default the shipped sample
``forms/lists/hrp_framework.csv``); ``lists``
(gazetteer, partners, activities, CPMS indicators). CPMS indicators (``flows.hrp_cpms``) join the outputs
when ``cpms_indicators`` is configured and staged: a ``CPMS`` sheet in the PMR workbook, a dashboard section
and ``cpms_<...>_hxl.csv`` (the CSV alone when the 5W is not monitored).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from flows.config import Config
from flows.hrp_cpms import build_cpms_marts, cpms_staged
from flows.stage import list_files
from reports.fivew_outputs import write_fivew_outputs
from reports.hrp_cpms import load_cpms, write_cpms_csv
from reports.hrp_dashboard import write_dashboard
from reports.hrp_data import load_hrp_report_data
from reports.hrp_pmr import stem, write_pmr
from transforms.hrp_fivew import ACTIVITY_INPUT, MAIN_INPUT, Lists, fivew_lines
from transforms.hrp_framework import DEFAULT_FRAMEWORK, HrpFramework, load_framework
from transforms.hrp_indicators import indicator_progress
from warehouse.db import engine as get_engine
from warehouse.fivew_mart import Refresh, Source, refresh
from warehouse.hrp_marts import create_hrp_objects, write_indicator_progress
from warehouse.hrp_reads import fivew_period, read_fivew_lines

FORM_ID = "fivew_monthly"
MAIN, REPEAT = f"stg_{FORM_ID}", f"stg_{FORM_ID}__activities"
log = logging.getLogger(__name__)


def framework_path(cfg: Config) -> Path:
    """Where the HRP framework is read from (see module doc)."""
    return Path(cfg.hrp_framework or DEFAULT_FRAMEWORK)


def load_checked_framework(cfg: Config, lists: Lists) -> HrpFramework:
    gaz = lists.gazetteer
    pcodes = set(gaz["admin0Pcode"]) | set(gaz["admin1Pcode"]) | set(gaz["admin2Pcode"])
    return load_framework(framework_path(cfg), activities=set(lists.activities["indicator_code"]), pcodes=pcodes)


def _staged(cfg: Config, engine) -> bool:
    if FORM_ID not in {f.form for f in cfg.forms}:
        return False
    inspector = sa.inspect(engine)
    return inspector.has_table(MAIN) and inspector.has_table(REPEAT)


@dataclass(frozen=True)
class HrpMarts:
    """The reporting period the marts were written for, its ``fivew_activities`` lines (read once, for the
    indicator progress and the outputs) and what the 5W mart refresh did."""

    start: str
    end: str
    lines: pd.DataFrame
    refresh: Refresh


def build_marts(cfg: Config, load_id: str, lists: Lists, framework: HrpFramework) -> HrpMarts:
    """Bring the 5W lines mart in step with staging (only what changed, ``warehouse.fivew_mart``), then
    write the indicator progress of the reporting period from that period's lines alone."""
    engine = get_engine(cfg.warehouse)
    create_hrp_objects(engine)
    source = Source(MAIN, REPEAT, MAIN_INPUT, ACTIVITY_INPUT)
    done = refresh(engine, source, partial(fivew_lines, lists=lists), lists.fingerprint(), load_id,
                   lookups=lists.lookups(), form_id=FORM_ID)
    log.info("5W lines mart: %d submissions dropped, %d built%s", done.dropped, done.built,
             " (lists changed or first build: every line rebuilt)" if done.full else "")
    period = cfg.reporting_period or {}
    start, end = fivew_period(engine, period.get("start"), period.get("end"))
    lines = read_fivew_lines(engine, period.get("start"), period.get("end"))  # a default bound cuts no line
    progress = indicator_progress(lines, framework, lists, start, end)
    with engine.begin() as conn:
        write_indicator_progress(conn, progress, load_id)
    return HrpMarts(start, end, lines, done)


def run_hrp(cfg: Config, load_id: str) -> list[Path]:
    """Marts and HRP outputs under ``<reports_dir>/hrp``; no file when neither the 5W nor the CPMS form is
    configured and staged."""
    engine = get_engine(cfg.warehouse)
    fivew, cpms = _staged(cfg, engine), cpms_staged(cfg, engine)
    if not fivew and not cpms:
        return []
    files = list_files(cfg)
    period = cfg.reporting_period or {}
    start, end = period.get("start"), period.get("end")
    if fivew:
        lists = Lists.read(files)
        framework = load_checked_framework(cfg, lists)
        marts = build_marts(cfg, load_id, lists, framework)
        start, end = marts.start, marts.end
    cpms_period = build_cpms_marts(cfg, engine, load_id, files, start, end) if cpms else None
    report = load_cpms(engine, cpms_period) if cpms_period else None  # the 5W's period when both run
    out = Path(cfg.reports_dir) / "hrp"
    written = []
    if fivew and start and end:
        data = load_hrp_report_data(engine, framework, lists, country=cfg.country, cluster=cfg.cluster,
                                    start=start, end=end, lines=marts.lines)
        data.cpms = report
        written = write_pmr(out, data) + write_fivew_outputs(out, data, cfg.fivew_workbook_max_lines)
        written.append(write_dashboard(out / f"{stem(data)}_dashboard.html", data))
    if report is not None:
        name = f"cpms_{cfg.country}_{cfg.cluster}_{cpms_period.replace('/', '_')}_hxl.csv".lower()
        written.append(write_cpms_csv(out / name, report, cfg.cluster))
    return written
