"""Stage one form: raw versions not yet staged → flatten → validate → staging tables and quarantine.

Works batch by batch over ``warehouse.raw.pending`` so memory stays flat however large the night; each
batch's staging rows, quarantine issues and "staged" marks commit in one transaction, so a crash leaves
the batch pending for the next run and nothing is staged twice.

Schema drift (see ``warehouse`` for the policy): a changed question type stops that form's staging with
``SchemaDriftError`` (its batch stays pending, the other forms go on: ``stage_all``); a question that looks
renamed (a staged column the form no longer has, and a new column of the same type) is staged as a new
column and reported in ``StageSummary.warnings``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from flows.config import Config
from forms.definition import load_form
from forms.lists import ListFiles, read_rows
from transforms.flatten import flatten
from transforms.validate import Context, validate
from warehouse import quarantine, raw, staging
from warehouse.columns import kind_of_dtype, kind_of_sql
from warehouse.db import engine as get_engine, writing

log = logging.getLogger(__name__)


# Submissions flattened and validated together. Great Expectations costs mostly per validation call, not
# per row (bench: 143 µs/row in batches of 5,000, 46 µs/row at 20,000), so batches are large; memory
# stays bounded by the batch, not by the night.
STAGE_BATCH = 20_000


@dataclass
class StageSummary:
    form: str
    staged: int = 0
    quarantined: int = 0
    deleted: int = 0
    issues: list[pd.DataFrame] = field(default_factory=list, repr=False)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"form": self.form, "staged": self.staged, "quarantined": self.quarantined,
                "deleted": self.deleted, "warnings": list(self.warnings)}


def list_files(cfg: Config) -> ListFiles:
    """The gazetteer, partner, activity and CPMS lists: the shipped samples unless `lists:` names others."""
    unknown = set(cfg.lists) - set(ListFiles.__dataclass_fields__)
    if unknown:
        raise ValueError(f"lists: unknown keys {sorted(unknown)}; use {', '.join(ListFiles.__dataclass_fields__)}")
    return ListFiles(**{name: Path(path) for name, path in cfg.lists.items()})


def validation_context(cfg: Config, lists: ListFiles | None = None) -> Context:
    """Partner list, gazetteer and reporting window for the business rules."""
    lists = lists or list_files(cfg)
    partners = [r["code"] for r in read_rows(Path(lists.partners), ["code"])]
    gaz = read_rows(Path(lists.gazetteer), ["admin1Pcode", "admin2Pcode"])
    gazetteer = pd.DataFrame(
        [{"pcode": r["admin2Pcode"], "parent_pcode": r["admin1Pcode"]} for r in gaz]
        + [{"pcode": p, "parent_pcode": None} for p in dict.fromkeys(r["admin1Pcode"] for r in gaz)])
    period = cfg.reporting_period or {}
    window = None
    if cfg.check_reporting_window and period.get("start") and period.get("end"):
        window = (date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"])))
    return Context(partners=partners, gazetteer=gazetteer, window=window)


def stage_batch(url: str, form, records: list[dict], context: Context, load_id: str,
                summary: StageSummary, collect: list | None = None) -> None:
    tables = flatten(form, records)
    clean, issues = validate(form, tables, context, collect=collect)
    bad = set(issues["submission_key"].dropna())
    keys = [r["submission_key"] for r in records]
    with writing(get_engine(url)).begin() as conn:  # the pull process may land pages meanwhile
        warnings = renamed_questions(conn, form.form_id, clean)
        staging.delete_submissions(conn, form.form_id, sorted(bad))
        staging.replace(conn, form.form_id, clean)
        quarantine.replace_issues(conn, form.form_id, keys, issues, load_id)
        raw.mark_staged(conn, form.form_id, [(r["submission_key"], r["version_key"]) for r in records])
    summary.staged += len(keys) - len(bad & set(keys))
    summary.quarantined += len(bad & set(keys))
    summary.warnings += warnings
    if len(issues):
        summary.issues.append(issues)


def stage_deletes(url: str, form_id: str, load_id: str, summary: StageSummary) -> None:
    """Remove deleted submissions from staging (raw keeps every version, with ``deleted_at``)."""
    gone = raw.pending_deletes(get_engine(url), form_id)
    if not gone:
        return
    with writing(get_engine(url)).begin() as conn:
        staging.delete_submissions(conn, form_id, [key for key, _ in gone])
        quarantine.replace_issues(conn, form_id, [key for key, _ in gone], None, load_id)
        raw.mark_staged(conn, form_id, gone)
    summary.deleted += len(gone)


def renamed_questions(conn, form_id: str, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Warnings for questions that look renamed: a column about to be added to an existing staging table
    while a column of the same type that the form no longer has stays behind. Said once, when the new
    column is added. The old column is kept: submissions staged before keep their answers there."""
    inspector, warnings = sa.inspect(conn), []
    for name, frame in tables.items():
        if not inspector.has_table(name):
            continue
        existing = {c["name"]: kind_of_sql(c["type"]) for c in inspector.get_columns(name)}
        gone = [c for c in existing if c not in frame.columns]
        for column in (str(c) for c in frame.columns if str(c) not in existing):
            kind = kind_of_dtype(frame[column].dtype)
            olds = [c for c in gone if existing[c] == kind]
            if olds:
                warnings.append(_rename_warning(form_id, name, column, olds, kind))
    return warnings


