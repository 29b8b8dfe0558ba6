"""`clustermon`: the command line over the same flows Prefect schedules.

Heavy imports (Prefect, pandas, Great Expectations) happen inside the commands so `--help` stays instant.
Every command ends with a short summary; a failure prints what went wrong and what to do, and exits 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from flows.summary import print_night

app = typer.Typer(help="Cluster Monitor: questionnaires to OCHA reports for humanitarian clusters.",
                  no_args_is_help=True, add_completion=False)
forms_app = typer.Typer(help="Build and deploy the questionnaires.", no_args_is_help=True)
app.add_typer(forms_app, name="forms")
console = Console()

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def _prefect_env() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _fail(message: str) -> None:
    console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(1)


@app.command()
def demo(
    partners: int = typer.Option(40, help="Synthetic partner responses the sandbox serves."),
    seed: int = typer.Option(7, help="Seed of the synthetic data (same seed, same data)."),
    workdir: Path = typer.Option(Path("demo"), help="Where the demo's configuration and SQLite file go."),
    reports_dir: Path = typer.Option(Path("reports"), help="Where the reports are written."),
    warehouse: Optional[str] = typer.Option(None, help="Warehouse URL (default: a fresh SQLite file)."),
) -> None:
    """Sandbox server + fresh SQLite warehouse + the full nightly run + reports."""
    _prefect_env()
    from flows.demo import run_demo
    from flows.progress import use
    from flows.summary import pull_progress

    console.print("[bold]Cluster Monitor demo[/]: starting the sandbox and the nightly flow "
                  "(the first Prefect start takes ~20 s)")
    with pull_progress(console) as reporter, use(reporter):
        summary = run_demo(workdir, reports_dir, partners, seed, warehouse)
    print_night(console, summary)
    if summary["failed"]:
        raise typer.Exit(1)


@app.command()
def run(config: Optional[Path] = typer.Option(None, help="Configuration file (default clustermon.yaml).")) -> None:
    """The nightly flow: ingest → flatten → validate → load → score → report."""
    _prefect_env()
    from flows.nightly import nightly
    from flows.progress import use
    from flows.summary import pull_progress

    with pull_progress(console) as reporter, use(reporter):
        summary = nightly(str(config) if config else None)
    print_night(console, summary)
    if summary["failed"]:
        raise typer.Exit(1)


@app.command()
def report(config: Optional[Path] = typer.Option(None, help="Configuration file (default clustermon.yaml).")) -> None:
    """Regenerate the CCPM and HRP outputs from the warehouse (no pull)."""
    from flows import ccpm
    from flows.config import load_config
    from flows.hrp import run_hrp
    from warehouse.state import new_load_id

    cfg = load_config(config)
    files = list(ccpm.write_report(cfg, ccpm.gather(cfg))) + run_hrp(cfg, new_load_id())
    for path in files:
        console.print(f"wrote {path}")
    console.print(f"[green]{len(files)} files written[/] under {cfg.reports_dir}")


@app.command()
def sandbox(
    port: int = typer.Option(8765, help="Loopback port to listen on."),
    submissions: int = typer.Option(100, help="Synthetic submissions per form."),
    seed: int = typer.Option(1, help="Seed of the synthetic data."),
    form: list[str] = typer.Option(["ccpm_partner", "ccpm_coordinator", "partner_commitments", "fivew_monthly",
                                    "cpms_indicators"],
                                   help="Forms to serve."),
) -> None:
    """Serve the KoBo/ODK-compatible sandbox with synthetic submissions until Ctrl-C."""
    from connectors.sandbox import Sandbox

    counts = {f: (1 if f == "ccpm_coordinator" else submissions) for f in form}
    with Sandbox(port=port, seed=seed, forms=counts) as server:
        console.print(f"Sandbox at {server.url} (KoBo token {server.token!r}; ODK user "
                      f"{server.state.odk_email!r}). Assets: "
                      + ", ".join(f"{f}={server.asset_uid(f)}" for f in counts))
        console.print("Press Ctrl-C to stop.")
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopped")


@app.command()
def ingest(
    file: Path = typer.Option(..., exists=True, dir_okay=False, help="A KoBo or ODK export (XLSX or CSV)."),
    form: str = typer.Option(..., help="The form the export belongs to (e.g. fivew_monthly)."),
    config: Optional[Path] = typer.Option(None, help="Configuration file (default clustermon.yaml)."),
) -> None:
    """Import an exported file for partners who cannot reach the API; same keys, checks and warehouse."""
    from flows.config import load_config
    from flows.ingest_file import ingest_file

    result = ingest_file(load_config(config), file, form)
    console.print(f"{file}: {result['rows']} submissions read, {result['new']} new, {result['changed']} "
                  f"changed; staged {result['staged']}, quarantined {result['quarantined']}")


@forms_app.command("build")
def forms_build(
    out: Path = typer.Option(Path("dist/forms"), help="Output folder for .xlsx and .xml."),
    validate: bool = typer.Option(True, help="Run ODK Validate (needs java)."),
    config: Optional[Path] = typer.Option(None, help="Configuration whose `lists:` (gazetteer, partners, ...) "
                                                     "fill the choice lists (default: the shipped samples)."),
) -> None:
    """Sources → dist/forms/*.xlsx and *.xml, checked by pyxform and ODK Validate."""
    from flows.config import load_config
    from flows.stage import list_files
    from forms.build import FormBuildError, build_all

    lists = list_files(load_config(config)) if config else None
    try:
        built = build_all(out, validate=validate, lists=lists)
    except FormBuildError as exc:
        _fail(str(exc))
    for b in built:
        console.print(f"{b.form_id:<22} version {b.version}  {b.xlsx}  {b.xml}")
    console.print(f"[green]{len(built)} forms built[/] into {out}")


@forms_app.command("deploy")
def forms_deploy(
    source: str = typer.Option(..., help="The configured source to deploy to (e.g. kobo-main)."),
    form: Optional[str] = typer.Option(None, help="Only this form (default: every form of the source)."),
    out: Path = typer.Option(Path("dist/forms"), help="Where the built forms are written."),
    config: Optional[Path] = typer.Option(None, help="Configuration file (default clustermon.yaml)."),
) -> None:
    """Build, then create or update + deploy on KoBo or ODK Central; unchanged forms are left alone."""
    from flows.config import ConfigError, load_config
    from flows.deploy import deploy_forms
    from forms.build import FormBuildError
    from forms.deploy import DeployError

    try:
        results = deploy_forms(load_config(config), source, form, out)
    except (ConfigError, FormBuildError, DeployError) as exc:
        _fail(str(exc))
    for r in results:
        console.print(f"{r.form_id:<22} {r.action:<9} version {r.version} on {r.server_id}  {r.message or ''}")
    changed = sum(r.action != "unchanged" for r in results)
    console.print(f"[green]{len(results)} forms checked, {changed} created or updated[/]")
