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


def test_forms_build_takes_the_gazetteer_named_in_the_configuration(tmp_path):
    from openpyxl import load_workbook

    gazetteer = tmp_path / "cod_ab.csv"
    gazetteer.write_text("admin0Pcode,admin0Name_en,admin1Pcode,admin1Name_en,admin1Name_fr,admin2Pcode,"
                         "admin2Name_en,admin2Name_fr\n"
                         "AF,Afghanistan,AF01,Kabul,Kaboul,AF0101,Kabul City,Kaboul ville\n"
                         "AF,Afghanistan,AF01,Kabul,Kaboul,AF010102,Paghman Sub,Paghman\n", encoding="utf-8")
    config = tmp_path / "clustermon.yaml"
    config.write_text(f"country: AFG\ncluster: CP\nlists: {{gazetteer: {gazetteer}}}\n", encoding="utf-8")
    result = runner.invoke(app, ["forms", "build", "--out", str(tmp_path / "out"), "--no-validate",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    choices = load_workbook(tmp_path / "out" / "fivew_monthly.xlsx")["choices"]
    header = next(choices.iter_rows(values_only=True))
    parent = header.index("admin1")
    admin2 = {row[1]: row[parent] for row in choices.iter_rows(values_only=True) if row[0] == "admin2"}
    assert admin2 == {"AF0101": "AF01", "AF010102": "AF01"}  # p-codes of any length, parent kept
