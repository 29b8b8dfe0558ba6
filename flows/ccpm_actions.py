"""Keep the CCPM action plan of the configured cycle up to date in ``ccpm_actions``.

A final cycle pre-fills one row per red or orange sub-function; staged ``ccpm_action_plan`` submissions
(main table ``stg_ccpm_action_plan``, repeat ``stg_ccpm_action_plan__actions``) of the cycle's level, from
workshops on or after the cycle's start, then update it (rules in ``transforms.ccpm_actions``).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa

from flows.config import Config
from forms.definition import load_form
from transforms.ccpm_actions import merge_actions, prefill
from transforms.ccpm_actions import submission_updates
from transforms.flatten import table_name
from warehouse import ccpm_marts, staging
from warehouse.db import engine as get_engine

ACTION_PLAN_FORM = "ccpm_action_plan"
ACTIONS_REPEAT = "actions"


def _level_code(level: str) -> str:
    """Config ``sub-national`` / ``subnational`` → the form's choice ``subnational``."""
    return str(level).replace("-", "").replace("_", "").lower()


def action_submissions(cfg: Config) -> pd.DataFrame | None:
    """Submitted actions for the configured cycle, oldest first; None when the form was never staged."""
    form = load_form(ACTION_PLAN_FORM)
    engine = get_engine(cfg.warehouse)
    try:
        main = staging.read_table(engine, table_name(form))
        repeat = staging.read_table(engine, table_name(form, ACTIONS_REPEAT))
    except (LookupError, sa.exc.NoSuchTableError):
        return None
    return submission_updates(form, main, repeat, level=_level_code(cfg.ccpm.level), since=cfg.ccpm.start)


def update_action_plan(cfg: Config, scores: pd.DataFrame, now: datetime | None = None) -> pd.DataFrame:
    """Pre-fill (final cycles) and apply submissions; store and return the cycle's action plan."""
    engine = get_engine(cfg.warehouse)
    cycle = cfg.ccpm.cycle
    plan = ccpm_marts.read_actions(engine, cycle).drop(columns="cycle")
    if cfg.ccpm.status == "final":
        plan = prefill(plan, scores, now or datetime.now(timezone.utc))
    updates = action_submissions(cfg)
    if updates is not None and not updates.empty:
        plan = merge_actions(plan, updates)
    with engine.begin() as conn:
        ccpm_marts.replace_actions(conn, cycle, plan)
    return plan
