"""The nightly Prefect flow: ingest → flatten → validate → load → score → report.

Flows wire tasks; the logic lives in plain functions (flows.pull, flows.stage, flows.ccpm) that tests call
directly. One form's failed pull is reported and the night goes on: the other forms still load, everything
already landed is still staged, and the next night resumes from the last committed cursor.

Staging, validation and CCPM (pandas, pyxform, Great Expectations) are imported when the night needs them,
after it has started its first reconcile read (``flows.reconcile_process.Ahead``), which then runs on the
other core while this process imports them.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import progress, reconcile_process
from flows.config import Config, load_config
from flows.pull import pull_all, pull_form
from flows.gc_tuning import fewer_collections
from flows.pull_process import pull_in_child, worth_a_process
from flows.timing import Steps
from warehouse import schema, state
from warehouse.db import engine as get_engine

SUMMARY_ARTIFACT_KEY = "clustermon-night-summary"
log = logging.getLogger(__name__)


STAGED_BEFORE_FAILURE = "clustermon_staged"  # on a pull's exception: what its stager staged before it


@task(name="pull", cache_policy=NO_CACHE, task_run_name="pull-{form.form}")
def pull_task(cfg: Config, form, load_id: str, context, ahead: reconcile_process.Ahead | None = None) -> dict:
    """Pull one form and stage what lands as it goes (``flows.stage.Stager``); ``stage`` in the result
    is what was staged on the way. A pull that fails carries that on its exception (attribute
    ``STAGED_BEFORE_FAILURE``): those rows are staged and their issues still go to the partners.
    ``ahead``: the night's reconcile reads started ahead (``flows.reconcile_process.Ahead``)."""
    from flows import stage

    collect: list = []
    stager = stage.Stager(cfg, form.form, load_id, context, collect=collect)
    second = worth_a_process(cfg, form)
    light = (ahead or reconcile_process.Ahead()).light(cfg, form, pulled_elsewhere=second)
    try:
        if second:
            pulled = pull_in_child(cfg, form, stager, progress=progress.report_pull)
        else:
            pulled = pull_form(cfg, form, progress=progress.report_pull, stager=stager, light=light)
    except Exception as exc:  # what was staged before the failure is in the warehouse: it still counts
        setattr(exc, STAGED_BEFORE_FAILURE, stage_result(stager.summary, collect))
        raise
    pulled["stage"] = stage_result(stager.summary, collect)
    pulled["second_process"] = second
    pulled["reconcile_process"] = light is not None
    return pulled


@task(name="stage", cache_policy=NO_CACHE, task_run_name="stage-{form_id}")
def stage_task(cfg: Config, form_id: str, load_id: str, context) -> dict:
    """Stage what is still pending: deletes, and what the pull did not stage (an earlier night's crash,
    file imports, a batch the pull's staging stopped on)."""
    from flows.stage import stage_form

    collect: list = []
    return stage_result(stage_form(cfg, form_id, load_id, context, collect=collect), collect)


def stage_result(summary, collect: list) -> dict:
    """A ``flows.stage.StageSummary`` with its issues and validation results, as the night reports it."""
    return {**summary.as_dict(), "issues": summary.issues, "validation_results": collect}


def merge_staged(pulls: list[dict], staged: list[dict], failed_pulls: list[dict] = ()) -> list[dict]:
    """One stage result per form: what its pull staged on the way (``failed_pulls``: the stage results
    of pulls that failed after staging some batches) plus what the staging step did."""
    early = {p["form"]: p.pop("stage") for p in pulls if "stage" in p}
    early.update((result["form"], result) for result in failed_pulls)
    merged = []
    for result in staged:
        first = early.pop(result["form"], None)
        if first is not None:
            result = {**result, **{k: first[k] + result[k] for k in
                                   ("staged", "quarantined", "deleted", "warnings", "issues",
                                    "validation_results")}}
        merged.append(result)
    return merged + list(early.values())  # forms whose staging step failed keep what their pull staged


@task(name="write-back", cache_policy=NO_CACHE)
def writeback_task(cfg: Config) -> dict:
    from flows.writeback import write_back

    return write_back(cfg, cfg.write_back_kobo_status, cfg.write_back_odk_state)


