"""The nightly Prefect flow: ingest → flatten → validate → load → score → report.

Flows wire tasks; the logic lives in plain functions (flows.pull, flows.stage, flows.ccpm) that tests call
directly. One form's failed pull is reported and the night goes on: the other forms still load, everything
already landed is still staged, and the next night resumes from the last committed cursor.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import ccpm, progress
from flows.config import Config, load_config
from flows.pull import pull_all, pull_form
from flows.stage import stage_all, stage_form, validation_context
from warehouse import schema, state
from warehouse.db import engine as get_engine

SUMMARY_ARTIFACT_KEY = "clustermon-night-summary"


@task(name="pull", cache_policy=NO_CACHE, task_run_name="pull-{form.form}")
def pull_task(cfg: Config, form) -> dict:
    return pull_form(cfg, form, progress=progress.report_pull)


@task(name="stage", cache_policy=NO_CACHE, task_run_name="stage-{form_id}")
def stage_task(cfg: Config, form_id: str, load_id: str, context) -> dict:
    collect = []
    summary = stage_form(cfg, form_id, load_id, context, collect=collect)
    issues = summary.issues
    result = summary.as_dict()
    result["issues"] = issues
    result["validation_results"] = collect
    return result


@task(name="write-back", cache_policy=NO_CACHE)
def writeback_task(cfg: Config) -> dict:
    from flows.writeback import write_back

    return write_back(cfg, cfg.write_back_kobo_status, cfg.write_back_odk_state)


@task(name="score-ccpm", cache_policy=NO_CACHE)
def score_task(cfg: Config, load_id: str):
    inputs = ccpm.gather(cfg)
    return ccpm.score_cycle(cfg, load_id, inputs), inputs


@task(name="report-ccpm", cache_policy=NO_CACHE)
def report_task(cfg: Config, inputs) -> list[str]:
    return [str(p) for p in ccpm.write_report(cfg, inputs)]


@task(name="hrp-monitoring", cache_policy=NO_CACHE)
def hrp_task(cfg: Config, load_id: str) -> list[str]:
    from flows.hrp import run_hrp

    return [str(p) for p in run_hrp(cfg, load_id)]


@task(name="validation-feedback", cache_policy=NO_CACHE)
def feedback_task(cfg: Config, stage_results: list[dict]) -> list[str]:
    from flows.feedback import write_feedback

    return [str(p) for p in write_feedback(cfg, stage_results)]


def run_night(cfg: Config) -> dict:
    """The night as plain calls of the tasks above (inside a flow run they are tracked task runs)."""
    logger = get_run_logger()
    schema.create_all(get_engine(cfg.warehouse))
    night_id = state.start_load(get_engine(cfg.warehouse), "night", "*")
    pulls, failed = pull_all(cfg, pull_task, logger)
    context = validation_context(cfg)
    staged, stage_failed = stage_all(cfg, stage_task, night_id, context, logger)
    written = writeback_task(cfg) if cfg.write_back else {"sent": {}, "failed": []}
    failed = failed + stage_failed + written["failed"]
    scores, inputs = score_task(cfg, night_id)
    files = report_task(cfg, inputs) + hrp_task(cfg, night_id) + feedback_task(cfg, staged)
    summary = night_summary(pulls, staged, failed, scores, files)
    summary["warnings"] = [w for s in staged for w in s.get("warnings", [])]
    summary["written_back"] = written["sent"]
    state.finish_load(get_engine(cfg.warehouse), night_id, "failed" if failed else "ok",
                      {"new": summary["new"], "changed": summary["changed"], "deleted": summary["deleted"],
                       "quarantined": summary["quarantined"], "staged": summary["staged"]},
                      message="; ".join(f["message"] for f in failed) or None)
    create_markdown_artifact(key=SUMMARY_ARTIFACT_KEY, markdown=summary_markdown(summary),
                             description="Cluster Monitor nightly run")
    return summary


PULL_COUNTS = ("pages", "rows", "new", "changed", "deleted", "unchanged")
STAGE_COUNTS = ("staged", "quarantined")


def per_form(pulls: list[dict], staged: list[dict]) -> dict[str, dict]:
    """Counts per form: what its pull read and what its staging loaded or held back."""
    forms: dict[str, dict] = {}
    for p in pulls:
        forms.setdefault(p["form"], {}).update({k: p[k] for k in PULL_COUNTS})
    for s in staged:
        forms.setdefault(s["form"], {}).update({k: s[k] for k in STAGE_COUNTS})
    return forms


def night_summary(pulls: list[dict], staged: list[dict], failed: list[dict], scores, files) -> dict:
    functions = scores[scores["unit_type"] == "function"]
    return {
        "pulled": sum(p["rows"] for p in pulls),
        "new": sum(p["new"] for p in pulls), "changed": sum(p["changed"] for p in pulls),
        "deleted": sum(p["deleted"] for p in pulls), "unchanged": sum(p["unchanged"] for p in pulls),
        "staged": sum(s["staged"] for s in staged), "quarantined": sum(s["quarantined"] for s in staged),
        "forms": per_form(pulls, staged),
        "failed": failed,
        "functions": [{"code": r.unit_code, "name": r.unit_name, "score": r.score, "status": r.status}
                      for r in functions.itertuples()],
        "files": files,
    }


def summary_markdown(summary: dict) -> str:
    lines = ["# Cluster Monitor night", "",
             f"Pulled {summary['pulled']} rows: {summary['new']} new, {summary['changed']} changed, "
             f"{summary['deleted']} deleted. Staged {summary['staged']}, quarantined {summary['quarantined']}.",
             "", "| function | score | status |", "|---|---|---|"]
    lines += [f"| {f['code']} {f['name']} | {'' if f['score'] != f['score'] else round(f['score'])} "
              f"| {f['status']} |" for f in summary["functions"]]
    columns = PULL_COUNTS + STAGE_COUNTS
    lines += ["", "| form | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {form} | " + " | ".join(str(c.get(k, "")) for k in columns) + " |"
              for form, c in summary["forms"].items()]
    lines += [f"\n**Warning:** {w}" for w in summary.get("warnings", [])]
    lines += [f"\n**Failed:** {f['form']} ({f['source']}): {f['message']}" for f in summary["failed"]]
    return "\n".join(lines)


@flow(name="clustermon-nightly", log_prints=True)
def nightly(config_path: str | None = None) -> dict:
    """Pull every configured form, stage, validate, score CCPM and write the reports."""
    return run_night(load_config(config_path))


if __name__ == "__main__":
    nightly(str(Path("clustermon.yaml")))
