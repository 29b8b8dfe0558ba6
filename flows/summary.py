"""What the command line shows: a progress bar per form while pulling, a short summary at the end."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

STATUS_STYLE = {"Good": "green", "Satisfactory – minor improvement needed": "yellow",
                "Unsatisfactory – major improvement needed": "dark_orange", "Weak": "red",
                "Not evaluated": "grey50"}


@contextmanager
def pull_progress(console: Console):
    """A reporter (form, pages, rows) drawing one line per form."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=console, transient=False)
    tasks: dict[str, int] = {}

    def report(form_id: str, pages: int, rows: int) -> None:
        text = f"pulling {form_id}: {pages} pages, {rows} rows"
        if form_id not in tasks:
            tasks[form_id] = progress.add_task(text, total=None)
        progress.update(tasks[form_id], description=text)

    with progress:
        yield report


def print_night(console: Console, summary: dict) -> None:
    if summary.get("deployed"):
        actions = ", ".join(f"{d['form']} {d['action']}" for d in summary["deployed"])
        console.print(f"Deployed {len(summary['deployed'])} forms to the sandbox: {actions}")
    console.print(f"\n[bold]Night summary[/]: pulled {summary['pulled']} rows "
                  f"({summary['new']} new, {summary['changed']} changed, {summary['deleted']} deleted, "
                  f"{summary.get('unchanged', 0)} unchanged); "
                  f"loaded {summary['staged']}, quarantined {summary['quarantined']}.")
    print_forms(console, summary.get("forms") or {})
    table = Table(title="CCPM core functions", show_lines=False)
    for column in ("function", "score", "status"):
        table.add_column(column)
    for f in summary["functions"]:
        score = "" if f["score"] != f["score"] or f["score"] is None else f"{f['score']:.0f}%"
        table.add_row(f"{f['code']} {f['name']}", score, f"[{STATUS_STYLE.get(f['status'], '')}]{f['status']}")
    console.print(table)
    for path in summary["files"]:
        console.print(f"  wrote {path}")
    for form, n in (summary.get("written_back") or {}).items():
        if n:
            console.print(f"  told the server of {n} held-back {form} submission(s)")
    for warning in summary.get("warnings") or []:
        console.print(f"[yellow]Warning:[/] {warning}")
    for failure in summary["failed"]:
        console.print(f"[bold red]FAILED[/] {failure['form']} ({failure['source']}): {failure['message']}")


def print_forms(console: Console, forms: dict[str, dict]) -> None:
    table = Table(title="Forms", show_lines=False)
    columns = ("rows", "new", "changed", "deleted", "unchanged", "staged", "quarantined")
    table.add_column("form")
    for column in columns:
        table.add_column(column, justify="right")
    for form, counts in forms.items():
        table.add_row(form, *(str(counts.get(c, "")) for c in columns))
    console.print(table)
