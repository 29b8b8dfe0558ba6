"""Shared pieces of the deployment tests: a sandbox with the deploy endpoints, and small form edits.

The form is ``partner_commitments`` (the smallest shipped form), copied into a temporary sources folder so
a test can change a label and build a new version with the real build (pyxform + ODK Validate).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

import connectors.sandbox.deploy_api  # noqa: F401  (registers the deploy endpoints)
from connectors.sandbox import Sandbox
from forms.build import BuiltForm, build_form
from forms.definition import SOURCES_DIR

FORM = "partner_commitments"
OLD_LABEL = "We report our activities to the cluster on time"
NEW_LABEL = "We report our activities to the cluster every month on time"
ODK_LOGIN = ("sandbox@example.org", "sandbox-password")


@pytest.fixture
def sandbox():
    with Sandbox(port=0, forms={}) as sb:
        yield sb


@pytest.fixture
def sources(tmp_path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(SOURCES_DIR / f"{FORM}.md", folder)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltForm:
    return build_form(FORM, tmp_path_factory.mktemp("built"), validate=True)


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> BuiltForm:
    """The form with one label edited: the same questions, a new version."""
    folder = tmp_path_factory.mktemp("changed_sources")
    text = (SOURCES_DIR / f"{FORM}.md").read_text(encoding="utf-8")
    assert OLD_LABEL in text
    (folder / f"{FORM}.md").write_text(text.replace(OLD_LABEL, NEW_LABEL), encoding="utf-8")
    return build_form(FORM, tmp_path_factory.mktemp("changed"), validate=True, sources_dir=folder)


def broken_copy(built: BuiltForm, folder: Path) -> BuiltForm:
    """A workbook of the form whose last frequency question names a choice list that does not exist
    (pyxform refuses it), stamped with a new version: what a server receives from a bad edit."""
    workbook = load_workbook(built.xlsx)
    survey = workbook["survey"]
    type_cell = next(c for c in survey[1] if c.value == "type").column
    row = next(r for r in range(survey.max_row, 1, -1)
               if survey.cell(r, type_cell).value == "select_one frequency")
    survey.cell(row, type_cell).value = "select_one no_such_list"
    settings = workbook["settings"]
    version_cell = next(c for c in settings[1] if c.value == "version").column
    settings.cell(2, version_cell).value = "cbroken0001"
    path = folder / built.xlsx.name
    workbook.save(path)
    return BuiltForm(built.form_id, "cbroken0001", path, built.xml, [])


def kobo_get(sb: Sandbox, path: str) -> dict:
    response = requests.get(sb.url + path, headers={"Authorization": f"Token {sb.token}"}, timeout=10)
    response.raise_for_status()
    return response.json()


def odk_session(sb: Sandbox) -> requests.Session:
    session = requests.Session()
    token = session.post(f"{sb.url}/v1/sessions", json={"email": ODK_LOGIN[0], "password": ODK_LOGIN[1]},
                         timeout=10).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session
