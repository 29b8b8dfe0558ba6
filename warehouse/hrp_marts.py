"""HRP marts and their public views: 5W activity lines, indicator progress and CPMS indicator progress
(SQLite and PostgreSQL).

``mart_fivew_activities`` mirrors the staged 5W, kept in step incrementally by ``warehouse.fivew_mart``:
``mart_fivew_built`` records the staged ``version_key`` each submission's lines were built from and
``mart_fivew_inputs`` the fingerprint of the reference lists they were joined with. Its month index lets
reports read one reporting period without scanning the history (``warehouse.hrp_reads``).
``mart_hrp_indicator_progress`` holds one reporting period's figures, replaced whole for that period, so the
PMRs of earlier periods stay queryable. ``mart_cpms_indicator_progress`` (one row per CPMS indicator of the
group's priority standards) and ``mart_cpms_priority`` (the group's choice and the 4–10 standards / one per
pillar verdict) are replaced per reporting period the same way. Reports read the views ``fivew_activities``,
``hrp_indicator_progress``, ``cpms_indicator_progress`` and ``cpms_priority_standards`` only.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse import bulk
from warehouse.columns import to_values

metadata = sa.MetaData()
FIVEW_TEXT = ["reporting_org", "implementing_partner", "org_type", "month", "date_start", "date_end",
              "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "site", "activity_code",
              "activity_name", "indicator_code", "unit", "modality", "population_group"]
FIVEW_NUMBERS = ["quantity", "reached_total", "reached_new",
                 *(f"{kind}_{g}" for kind in ("total", "new")
                   for g in ("girls", "boys", "women", "men", "elderly_women", "elderly_men")),
                 "pwd_total", "pwd_new"]
PROGRESS_TEXT = ["indicator_code", "admin_pcode", "period", "period_type", "period_start", "period_end", "unit"]
PROGRESS_NUMBERS = ["achieved", "target", "baseline", "progress", "in_need", "reached_over_target",
                    "numerator", "denominator"]
CPMS_TEXT = ["standard", "pillar", "kind", "measure", "indicator_en", "target"]
CPMS_NUMBERS = ["numerator", "denominator", "num_girls", "num_boys", "num_age_0_5", "num_age_6_11",
                "num_age_12_17", "num_disability", "yes", "value"]

mart_fivew_activities = sa.Table(
    "mart_fivew_activities", metadata,
    sa.Column("submission_key", sa.Text, primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True),
    *(sa.Column(c, sa.Text) for c in FIVEW_TEXT),
    sa.Column("counts_people", sa.Boolean),
    *(sa.Column(c, sa.BigInteger) for c in FIVEW_NUMBERS),
    sa.Column("load_id", sa.String(64)),
    sa.Index("ix_mart_fivew_activities_month", "month"),
)

mart_fivew_built = sa.Table(
    "mart_fivew_built", metadata,
    sa.Column("submission_key", sa.Text, primary_key=True),
    sa.Column("version_key", sa.Text),
    sa.Column("load_id", sa.String(64)),
)

mart_fivew_inputs = sa.Table(
    "mart_fivew_inputs", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text),
)
FIVEW_KINDS = {"submission_key": "text", "ordinal": "integer", **{c: "text" for c in FIVEW_TEXT},
               "counts_people": "boolean", **{c: "integer" for c in FIVEW_NUMBERS}}

mart_hrp_indicator_progress = sa.Table(
    "mart_hrp_indicator_progress", metadata,
    sa.Column("reporting_period", sa.Text, primary_key=True),
    sa.Column("indicator_code", sa.Text, primary_key=True),
    sa.Column("admin_pcode", sa.Text, primary_key=True),
    sa.Column("period", sa.Text, primary_key=True),
    sa.Column("admin_level", sa.Integer, nullable=False),
    *(sa.Column(c, sa.Text) for c in PROGRESS_TEXT if c not in ("indicator_code", "admin_pcode", "period")),
    *(sa.Column(c, sa.Float) for c in PROGRESS_NUMBERS),
    sa.Column("load_id", sa.String(64)),
)

mart_cpms_indicator_progress = sa.Table(
    "mart_cpms_indicator_progress", metadata,
    sa.Column("reporting_period", sa.Text, primary_key=True),
    sa.Column("indicator_code", sa.Text, primary_key=True),
    *(sa.Column(c, sa.Text) for c in CPMS_TEXT),
    sa.Column("reports", sa.Integer),
    *(sa.Column(c, sa.Float) for c in CPMS_NUMBERS),
    sa.Column("met", sa.Boolean),
    sa.Column("load_id", sa.String(64)),
)

mart_cpms_priority = sa.Table(
    "mart_cpms_priority", metadata,
    sa.Column("reporting_period", sa.Text, primary_key=True),
    sa.Column("has_response_plan", sa.Boolean),
    sa.Column("standards", sa.Text),
    sa.Column("rule_passed", sa.Boolean),
    sa.Column("rule_message", sa.Text),
    sa.Column("reports", sa.Integer),
    sa.Column("load_id", sa.String(64)),
)


def _views() -> dict[str, sa.Select]:
    f, p = mart_fivew_activities.c, mart_hrp_indicator_progress.c
    fivew = [f.submission_key, f.ordinal, *(f[c] for c in FIVEW_TEXT), f.counts_people,
             *(f[c] for c in FIVEW_NUMBERS)]
    progress = [p.indicator_code, p.admin_pcode, p.period, p.achieved, p.target, p.baseline, p.progress,
                p.reporting_period, p.admin_level, p.period_type, p.period_start, p.period_end, p.unit,
                p.in_need, p.reached_over_target, p.numerator, p.denominator]
    cpms = [c for c in mart_cpms_indicator_progress.c if c.name != "load_id"]
    priority = [c for c in mart_cpms_priority.c if c.name != "load_id"]
    return {"fivew_activities": sa.select(*fivew), "hrp_indicator_progress": sa.select(*progress),
            "cpms_indicator_progress": sa.select(*cpms), "cpms_priority_standards": sa.select(*priority)}


def create_hrp_objects(engine: Engine) -> None:
    """Create the HRP mart tables and indexes if missing and (re)create their public views, in one
    transaction (indexes one by one: ``create_all`` adds none to a table made by an earlier version)."""
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
        for index in mart_fivew_activities.indexes:
            index.create(conn, checkfirst=True)
        quote = conn.dialect.identifier_preparer.quote
        for name, select in _views().items():
            body = select.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(name)}")
            conn.exec_driver_sql(f"CREATE VIEW {quote(name)} AS {body}")


def _rows(df: pd.DataFrame, kinds: dict[str, str], extra: dict) -> list[dict]:
    missing = [c for c in kinds if c not in df.columns]
    if missing:
        raise ValueError(f"HRP mart rows lack the columns {missing}; build them with transforms.hrp_*")
    columns = [to_values(df[c], kind) for c, kind in kinds.items()]
    return [{**dict(zip(kinds, values)), **extra} for values in zip(*columns)]


def insert_fivew_lines(conn: Connection, df: pd.DataFrame, load_id: str) -> int:
    """Add ``df`` (transforms.hrp_fivew lines) to ``mart_fivew_activities`` through the bulk path (COPY on
    PostgreSQL): the nightly refresh writes up to millions of lines."""
    missing = [c for c in FIVEW_KINDS if c not in df.columns]
    if missing:
        raise ValueError(f"HRP mart rows lack the columns {missing}; build them with transforms.hrp_*")
    names = [*FIVEW_KINDS, "load_id"]
    columns = [to_values(df[c], kind) for c, kind in FIVEW_KINDS.items()] + [[load_id] * len(df)]
    bulk.insert(conn, mart_fivew_activities, names, columns)
    return len(df)


def write_fivew_activities(conn: Connection, df: pd.DataFrame, load_id: str) -> int:
    """Replace every row of ``mart_fivew_activities`` with ``df`` and forget what the lines were built from,
    so the next ``warehouse.fivew_mart.refresh`` rebuilds the mart from staging."""
    for table in (mart_fivew_activities, mart_fivew_built, mart_fivew_inputs):
        conn.execute(table.delete())
    return insert_fivew_lines(conn, df, load_id)


def write_indicator_progress(conn: Connection, df: pd.DataFrame, load_id: str) -> int:
    """Replace the rows of the reporting period(s) in ``df`` (transforms.hrp_indicators output).

    The reporting period is the ``period`` of the rows whose ``period_type`` is ``period``.
    """
    kinds = {"indicator_code": "text", "admin_pcode": "text", "period": "text", "admin_level": "integer",
             **{c: "text" for c in PROGRESS_TEXT[3:]}, **{c: "float" for c in PROGRESS_NUMBERS}}
    whole = df[df["period_type"] == "period"]["period"].dropna().unique().tolist()
    if len(whole) > 1:
        raise ValueError(f"Indicator progress mixes reporting periods {whole}; write one period at a time")
    if not whole:
        return 0
    rows = _rows(df, kinds, {"load_id": load_id, "reporting_period": whole[0]})
    table = mart_hrp_indicator_progress
    conn.execute(table.delete().where(table.c.reporting_period == whole[0]))
    conn.execute(table.insert(), rows)
    return len(rows)


def write_cpms_progress(conn: Connection, df: pd.DataFrame, reporting_period: str, load_id: str) -> int:
    """Replace the CPMS indicator rows of ``reporting_period`` (``start/end``) with ``df``
    (transforms.cpms_progress rows with ``pillar``, ``kind`` and ``indicator_en`` added)."""
    kinds = {"indicator_code": "text", **{c: "text" for c in CPMS_TEXT}, "reports": "integer",
             **{c: "float" for c in CPMS_NUMBERS}, "met": "boolean"}
    rows = _rows(df, kinds, {"load_id": load_id, "reporting_period": reporting_period})
    table = mart_cpms_indicator_progress
    conn.execute(table.delete().where(table.c.reporting_period == reporting_period))
    if rows:
        conn.execute(table.insert(), rows)
    return len(rows)


def write_cpms_priority(conn: Connection, priority, reporting_period: str, load_id: str) -> None:
    """Replace the group's priority choice of ``reporting_period`` (a transforms.cpms_progress.Priority;
    None when no report falls in the period: the period's row is removed)."""
    table = mart_cpms_priority
    conn.execute(table.delete().where(table.c.reporting_period == reporting_period))
    if priority is None:
        return
    conn.execute(table.insert(), [{
        "reporting_period": reporting_period, "has_response_plan": priority.has_response_plan,
        "standards": " ".join(priority.standards), "rule_passed": priority.passed,
        "rule_message": priority.message, "reports": priority.reports, "load_id": load_id}])
