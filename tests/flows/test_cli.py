"""The command line: help lists the documented commands; `forms build` writes every form."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app
from forms.definition import form_ids

runner = CliRunner()


def test_help_lists_the_documented_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "run", "report", "sandbox", "ingest", "forms"):
        assert command in result.output


def test_forms_build_writes_xlsx_and_xform_for_every_form(tmp_path):
    result = runner.invoke(app, ["forms", "build", "--out", str(tmp_path), "--no-validate"])
    assert result.exit_code == 0, result.output
    for form_id in form_ids():
        assert (tmp_path / f"{form_id}.xlsx").exists() and (tmp_path / f"{form_id}.xml").exists()
    assert f"{len(form_ids())} forms built" in result.output


def test_run_without_a_configuration_file_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLUSTERMON_CONFIG", raising=False)
    result = runner.invoke(app, ["report"])
    assert result.exit_code != 0
    assert "clustermon.yaml" in str(result.exception) + result.output