def _rename_warning(form_id: str, table: str, new: str, olds: list[str], kind: str) -> str:
    old = " or ".join(repr(c) for c in olds)
    return (f"form {form_id}: staging table {table!r} gets the new {kind} column {new!r} while {old} (same "
            f"type) is no longer in the form. If {new!r} is {old} renamed: submissions staged before keep "
            f"their answer in {old} and new ones fill {new!r} (read both with COALESCE). Do not re-stage "
            f"this form (raw.restage) until the old answers are copied into {new!r}: re-staged or edited "
            f"old submissions lose them from {old} (raw keeps every payload).")


def stage_form(cfg: Config, form_id: str, load_id: str, context: Context | None = None,
               collect: list | None = None, batch_size: int = STAGE_BATCH, form=None) -> StageSummary:
    """Stage every pending submission (and delete) of one form; ``form`` overrides the shipped FormDef.

    Raises ``staging.SchemaDriftError`` when a question changed type: the batch being staged rolls back
    and stays pending (batches committed before it stay staged), so a rerun after the fix loads it."""
    form = form or load_form(form_id, lists=list_files(cfg))
    context = context if context is not None else validation_context(cfg)
    summary = StageSummary(form_id)
    for records in raw.pending(get_engine(cfg.warehouse), form_id, batch_size=batch_size):
        stage_batch(cfg.warehouse, form, records, context, load_id, summary, collect)
    stage_deletes(cfg.warehouse, form_id, load_id, summary)
    return summary


class Stager:
    """Stages a form's records as the pull lands them, from memory, in batches of ``batch_size``.

    The pull hands over each committed page's new current versions (``flows.pull.land_batches``); the
    stager keeps the latest record per submission and stages a full batch with ``stage_batch``, so a
    night parses and reads every payload once. A batch that fails (schema drift, a database error)
    stops staging as the pull goes, never the pull: its records and every later one stay pending in raw,
    and ``stage_form`` after the pull stages them or reports the failure as a night without the stager
    does. ``summary`` counts what was staged; ``collect`` receives the GX validation results.
    """

    def __init__(self, cfg: Config, form_id: str, load_id: str, context: Context | None = None,
                 collect: list | None = None, batch_size: int = STAGE_BATCH):
        self.url, self.load_id, self.batch_size, self.collect = cfg.warehouse, load_id, batch_size, collect
        self.form = load_form(form_id, lists=list_files(cfg))
        self.context = context if context is not None else validation_context(cfg)
        self.summary = StageSummary(form_id)
        self.pending: dict[str, dict] = {}
        self.stopped: Exception | None = None

    def add(self, records: list[dict]) -> None:
        if self.stopped is not None:
            return
        for record in records:
            self.pending[record["submission_key"]] = record
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        records, self.pending = list(self.pending.values()), {}
        if not records or self.stopped is not None:
            return
        try:
            stage_batch(self.url, self.form, records, self.context, self.load_id, self.summary, self.collect)
        except Exception as exc:  # left pending for stage_form, which reports it
            self.stopped = exc
            log.warning("form %s: staging during the pull stopped (%s: %s); what is not staged stays pending "
                        "for the staging step", self.form.form_id, type(exc).__name__, exc)


def stage_all(cfg: Config, stage: Callable, load_id: str, context: Context | None = None,
              logger=None) -> tuple[list[dict], list[dict]]:
    """Stage every configured form with ``stage(cfg, form_id, load_id, context) -> dict``; a form that
    fails is logged and listed and the other forms still stage (as ``flows.pull.pull_all``). Returns the
    stage results and ``{form, source, message, stage: True}`` of the forms that failed."""
    logger = logger or log
    staged, failed = [], []
    for form in cfg.forms:
        try:
            staged.append(stage(cfg, form.form, load_id, context))
        except Exception as exc:  # one form's failure must not stop the night
            message = stage_failure_message(form.form, exc)
            logger.error("%s", message)
            failed.append({"form": form.form, "source": form.source, "message": message, "stage": True})
    return staged, failed


def stage_failure_message(form_id: str, exc: Exception) -> str:
    """What failed and what to do: the pending submissions wait (nothing is lost) for a rerun."""
    if isinstance(exc, staging.SchemaDriftError):
        return (f"form {form_id}: staging stopped on a schema change; the night goes on with the other forms. {exc} "
                f"Its submissions not yet staged stay pending in raw and load on the next run after the fix.")
    return (f"form {form_id}: staging failed ({type(exc).__name__}: {exc}); the night goes on with the other forms and "
            f"this form's submissions not yet staged stay pending for the next run.")
