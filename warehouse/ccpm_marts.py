"""CCPM cycles, action plans and partner-commitment scores: tables, public view and their writers.

- ``ccpm_cycles``: one row per CCPM exercise (cycle, country, cluster, level, start, end, status). Scores of
  every cycle stay side by side in ``mart_ccpm_scores`` (keyed by cycle); this table says which cycle came
  before which (same country, cluster and level, earlier start).
- ``ccpm_actions``: the action plan, one row per action (key cycle + sub-function + ``action_key``, the
  normalised action text; a pre-filled row waiting for the workshop has an empty key). A cycle's rows are
  replaced whole by ``replace_actions`` (the merge rules live in ``transforms.ccpm_actions``).
- ``mart_partner_commitment_scores`` and its public view ``partner_commitment_scores``.
Works on SQLite and PostgreSQL. ``create_ccpm_objects(engine)`` is idempotent.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.columns import to_values
from warehouse.db import UtcDateTime, dialect_insert

metadata = sa.MetaData()
CYCLE_STATUSES = ("preliminary", "final")
CYCLE_COLUMNS = ["cycle", "country", "cluster", "level", "start", "end", "status"]
ACTION_TEXT = ["subfunction", "action_key", "status", "action", "responsible", "deadline", "support_needed",
               "support_details", "progress", "progress_notes", "source_submission"]
ACTION_COLUMNS = ["cycle", *ACTION_TEXT, "updated_at"]
COMMITMENT_TEXT = ["unit_type", "unit_code", "unit_name", "status"]
COMMITMENT_COLUMNS = ["cycle", "unit_type", "unit_code", "unit_name", "score", "status", "n_respondents"]

ccpm_cycles = sa.Table(
    "ccpm_cycles", metadata,
    sa.Column("cycle", sa.Text, primary_key=True),
    sa.Column("country", sa.Text, nullable=False),
    sa.Column("cluster", sa.Text, nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("start", sa.Text),  # ISO dates (YYYY-MM-DD): sort and compare as text on both databases
    sa.Column("end", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("updated_at", UtcDateTime),
    sa.CheckConstraint("status IN ('preliminary', 'final')", name="ck_ccpm_cycles_status"),
)

ccpm_actions = sa.Table(
    "ccpm_actions", metadata,
    sa.Column("cycle", sa.Text, primary_key=True),
    sa.Column("subfunction", sa.Text, primary_key=True),
    sa.Column("action_key", sa.Text, primary_key=True),
    *(sa.Column(c, sa.Text) for c in ACTION_TEXT if c not in ("subfunction", "action_key")),
    sa.Column("updated_at", UtcDateTime),
)

mart_partner_commitment_scores = sa.Table(
    "mart_partner_commitment_scores", metadata,
    sa.Column("cycle", sa.Text, primary_key=True),
    sa.Column("unit_type", sa.String(16), primary_key=True),
    sa.Column("unit_code", sa.Text, primary_key=True),
    sa.Column("unit_name", sa.Text),
    sa.Column("score", sa.Float),
    sa.Column("status", sa.Text),
    sa.Column("n_respondents", sa.Integer),
    sa.Column("load_id", sa.String(64)),
)


def create_ccpm_objects(engine: Engine) -> None:
    """Create the CCPM cycle, action and commitment tables if missing and (re)create the public view."""
    m = mart_partner_commitment_scores.c
    view = sa.select(*(m[c] for c in COMMITMENT_COLUMNS))
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
        quote = conn.dialect.identifier_preparer.quote
        body = view.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote('partner_commitment_scores')}")
        conn.exec_driver_sql(f"CREATE VIEW {quote('partner_commitment_scores')} AS {body}")


def upsert_cycle(conn: Connection, cycle: dict, updated_at) -> None:
    """Insert or update one cycle's metadata (keys of ``CYCLE_COLUMNS``)."""
    if cycle.get("status") not in CYCLE_STATUSES:
        raise ValueError(f"CCPM cycle {cycle.get('cycle')!r}: status must be one of {CYCLE_STATUSES}, "
                         f"got {cycle.get('status')!r}; set ccpm.status in clustermon.yaml")
    row = {c: (None if cycle.get(c) is None else str(cycle[c])) for c in CYCLE_COLUMNS}
    row["updated_at"] = updated_at
    insert = dialect_insert(conn, ccpm_cycles).values(**row)
    conn.execute(insert.on_conflict_do_update(index_elements=["cycle"],
                                              set_={k: v for k, v in row.items() if k != "cycle"}))


