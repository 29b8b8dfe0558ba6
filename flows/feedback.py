"""Validation feedback of a night: Great Expectations Data Docs and one workbook per partner to fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flows.config import Config
from transforms.feedback import build_data_docs, write_partner_workbooks


def write_feedback(cfg: Config, stage_results: list[dict]) -> list[Path]:
    """Data Docs under reports/validation/ and reports/partners/<org>.xlsx for every partner with issues."""
    out = Path(cfg.reports_dir)
    issues = [frame for result in stage_results for frame in result.get("issues", [])]
    results = [r for result in stage_results for r in result.get("validation_results", [])]
    files = []
    if results:
        files.append(build_data_docs(results, out / "validation"))
    if issues:
        files += write_partner_workbooks(pd.concat(issues, ignore_index=True), out / "partners")
    return files