@task(name="score-ccpm", cache_policy=NO_CACHE)
def score_task(cfg: Config, load_id: str):
    from flows import ccpm

    inputs = ccpm.gather(cfg)
    return ccpm.score_cycle(cfg, load_id, inputs), inputs


@task(name="report-ccpm", cache_policy=NO_CACHE)
def report_task(cfg: Config, inputs) -> list[str]:
    from flows import ccpm

    return [str(p) for p in ccpm.write_report(cfg, inputs)]


@task(name="hrp-monitoring", cache_policy=NO_CACHE)
def hrp_task(cfg: Config, load_id: str) -> list[str]:
    from flows.hrp import run_hrp

    return [str(p) for p in run_hrp(cfg, load_id)]


@task(name="validation-feedback", cache_policy=NO_CACHE)
def feedback_task(cfg: Config, stage_results: list[dict]) -> list[str]:
    from flows.feedback import write_feedback

    return [str(p) for p in write_feedback(cfg, stage_results)]


def run_night(cfg: Config, plain: bool = False) -> dict:
    """The night as calls of the tasks above: inside a flow run they are tracked task runs; ``plain``
    calls their functions directly (no Prefect server; the benchmarks time the night's own work so).
    ``seconds`` in the summary says where the night's time went, step by step."""
    with fewer_collections():
        return _night(cfg, (lambda t: t.fn) if plain else (lambda t: t), log if plain else get_run_logger(),
                      plain)


def _night(cfg: Config, call, logger, plain: bool) -> dict:
    step = Steps()
    schema.create_all(get_engine(cfg.warehouse))
    ahead = reconcile_process.Ahead(cfg)  # before the imports below (module doc)
    try:
        from flows.stage import stage_all, validation_context
        from transforms.validate_suite import warm_up

        warm_up()
        night_id = state.start_load(get_engine(cfg.warehouse), "night", "*")
        context = validation_context(cfg)
        staged_before_failure: list[dict] = []

        def pull_one(c: Config, form) -> dict:
            try:
                return call(pull_task)(c, form, night_id, context, ahead)
            except Exception as exc:
                if hasattr(exc, STAGED_BEFORE_FAILURE):
                    staged_before_failure.append(getattr(exc, STAGED_BEFORE_FAILURE))
                raise

        with step("pull"):
            pulls, failed = pull_all(cfg, pull_one, logger)
    finally:
        ahead.close()
    with step("stage"):
        staged, stage_failed = stage_all(cfg, call(stage_task), night_id, context, logger)
    staged = merge_staged(pulls, staged, staged_before_failure)
    with step("write_back"):
        written = call(writeback_task)(cfg) if cfg.write_back else {"sent": {}, "failed": []}
    failed = failed + stage_failed + written["failed"]
    with step("ccpm"):
        scores, inputs = call(score_task)(cfg, night_id)
        files = call(report_task)(cfg, inputs)
    feedback = in_a_thread(call(feedback_task), cfg, staged)
    with step("hrp"):
        try:
            files += call(hrp_task)(cfg, night_id)
        except BaseException:
            wait([feedback])
            raise
    with step("feedback"):  # only what it took after the HRP step
        files += feedback.result()
    summary = night_summary(pulls, staged, failed, scores, files)
    summary["warnings"] = [w for s in staged for w in s.get("warnings", [])]
    summary["written_back"] = written["sent"]
    summary["seconds"] = step.rounded()
    state.finish_load(get_engine(cfg.warehouse), night_id, "failed" if failed else "ok",
                      {"new": summary["new"], "changed": summary["changed"], "deleted": summary["deleted"],
                       "quarantined": summary["quarantined"], "staged": summary["staged"]},
                      message="; ".join(f["message"] for f in failed) or None)
    if not plain:
        create_markdown_artifact(key=SUMMARY_ARTIFACT_KEY, markdown=summary_markdown(summary),
                                 description="Cluster Monitor nightly run")
    return summary


def in_a_thread(function, *args) -> Future:
    """Run ``function(*args)`` in a thread beside the night (inside a flow run, as a task run of the flow).

    The validation feedback (files only: Data Docs, partner workbooks) is written so while the HRP step
    runs: most of a first load's HRP step is one SQL statement that leaves Python free (~2 s less at a
    million submissions)."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clustermon-thread")
    try:
        return executor.submit(contextvars.copy_context().run, function, *args)
    finally:
        executor.shutdown(wait=False)


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
