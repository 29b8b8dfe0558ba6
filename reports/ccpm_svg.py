"""An inline SVG bar chart of sub-function scores, one bar per sub-function coloured by its status band.

Plain SVG text (no script, no external reference, no namespace URL) so the HTML report stays self-contained
and prints the same as it shows.
"""

from __future__ import annotations

import math
from html import escape

from reports.ccpm_data import format_score
from transforms.ccpm_bands import status_colour

ROW, LABEL_WIDTH, BAR_WIDTH, TOP = 26, 330, 360, 24


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bar(index: int, row: dict) -> str:
    y = TOP + index * ROW
    score = row["score"]
    evaluated = not (score is None or math.isnan(score))
    width = BAR_WIDTH * score / 100 if evaluated else 0
    colour = status_colour(row["status"])
    label = escape(f"{row['unit_code']} {_shorten(row['unit_name'])}")
    value = escape(format_score(score) if evaluated else row["status"])
    return (
        f'<g data-code="{escape(row["unit_code"])}" data-status="{escape(row["status"])}">'
        f"<title>{escape(row['unit_code'])} {escape(row['unit_name'])}: {value} – {escape(row['status'])}</title>"
        f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{label}</text>'
        f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(width, 2):.1f}" height="{ROW - 8}" '
        f'fill="#{colour}" stroke="#666" stroke-width="0.5"/>'
        f'<text x="{LABEL_WIDTH + max(width, 2) + 6:.1f}" y="{y + 15}">{value}</text></g>'
    )


def _grid(height: int) -> str:
    lines = []
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        lines.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 6}" stroke="#ccc"/>'
                     f'<text x="{x:.1f}" y="{TOP - 8}" text-anchor="middle" class="tick">{tick}%</text>')
    return "".join(lines)


def subfunction_chart(rows: list[dict]) -> str:
    """The SVG element for sub-function rows (dicts with unit_code, unit_name, score, status)."""
    height = TOP + ROW * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 90
    bars = "".join(_bar(i, row) for i, row in enumerate(rows))
    return (f'<svg class="chart" role="img" aria-label="Sub-function scores" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-size="12" font-family="sans-serif">'
            f"{_grid(height)}{bars}</svg>")
