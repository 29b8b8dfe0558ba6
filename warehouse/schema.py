"""Warehouse tables (raw, state, quarantine, marts) and the public views, created idempotently.

Staging tables (`stg_<form_id>`, `stg_<form_id>__<repeat>`) are not declared here: they are typed from
the form at load time by `warehouse.staging`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.db import UtcDateTime

metadata = sa.MetaData()

LOAD_STATUSES = ("running", "ok", "failed")
LOAD_COUNTS = ("new", "changed", "unchanged", "deleted", "quarantined", "staged")

loads = sa.Table(
    "loads",
    metadata,
    sa.Column("load_id", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("form_id", sa.Text, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("status", sa.String(16), nullable=False),
    *(sa.Column(f"n_{name}", sa.Integer) for name in LOAD_COUNTS),
    sa.Column("message", sa.Text),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed')", name="ck_loads_status"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("form_id", sa.Text, primary_key=True),
    sa.Column("cursor_value", sa.Text),
    sa.Column("load_id", sa.String(64)),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

raw_submissions = sa.Table(
    "raw_submissions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("load_id", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("form_id", sa.Text, nullable=False),
    sa.Column("submission_key", sa.Text, nullable=False),
    sa.Column("version_key", sa.Text, nullable=False),
    sa.Column("submitted_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("deleted_at", UtcDateTime),
    sa.Column("validation_status", sa.Text),
    sa.Column("payload", sa.Text, nullable=False),  # the source row as JSON text
    sa.UniqueConstraint("form_id", "submission_key", "version_key", name="uq_raw_version"),
)

submission_state = sa.Table(
    "submission_state",
    metadata,
    sa.Column("form_id", sa.Text, primary_key=True),
    sa.Column("submission_key", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("version_key", sa.Text, nullable=False),
    sa.Column("raw_id", sa.BigInteger),
    sa.Column("submitted_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("deleted_at", UtcDateTime),
    sa.Column("validation_status", sa.Text),
    sa.Column("load_id", sa.String(64), nullable=False),
    sa.Column("staged_version_key", sa.Text),
)
# What staging has yet to reflect: the rows of ``warehouse.raw.pending`` and ``pending_deletes``. A partial
# index holds only those (a few thousand on a normal night, however large the form), so finding them reads
# the index, not every submission's state (~0.9 s a night for a million submissions on SQLite).
UNSTAGED = sa.or_(submission_state.c.staged_version_key.is_(None),
                  submission_state.c.staged_version_key != submission_state.c.version_key)
sa.Index("ix_submission_state_unstaged", submission_state.c.form_id, submission_state.c.submission_key,
         sqlite_where=UNSTAGED, postgresql_where=UNSTAGED)

# What staging changed, for the marts that follow a form (``warehouse.changes``): a mart reads the keys
# logged since it last looked instead of comparing every staged submission with what it built.
staging_followed = sa.Table(
    "staging_followed",
    metadata,
    sa.Column("form_id", sa.Text, primary_key=True),
)
staging_changes = sa.Table(
    "staging_changes",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("form_id", sa.Text, nullable=False),
    sa.Column("submission_key", sa.Text, nullable=False),
    sa.Index("ix_staging_changes_form", "form_id", "seq"),
)

writeback_sent = sa.Table(  # verdicts already written back to the servers (flows.writeback)
    "writeback_sent",
    metadata,
    sa.Column("form_id", sa.Text, primary_key=True),
    sa.Column("submission_key", sa.Text, primary_key=True),
    sa.Column("verdict", sa.Text, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=False),
)

quarantine_issues = sa.Table(
    "quarantine_issues",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("load_id", sa.String(64)),
    sa.Column("form_id", sa.Text, nullable=False),
    sa.Column("submission_key", sa.Text, nullable=False),
    sa.Column("version_key", sa.Text),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("field", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("message", sa.Text),
    sa.Column("org", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_quarantine_submission", "form_id", "submission_key"),
)

mart_ccpm_scores = sa.Table(
    "mart_ccpm_scores",
    metadata,
    sa.Column("cycle", sa.Text, primary_key=True),
    sa.Column("unit_type", sa.String(16), primary_key=True),
    sa.Column("unit_code", sa.Text, primary_key=True),
    sa.Column("unit_name", sa.Text),
    sa.Column("score", sa.Float),
    sa.Column("status", sa.Text),
    sa.Column("n_respondents", sa.Integer),
    sa.Column("n_partners", sa.Integer),
    sa.Column("n_coordinators", sa.Integer),
    sa.Column("load_id", sa.String(64)),
)


def _views() -> dict[str, sa.Select]:
    """The public views: stable names and columns (see DESIGN.md) over the internal tables."""
    s, q, m = submission_state.c, quarantine_issues.c, mart_ccpm_scores.c
    return {
        "submissions": sa.select(
            s.source, s.form_id, s.submission_key, s.version_key, s.submitted_at, s.updated_at,
            s.deleted_at, s.validation_status, s.load_id,
        ),
        "quarantine": sa.select(q.form_id, q.submission_key, q.rule, q.field, q.value, q.message, q.org),
        "ccpm_scores": sa.select(
            m.cycle, m.unit_type, m.unit_code, m.score, m.status, m.n_respondents, m.n_partners,
            m.n_coordinators, m.unit_name,
        ),
    }


VIEW_NAMES = tuple(_views())


def create_all(engine: Engine) -> None:
    """Create the tables that are missing and (re)create the public views, in one transaction."""
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
        for index in submission_state.indexes:  # create_all adds none to a table made by an earlier version
            index.create(conn, checkfirst=True)
        create_views(conn)


def create_views(conn: Connection) -> None:
    """Drop and create each public view so its definition always matches this module."""
    quote = conn.dialect.identifier_preparer.quote
    for name, select in _views().items():
        body = select.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(name)}")
        conn.exec_driver_sql(f"CREATE VIEW {quote(name)} AS {body}")
