"""Feedback on quarantined submissions: Great Expectations Data Docs for the IMO, one workbook per partner.

``build_data_docs`` renders the GX validation results of a run (collected by ``validate(..., collect=list)``)
as a static HTML site under ``reports/validation/``. ``write_partner_workbooks`` writes one .xlsx per
reporting organisation listing its quarantined submissions and what to change, ready to email. Cell text is
always written as text (never as a formula) and stripped of characters Excel cannot store.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

DEFAULT_SITE = "clustermon_validation"
UNKNOWN_ORG = "organisation not recorded"
COLUMNS = [("submission_key", "Submission", 40), ("field", "Question", 24), ("value", "Value given", 30),
           ("message", "What to change", 90), ("rule", "Check", 24), ("form_id", "Form", 18)]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def build_data_docs(results: list, out_dir: str | Path = "reports/validation", run_name: str = "run",
                    site_name: str = DEFAULT_SITE) -> Path:
    """Write the Data Docs site for these validation results; returns the path of its index.html."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    from transforms.validate_suite import gx_context

    context = gx_context()
    out_dir = Path(out_dir).resolve()
    site = {"class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)}}
    sites = context.get_site_names()
    if site_name in sites:
        context.delete_data_docs_site(site_name)
    context.add_data_docs_site(site_name, site)
    run_id = RunIdentifier(run_name=run_name)
    for result in results:
        asset = (result.meta.get("active_batch_definition") or {}).get("data_asset_name") or result.suite_name
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
            run_id=run_id, batch_identifier=asset)
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=[site_name])
    return out_dir / "index.html"


def _safe_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _ILLEGAL.sub("", str(value))


def _file_stem(org: str) -> str:
    """A file name for an organisation: its letters and digits (any script), else a short hash."""
    stem = re.sub(r"[^\w\-]+", "_", org, flags=re.UNICODE).strip("._")[:60]
    return stem or "org_" + hashlib.sha1(org.encode("utf-8")).hexdigest()[:10]


def _write_one(org: str, rows: pd.DataFrame, path: Path) -> None:
    """The partner's workbook, streamed (openpyxl write-only mode: a large partner's list is written row
    by row, not held and re-scanned as a whole sheet)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("To correct")
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.freeze_panes = "A4"
    sheet.auto_filter.ref = f"A3:{chr(64 + len(COLUMNS))}{3 + len(rows)}"

    def cells(values, font=None, alignment=None):
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # never a formula, even for text starting with '='
            if font is not None:
                cell.font = font
            if alignment is not None:
                cell.alignment = alignment
            out.append(cell)
        return out

    sheet.append(cells([f"Submissions of {_safe_text(org)} held back from the cluster report"],
                       Font(bold=True, size=13)))
    sheet.append(cells([f"{rows['submission_key'].nunique()} submission(s), {len(rows)} problem(s). Correct "
                        "each one and send the submission again; it will be included in the next run."]))
    sheet.append(cells([title for _, title, _ in COLUMNS], Font(bold=True)))
    wrap = Alignment(wrap_text=True, vertical="top")
    columns = [rows[column].tolist() if column in rows else [None] * len(rows) for column, _, _ in COLUMNS]
    for values in zip(*columns):
        sheet.append(cells([_safe_text(v) for v in values], alignment=wrap))
    book.save(path)


def write_partner_workbooks(issues: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One workbook per reporting organisation (``org``; blank → "organisation not recorded")."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if issues is None or issues.empty:
        return []
    orgs = issues["org"].astype("str").fillna(UNKNOWN_ORG).replace("", UNKNOWN_ORG)
    paths, used = [], set()
    for org, rows in issues.assign(org=orgs).groupby("org", sort=True):
        stem = _file_stem(org)
        if stem.casefold() in used:
            stem = f"{stem}_{hashlib.sha1(org.encode('utf-8')).hexdigest()[:6]}"
        used.add(stem.casefold())
        path = out_dir / f"quarantine_{stem}.xlsx"
        _write_one(org, rows.sort_values(["submission_key", "field"], na_position="last"), path)
        paths.append(path)
    return paths
