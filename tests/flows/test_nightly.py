"""The nightly flow end to end: sandbox over real HTTP → warehouse → scores → report files."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from flows.demo import demo_counts, run_demo
from flows.nightly import nightly

# Real flow runs share one temporary Prefect server: keep them on one xdist worker.
pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.xdist_group("prefect")]

STATUSES = {"Good", "Satisfactory – minor improvement needed", "Unsatisfactory – major improvement needed",
            "Weak", "Not evaluated"}


def _query(url: str, sql: str) -> list[tuple]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        eng.dispose()


def _check_demo(tmp_path, warehouse: str | None) -> None:
    summary = run_demo(tmp_path / "demo", tmp_path / "reports", partners=12, seed=3, warehouse=warehouse)
    url = warehouse or f"sqlite:///{tmp_path / 'demo' / 'clustermon.db'}"
    counts = dict(_query(url, "select form_id, count(*) from submissions group by form_id"))
    assert counts == demo_counts(12)
    assert summary["pulled"] == sum(counts.values()) and summary["failed"] == []
    assert summary["staged"] + summary["quarantined"] == sum(counts.values())
    assert summary["quarantined"] >= 2  # the demo's two deliberate mistakes
    assert {d["form"] for d in summary["deployed"]} == set(counts)
    per_form = {form: (c["rows"], c["new"], c["staged"] + c["quarantined"]) for form, c in summary["forms"].items()}
    assert per_form == {form: (n, n, n) for form, n in counts.items()}
    functions = _query(url, "select unit_code, status, score from ccpm_scores where unit_type = 'function' "
                            "order by unit_code")
    assert [f[0] for f in functions] == ["1", "2", "3", "4", "5", "6", "7"]
    assert {f[1] for f in functions} <= STATUSES
    assert [(f["code"], f["status"]) for f in summary["functions"]] == [(f[0], f[1]) for f in functions]
    files = {p.rsplit(".", 1)[-1] for p in summary["files"] if "/ccpm/" in p}
    assert {"xlsx", "html"} <= files
    xlsx = next(p for p in summary["files"] if p.endswith(".xlsx") and "/ccpm/" in p)
    assert "Overall" in load_workbook(xlsx).sheetnames


def test_demo_night_on_sqlite(tmp_path):
    _check_demo(tmp_path, None)


def test_the_demo_command_prints_the_night_summary(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["demo", "--partners", "6", "--workdir", str(tmp_path / "demo"),
                                      "--reports-dir", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    assert f"Night summary: pulled {sum(demo_counts(6).values())} rows" in result.output
    assert "Supporting service delivery" in result.output
    assert "fivew_monthly" in result.output and "quarantined" in result.output  # the per-form table
    assert "wrote " in result.output and ".html" in result.output


def test_demo_night_on_postgres(tmp_path, postgres_url):
    _check_demo(tmp_path, postgres_url)


def test_rerunning_a_night_changes_nothing(tmp_path):
    from connectors.sandbox import Sandbox
    from flows.demo import prepare

    with Sandbox(port=0, seed=5, forms=demo_counts(8)) as sandbox:
        config = prepare(sandbox, tmp_path / "w", tmp_path / "reports")
        first = nightly(str(config))
        url = f"sqlite:///{tmp_path / 'w' / 'clustermon.db'}"
        before = _query(url, "select * from submissions order by form_id, submission_key")
        raw_before = _query(url, "select count(*) from raw_submissions")
        second = nightly(str(config))
    assert first["new"] == sum(demo_counts(8).values()) and second["new"] == 0 and second["changed"] == 0
    assert second["unchanged"] == second["pulled"] > 0  # the lookback re-read rows and found them identical
    after = _query(url, "select * from submissions order by form_id, submission_key")
    assert [r[:8] for r in after] == [r[:8] for r in before]
    assert _query(url, "select count(*) from raw_submissions") == raw_before
    dupes = _query(url, "select form_id, submission_key from submissions group by 1, 2 having count(*) > 1")
    assert dupes == []


def test_credentials_never_reach_the_warehouse_reports_or_config(tmp_path, capfd):
    from connectors.sandbox import Sandbox
    from flows.demo import prepare

    token = "tok-7f3a9c1e5b2d4e6f8a0b"
    with Sandbox(port=0, seed=2, token=token, forms=demo_counts(5)) as sandbox:
        config = prepare(sandbox, tmp_path / "w", tmp_path / "reports")
        summary = nightly(str(config))
    assert summary["pulled"] == sum(demo_counts(5).values())
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in written) and any(p.suffix == ".xlsx" for p in written)
    for path in written:
        assert token.encode() not in path.read_bytes(), f"credential found in {path}"
    out, err = capfd.readouterr()
    assert token not in out + err