def read_cycles(engine: Engine) -> pd.DataFrame:
    """Every cycle's metadata, oldest first (by start date, then name)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*(ccpm_cycles.c[c] for c in CYCLE_COLUMNS))).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=CYCLE_COLUMNS, dtype=object)
    return frame.sort_values(["start", "cycle"], key=lambda s: s.fillna(""), ignore_index=True)


def previous_cycle(engine: Engine, cycle: str) -> str | None:
    """The cycle before ``cycle``: same country, cluster and level, started earlier (or, without start
    dates, named earlier). None when it is the first."""
    cycles = read_cycles(engine)
    current = cycles[cycles["cycle"] == str(cycle)]
    if current.empty:
        return None
    me = current.iloc[0]
    same = cycles[(cycles["country"] == me["country"]) & (cycles["cluster"] == me["cluster"])
                  & (cycles["level"] == me["level"]) & (cycles["cycle"] != me["cycle"])]
    mine = (me["start"] or "", me["cycle"])
    earlier = [c for c, s in zip(same["cycle"], same["start"]) if (s or "", c) < mine]
    return earlier[-1] if earlier else None


def read_actions(engine: Engine, cycle: str) -> pd.DataFrame:
    """The action plan of one cycle (every ``ACTION_COLUMNS`` column)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*(ccpm_actions.c[c] for c in ACTION_COLUMNS))
                            .where(ccpm_actions.c.cycle == str(cycle))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=ACTION_COLUMNS, dtype=object)


def replace_actions(conn: Connection, cycle: str, actions: pd.DataFrame) -> int:
    """Replace the action plan of ``cycle`` with ``actions`` (from ``transforms.ccpm_actions``)."""
    missing = [c for c in ACTION_COLUMNS if c not in actions.columns and c != "cycle"]
    if missing:
        raise ValueError(f"CCPM action plan of cycle {cycle!r} lacks the columns {missing}")
    conn.execute(ccpm_actions.delete().where(ccpm_actions.c.cycle == str(cycle)))
    names = [c for c in ACTION_COLUMNS if c != "cycle"]
    columns = [to_values(actions[c], "timestamp" if c == "updated_at" else "text") for c in names]
    rows = [{**dict(zip(names, values)), "cycle": str(cycle)} for values in zip(*columns)]
    for row in rows:
        row["action_key"] = row["action_key"] or ""
    if rows:
        conn.execute(ccpm_actions.insert(), rows)
    return len(rows)


def write_partner_commitment_scores(conn: Connection, cycle: str, df: pd.DataFrame, load_id: str) -> int:
    """Replace the partner-commitment scores of ``cycle`` with ``df`` (``transforms.ccpm_commitments``)."""
    table = mart_partner_commitment_scores
    conn.execute(table.delete().where(table.c.cycle == str(cycle)))
    kinds = {**{c: "text" for c in COMMITMENT_TEXT}, "score": "float", "n_respondents": "integer"}
    columns = [to_values(df[c], kind) for c, kind in kinds.items()]
    rows = [{**dict(zip(kinds, values)), "cycle": str(cycle), "load_id": load_id} for values in zip(*columns)]
    if rows:
        conn.execute(table.insert(), rows)
    return len(rows)


def read_partner_commitment_scores(engine: Engine, cycle: str) -> pd.DataFrame:
    """The rows of the public view ``partner_commitment_scores`` for one cycle."""
    query = sa.text(f"SELECT {', '.join(COMMITMENT_COLUMNS)} FROM partner_commitment_scores WHERE cycle = :c")
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn, params={"c": str(cycle)})
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    return frame
