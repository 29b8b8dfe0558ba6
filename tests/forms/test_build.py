"""Building forms: every source compiles cleanly, versions follow content, problems name the form."""

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from forms.build import FormBuildError, build_form
from forms.definition import SOURCES_DIR, form_ids, load_form
from forms.lists import ListFiles

EXPECTED_FORMS = {"ccpm_partner", "ccpm_coordinator", "fivew_monthly", "cpms_indicators", "ccpm_action_plan",
                  "partner_commitments"}


def test_every_form_builds_without_warnings_and_passes_odk_validate(built_forms):
    assert set(built_forms) == EXPECTED_FORMS == set(form_ids())
    for built in built_forms.values():
        assert built.warnings == []
        assert built.xlsx.exists() and built.xml.exists()
        assert f'version="{built.version}"' in built.xml.read_text()


def test_built_xlsx_keeps_extra_columns_and_the_version(built_forms):
    book = load_workbook(built_forms["ccpm_partner"].xlsx)
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey_header = [c.value for c in book["survey"][1]]
    assert {"indicator", "scale", "function", "role"} <= set(survey_header)
    assert "special" in [c.value for c in book["choices"][1]]
    settings = dict(zip([c.value for c in book["settings"][1]], [c.value for c in book["settings"][2]]))
    assert settings["version"] == built_forms["ccpm_partner"].version


def _copy_sources(tmp_path: Path, *form_ids: str) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir()
    for form_id in form_ids:
        shutil.copy(SOURCES_DIR / f"{form_id}.md", sources)
    return sources


def test_unchanged_form_rebuilds_to_the_same_version(tmp_path):
    first = build_form("ccpm_action_plan", tmp_path / "a", validate=False)
    second = build_form("ccpm_action_plan", tmp_path / "b", validate=False)
    assert first.version == second.version


def test_changed_label_gives_a_new_version(tmp_path):
    sources = _copy_sources(tmp_path, "ccpm_action_plan")
    before = build_form("ccpm_action_plan", tmp_path / "a", validate=False, sources_dir=sources).version
    path = sources / "ccpm_action_plan.md"
    path.write_text(path.read_text().replace("Progress notes", "Notes on progress"))
    after = build_form("ccpm_action_plan", tmp_path / "b", validate=False, sources_dir=sources).version
    assert before != after


def test_comment_lines_do_not_change_the_version(tmp_path):
    sources = _copy_sources(tmp_path, "ccpm_action_plan")
    before = build_form("ccpm_action_plan", tmp_path / "a", validate=False, sources_dir=sources).version
    path = sources / "ccpm_action_plan.md"
    path.write_text("# an added comment\n" + path.read_text())
    assert build_form("ccpm_action_plan", tmp_path / "b", validate=False, sources_dir=sources).version == before


def test_another_gazetteer_plugs_in_and_changes_the_version(tmp_path):
    gazetteer = tmp_path / "cod.csv"
    gazetteer.write_text("admin1Pcode,admin1Name_en,admin2Pcode,admin2Name_en\n"
                         "XYZ001,North,XYZ001002,North Hill\nXYZ001,North,XYZ001003,North Lake\n"
                         "XYZ12,South,XYZ12001,South Port\n")
    lists = ListFiles(gazetteer=gazetteer)
    form = load_form("fivew_monthly", lists=lists)
    assert form.choice_codes("admin1") == ["XYZ001", "XYZ12"]
    assert {c.name: c.extra["admin1"] for c in form.choices["admin2"]} == {
        "XYZ001002": "XYZ001", "XYZ001003": "XYZ001", "XYZ12001": "XYZ12"}
    default = build_form("fivew_monthly", tmp_path / "a", validate=False)
    custom = build_form("fivew_monthly", tmp_path / "b", validate=True, lists=lists)
    assert custom.version != default.version
    assert "XYZ001003" in custom.xml.read_text()


def _broken_source(tmp_path: Path, replace: str, by: str) -> Path:
    sources = _copy_sources(tmp_path, "ccpm_action_plan")
    path = sources / "ccpm_action_plan.md"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))
    return sources


def test_reference_to_a_missing_question_fails_naming_the_form(tmp_path):
    sources = _broken_source(tmp_path, ". >= ${workshop_date}", ". >= ${no_such_question}")
    with pytest.raises(FormBuildError, match=r"ccpm_action_plan.*no_such_question"):
        build_form("ccpm_action_plan", tmp_path / "out", sources_dir=sources)


def test_odk_validate_error_fails_the_build(tmp_path):
    sources = _broken_source(tmp_path, ". >= ${workshop_date}", ". >= (${workshop_date}")
    with pytest.raises(FormBuildError, match=r"ccpm_action_plan.*ODK Validate"):
        build_form("ccpm_action_plan", tmp_path / "out", sources_dir=sources)


def test_form_id_must_match_the_file_name(tmp_path):
    sources = _copy_sources(tmp_path, "ccpm_action_plan")
    (sources / "ccpm_action_plan.md").rename(sources / "other_plan.md")
    with pytest.raises(FormBuildError, match="other_plan.*must equal the file name"):
        build_form("other_plan", tmp_path / "out", validate=False, sources_dir=sources)
