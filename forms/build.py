"""Build form sources into what servers take: an XLSForm workbook (.xlsx) and an XForm (.xml).

``forms/sources/<form_id>.md`` → external lists filled in (``forms.lists``) → a content-derived version →
``<out_dir>/<form_id>.xlsx`` (openpyxl; every column kept, so the extra scoring columns travel with the form)
→ ``<out_dir>/<form_id>.xml`` (pyxform, checked by ODK Validate). Forms are code: any pyxform warning or ODK
Validate error fails the build with a ``FormBuildError`` that names the form and the problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert

from forms.definition import SOURCES_DIR, form_ids, read_sheets, source_path
from forms.lists import ListFiles, ListFileError

SHEETS = ("survey", "choices", "settings")
VERSION_PREFIX = "c"  # a letter first, so no tool reads the version as a number


class FormBuildError(Exception):
    """A form failed to build; the message names the form and what to fix."""

    def __init__(self, form_id: str, problem: str):
        super().__init__(f"form {form_id!r}: {problem}")
        self.form_id = form_id
        self.problem = problem


@dataclass(frozen=True)
class BuiltForm:
    form_id: str
    version: str
    xlsx: Path
    xml: Path
    warnings: list[str] = field(default_factory=list)


def content_version(sheets: dict) -> str:
    """A short digest of the form's rows (any version already in settings ignored).

    Markdown layout, comments and cell padding do not change it; any change of a question, choice or
    setting does, including rows that come from the external lists.
    """
    settings = [{k: v for k, v in row.items() if k != "version"} for row in sheets.get("settings", [])]
    body = {"survey": sheets.get("survey", []), "choices": sheets.get("choices", []), "settings": settings}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return VERSION_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]


def with_version(sheets: dict, version: str) -> dict:
    """A copy of the sheets whose settings row carries ``version``."""
    settings = dict((sheets.get("settings") or [{}])[0])
    settings["version"] = version
    return {**sheets, "settings": [settings]}


def _columns(rows: list[dict]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def write_xlsx(sheets: dict, path: Path) -> Path:
    """The survey, choices and settings sheets as an XLSForm workbook, with every column present."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in SHEETS:
        rows = sheets.get(name) or []
        sheet = workbook.create_sheet(name)
        columns = _columns(rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def compile_xform(form_id: str, xlsx: Path, validate: bool = True) -> tuple[str, list[str]]:
    """The XForm XML of a built workbook; raises FormBuildError on a pyxform or ODK Validate problem."""
    warnings: list[str] = []
    try:
        result = convert(xlsform=str(xlsx), warnings=warnings, validate=validate, pretty_print=True,
                         file_type=".xlsx")
    except ODKValidateError as exc:
        raise FormBuildError(form_id, f"ODK Validate rejected the XForm: {str(exc).strip()}") from exc
    except PyXFormError as exc:
        raise FormBuildError(form_id, f"pyxform could not convert {xlsx.name}: {exc}") from exc
    return result.xform, list(result.warnings)


def build_form(form_id: str, out_dir: Path, validate: bool = True, lists: ListFiles | None = None,
               sources_dir: Path = SOURCES_DIR) -> BuiltForm:
    """Build one form source into ``<out_dir>/<form_id>.xlsx`` and ``.xml``, stamped with its version."""
    out_dir = Path(out_dir)
    text = source_path(form_id, sources_dir).read_text(encoding="utf-8")
    try:
        sheets = read_sheets(text, lists)
    except (PyXFormError, ListFileError) as exc:
        raise FormBuildError(form_id, f"cannot read the source: {exc}") from exc
    declared = (sheets.get("settings") or [{}])[0].get("form_id")
    if declared != form_id:
        raise FormBuildError(form_id, f"settings form_id is {declared!r}; it must equal the file name")
    version = content_version(sheets)
    xlsx = write_xlsx(with_version(sheets, version), out_dir / f"{form_id}.xlsx")
    xml_text, warnings = compile_xform(form_id, xlsx, validate)
    if warnings:
        raise FormBuildError(form_id, "pyxform warnings (forms must build cleanly): " + "; ".join(warnings))
    xml = out_dir / f"{form_id}.xml"
    xml.write_text(xml_text, encoding="utf-8")
    return BuiltForm(form_id, version, xlsx, xml, warnings)


def build_all(out_dir: Path, validate: bool = True, lists: ListFiles | None = None,
              sources_dir: Path = SOURCES_DIR) -> list[BuiltForm]:
    """Build every form in ``sources_dir``; stops at the first form that fails."""
    return [build_form(form_id, out_dir, validate, lists, sources_dir) for form_id in form_ids(sources_dir)]
