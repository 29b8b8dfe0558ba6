"""`clustermon demo`: the whole cycle a coordinator runs, against the local sandbox server.

1. Start the sandbox (KoBo KPI v2 + ODK Central compatible) on a free loopback port, with no forms.
2. Write `demo/clustermon.yaml` and deploy every questionnaire to it, as a coordinator would
   (`clustermon forms deploy`): CCPM forms on the KoBo side, 5W and CPMS on the ODK side.
3. Partners' synthetic submissions arrive; a few carry the mistakes partners really make.
4. One nightly run into a fresh SQLite file: pull → flatten → validate → load → score → reports.
The configuration file is kept so a coordinator can open it and see what a real set-up looks like.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from connectors.sandbox import Sandbox

KOBO, ODK = "kobo-sandbox", "odk-sandbox"
DEMO_FORMS = {"ccpm_partner": KOBO, "ccpm_coordinator": KOBO, "partner_commitments": KOBO,
              "fivew_monthly": ODK, "cpms_indicators": ODK}
TOKEN_ENV = "CLUSTERMON_SANDBOX_TOKEN"
ODK_USER_ENV, ODK_PASSWORD_ENV = "CLUSTERMON_SANDBOX_ODK_USER", "CLUSTERMON_SANDBOX_ODK_PASSWORD"
# Mistakes partners make, applied to a few submissions so the quarantine and partner feedback show.
MISTAKES = {"ccpm_partner": [(2, {"f1/q1_1_2": "7"})],
            "fivew_monthly": [(1, {"reporting_org": "UNKNOWN-NGO"})]}


def demo_counts(partners: int) -> dict[str, int]:
    """Submissions per form for a demo with ``partners`` partner organisations."""
    return {"ccpm_partner": partners, "ccpm_coordinator": 1,
            "partner_commitments": max(3, partners // 2), "fivew_monthly": partners * 3,
            "cpms_indicators": max(2, partners // 10)}


def demo_config(sandbox: Sandbox, workdir: Path, reports_dir: Path, warehouse: str | None = None,
                forms: dict[str, str] | None = None) -> dict:
    """The configuration of a night against ``sandbox`` (same shape as clustermon.yaml)."""
    forms = DEMO_FORMS if forms is None else forms
    return {
        "country": "SSD", "cluster": "CP", "timezone": "Africa/Juba",
        "warehouse": warehouse or f"sqlite:///{(workdir / 'clustermon.db').resolve()}",
        "reports_dir": str(reports_dir),
        "sources": {
            KOBO: {"kind": "kobo", "url": sandbox.url, "token_env": TOKEN_ENV},
            ODK: {"kind": "odk", "url": sandbox.url, "project_id": 1,
                  "username_env": ODK_USER_ENV, "password_env": ODK_PASSWORD_ENV},
        },
        "forms": [{"form": form, "source": source, **_server_id(sandbox, form, source)}
                  for form, source in forms.items()],
        "ccpm": {"cycle": "2026", "level": "national", "status": "preliminary",
                 "start": "2026-01-05", "end": "2026-01-31"},
    }


def _server_id(sandbox: Sandbox, form: str, source: str) -> dict:
    """Forms the sandbox already serves are addressed directly; others get an id on deployment."""
    if form not in sandbox.state.stores:
        return {}
    return {"asset_uid": sandbox.asset_uid(form)} if source == KOBO else {"form_id": form}


def prepare(sandbox: Sandbox, workdir: Path, reports_dir: Path, warehouse: str | None = None,
            forms: dict[str, str] | None = None) -> Path:
    """Write a fresh demo configuration and warehouse; export the sandbox's test credentials."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "clustermon.db"
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.environ[TOKEN_ENV] = sandbox.token
    os.environ[ODK_USER_ENV] = sandbox.state.odk_email
    os.environ[ODK_PASSWORD_ENV] = sandbox.state.odk_password
    path = workdir / "clustermon.yaml"
    text = "# Written by `clustermon demo`: a night against the local sandbox server.\n"
    path.write_text(text + yaml.safe_dump(demo_config(sandbox, workdir, reports_dir, warehouse, forms),
                                          sort_keys=False), encoding="utf-8")
    return path


def deploy_all(config_path: Path, out_dir: Path) -> list:
    """Deploy every configured form to its sandbox source (records new KoBo asset uids in the file)."""
    from flows.config import load_config
    from flows.deploy import deploy_forms

    cfg = load_config(config_path)
    return [r for source in cfg.sources for r in deploy_forms(cfg, source, out_dir=out_dir)
            if any(f.source == source for f in cfg.forms)]


def partners_submit(sandbox: Sandbox, counts: dict[str, int]) -> None:
    for form_id, n in counts.items():
        sandbox.add(form_id, n)
    for form_id, edits in MISTAKES.items():
        for _id, changes in edits:
            if counts.get(form_id, 0) >= _id:
                sandbox.edit(form_id, _id, changes)


def run_demo(workdir: Path = Path("demo"), reports_dir: Path = Path("reports"), partners: int = 40,
             seed: int = 7, warehouse: str | None = None) -> dict:
    """Deploy the forms, serve synthetic submissions, run the nightly flow, return the night's summary."""
    from flows.nightly import nightly

    with Sandbox(port=0, seed=seed, forms={}) as sandbox:
        config_path = prepare(sandbox, workdir, reports_dir, warehouse)
        deployed = deploy_all(config_path, workdir / "forms")
        partners_submit(sandbox, demo_counts(partners))
        summary = nightly(str(config_path))
    summary["config"] = str(config_path)
    summary["deployed"] = [{"form": r.form_id, "action": r.action, "version": r.version} for r in deployed]
    return summary
