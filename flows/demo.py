"""`clustermon demo`: the sandbox server on a free loopback port, a fresh SQLite warehouse, one full night.

The demo writes its own configuration (``demo/clustermon.yaml``) so that a coordinator can open it and see
exactly what a real set-up looks like; only the URLs and the sandbox's public test credentials differ.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from connectors.sandbox import Sandbox

DEMO_FORMS = {"ccpm_partner": "kobo-sandbox", "ccpm_coordinator": "kobo-sandbox"}
TOKEN_ENV = "CLUSTERMON_SANDBOX_TOKEN"
ODK_USER_ENV, ODK_PASSWORD_ENV = "CLUSTERMON_SANDBOX_ODK_USER", "CLUSTERMON_SANDBOX_ODK_PASSWORD"


def demo_counts(partners: int) -> dict[str, int]:
    return {"ccpm_partner": partners, "ccpm_coordinator": 1}


def demo_config(sandbox: Sandbox, workdir: Path, reports_dir: Path, warehouse: str | None = None) -> dict:
    """The configuration of a night against ``sandbox`` (same shape as clustermon.yaml)."""
    return {
        "country": "SSD", "cluster": "CCCM", "timezone": "Africa/Juba",
        "warehouse": warehouse or f"sqlite:///{(workdir / 'clustermon.db').resolve()}",
        "reports_dir": str(reports_dir),
        "sources": {
            "kobo-sandbox": {"kind": "kobo", "url": sandbox.url, "token_env": TOKEN_ENV},
            "odk-sandbox": {"kind": "odk", "url": sandbox.url, "project_id": 1,
                            "username_env": ODK_USER_ENV, "password_env": ODK_PASSWORD_ENV},
        },
        "forms": [{"form": form, "source": source, "asset_uid": sandbox.asset_uid(form)}
                  for form, source in DEMO_FORMS.items()],
        "ccpm": {"cycle": "2026", "level": "national", "status": "preliminary",
                 "start": "2026-11-01", "end": "2026-11-15"},
    }


def prepare(sandbox: Sandbox, workdir: Path, reports_dir: Path, warehouse: str | None = None) -> Path:
    """Write a fresh demo configuration and warehouse; export the sandbox's test credentials."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "clustermon.db"
    for leftover in (db, db.with_suffix(".db-wal"), db.with_suffix(".db-shm")):
        leftover.unlink(missing_ok=True)
    os.environ[TOKEN_ENV] = sandbox.token
    os.environ[ODK_USER_ENV] = sandbox.state.odk_email
    os.environ[ODK_PASSWORD_ENV] = sandbox.state.odk_password
    path = workdir / "clustermon.yaml"
    text = "# Written by `clustermon demo`: a night against the local sandbox server.\n"
    path.write_text(text + yaml.safe_dump(demo_config(sandbox, workdir, reports_dir, warehouse),
                                          sort_keys=False), encoding="utf-8")
    return path


def run_demo(workdir: Path = Path("demo"), reports_dir: Path = Path("reports"), partners: int = 40,
             seed: int = 7, warehouse: str | None = None) -> dict:
    """Serve synthetic submissions, run the nightly flow against them, return the night's summary."""
    from flows.nightly import nightly

    with Sandbox(port=0, seed=seed, forms=demo_counts(partners)) as sandbox:
        config_path = prepare(sandbox, workdir, reports_dir, warehouse)
        summary = nightly(str(config_path))
    summary["config"] = str(config_path)
    return summary
