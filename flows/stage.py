"""Stage one form: raw versions not yet staged → flatten → validate → staging tables and quarantine.

Works batch by batch over ``warehouse.raw.pending`` so memory stays flat however large the night; each
batch's staging rows, quarantine issues and "staged" marks commit in one transaction, so a crash leaves
the batch pending for the next run and nothing is staged twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from flows.config import Config
from forms.definition import load_form
from forms.lists import ListFiles, read_rows
from transforms.flatten import flatten
from transforms.validate import Context, validate
from warehouse import quarantine, raw, staging
from warehouse.db import engine as get_engine


@dataclass
class StageSummary:
    form: str
    staged: int = 0
    quarantined: int = 0
    deleted: int = 0
    issues: list[pd.DataFrame] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"form": self.form, "staged": self.staged, "quarantined": self.quarantined,
                "deleted": self.deleted}


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
    if period.get("start") and period.get("end"):
        window = (date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"])))
    return Context(partners=partners, gazetteer=gazetteer, window=window)


def stage_batch(url: str, form, records: list[dict], context: Context, load_id: str,
                summary: StageSummary, collect: list | None = None) -> None:
    tables = flatten(form, records)
    clean, issues = validate(form, tables, context, collect=collect)
    bad = set(issues["submission_key"].dropna())
    keys = [r["submission_key"] for r in records]
    with get_engine(url).begin() as conn:
        staging.delete_submissions(conn, form.form_id, sorted(bad))
        staging.replace(conn, form.form_id, clean)
        quarantine.replace_issues(conn, form.form_id, keys, issues, load_id)
        raw.mark_staged(conn, form.form_id, [(r["submission_key"], r["version_key"]) for r in records])
    summary.staged += len(keys) - len(bad & set(keys))
    summary.quarantined += len(bad & set(keys))
    if len(issues):
        summary.issues.append(issues)


def stage_deletes(url: str, form_id: str, load_id: str, summary: StageSummary) -> None:
    """Remove deleted submissions from staging (raw keeps every version, with ``deleted_at``)."""
    gone = raw.pending_deletes(get_engine(url), form_id)
    if not gone:
        return
    with get_engine(url).begin() as conn:
        staging.delete_submissions(conn, form_id, [key for key, _ in gone])
        quarantine.replace_issues(conn, form_id, [key for key, _ in gone], None, load_id)
        raw.mark_staged(conn, form_id, gone)
    summary.deleted += len(gone)


def stage_form(cfg: Config, form_id: str, load_id: str, context: Context | None = None,
               collect: list | None = None, batch_size: int = 5000) -> StageSummary:
    form = load_form(form_id, lists=list_files(cfg))
    context = context if context is not None else validation_context(cfg)
    summary = StageSummary(form_id)
    for records in raw.pending(get_engine(cfg.warehouse), form_id, batch_size=batch_size):
        stage_batch(cfg.warehouse, form, records, context, load_id, summary, collect)
    stage_deletes(cfg.warehouse, form_id, load_id, summary)
    return summary
