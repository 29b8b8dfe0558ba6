"""Small CCPM outputs built from one table template: the quarterly action-plan follow-up and the partner
commitments report, each as a workbook and a self-contained HTML page (same rows in both).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from reports.ccpm_columns import COMMITMENT_COLUMNS, FOLLOW_UP_COLUMNS
from reports.ccpm_html import _environment
from reports.ccpm_sheets import BOLD, cell_value, table


def follow_up_rows(actions: pd.DataFrame) -> list[dict]:
    """Rows of ``transforms.ccpm_actions.follow_up`` ready to render (texts for overdue and last update)."""
    rows = []
    for r in actions.to_dict("records"):
        updated = r.get("updated_at")
        rows.append({**r, "unit_code": r["subfunction"], "overdue": bool(r["overdue"]),
                     "overdue_text": "OVERDUE" if r["overdue"] else "",
                     "days_overdue": cell_value(r.get("days_overdue")),
                     "updated_at_text": "" if updated is None or pd.isna(updated) else str(updated)[:10]})
    return rows


def _write(out: Path, stem: str, title: str, facts: list[tuple[str, str]], notes: list[str],
           sections: list[dict]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover["A1"] = title
    cover["A1"].font = Font(bold=True, size=14)
    for row, (key, value) in enumerate([*facts, *(("Note", n) for n in notes)], start=3):
        cover.cell(row, 1, key).font = BOLD
        cover.cell(row, 2, value)
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 18, 70
    for section in sections:
        table(book.create_sheet(section["sheet"]), section["columns"], section["rows"])
    xlsx = out / f"{stem}.xlsx"
    book.save(xlsx)
    html = out / f"{stem}.html"
    page = _environment().get_template("ccpm_table.html.j2").render(title=title, facts=facts, notes=notes,
                                                                    sections=sections)
    html.write_text(page, encoding="utf-8")
    return [xlsx, html]


def write_follow_up(out: Path, stem: str, actions: pd.DataFrame, facts: list[tuple[str, str]],
                    today: date) -> list[Path]:
    """The quarterly follow-up of the action plan: every action with status and deadline, overdue first."""
    rows = follow_up_rows(actions)
    overdue = sum(1 for r in rows if r["overdue"])
    notes = [f"Situation on {today.isoformat()}: {len(rows)} actions, {overdue} overdue (deadline passed, "
             "progress neither Completed nor Dropped). Overdue actions are listed first."]
    section = {"sheet": "Follow-up", "css": "follow-up", "title": "Action plan follow-up", "rows": rows,
               "columns": FOLLOW_UP_COLUMNS, "empty": "No action in the plan yet."}
    return _write(out, stem, "CCPM action plan – quarterly follow-up", facts, notes, [section])


def write_commitments(out: Path, stem: str, scores: pd.DataFrame, facts: list[tuple[str, str]],
                      notes: list[str]) -> list[Path]:
    """Partner commitments: one table per principle of partnership and per minimum commitment."""
    rows = scores.to_dict("records")
    sections = [{"sheet": sheet, "css": css, "title": title, "columns": COMMITMENT_COLUMNS, "empty": "No answers.",
                 "rows": [r for r in rows if r["unit_type"] in (kind, "group") and r["unit_code"].startswith(prefix)]}
                for sheet, css, title, kind, prefix in [
                    ("Principles", "principles", "Principles of Partnership", "principle", "PP"),
                    ("Commitments", "commitments", "Minimum commitments", "commitment", "MC")]]
    return _write(out, stem, "Partner commitments self-assessment", facts, notes, sections)
