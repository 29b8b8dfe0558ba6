"""Inline SVG charts of the HRP dashboard: reached vs targeted bars by admin 1 and a monthly trend line.

Plain SVG text (no script, no external reference) so the page stays self-contained.
"""

from __future__ import annotations

from html import escape

import pandas as pd

ROW, LABEL, WIDTH, TOP = 34, 170, 420, 10


def _number(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(round(float(value))):,}"


def reached_vs_target(rows: list[dict]) -> str:
    """One pair of bars per admin 1 (targeted grey, reached blue), scaled to the largest figure."""
    peak = max([float(r.get(k) or 0) for r in rows for k in ("targeted", "reached")] + [1.0])
    parts = []
    for i, row in enumerate(rows):
        y = TOP + i * ROW
        targeted = 0.0 if pd.isna(row.get("targeted")) else float(row["targeted"])
        reached = float(row.get("reached") or 0)
        name = escape(f"{row.get('admin_name') or ''} ({row['admin_pcode']})")
        parts.append(
            f'<g data-pcode="{escape(row["admin_pcode"])}" data-reached="{int(reached)}">'
            f'<text x="{LABEL - 6}" y="{y + 16}" text-anchor="end">{name}</text>'
            f'<rect x="{LABEL}" y="{y + 2}" width="{WIDTH * targeted / peak:.1f}" height="12" fill="#c8c8c8"/>'
            f'<rect x="{LABEL}" y="{y + 15}" width="{WIDTH * reached / peak:.1f}" height="12" fill="#1f77b4"/>'
            f'<text x="{LABEL + WIDTH + 8}" y="{y + 24}">{_number(reached)} of {_number(row.get("targeted"))}'
            "</text></g>")
    height = TOP * 2 + ROW * max(len(rows), 1)
    return (f'<svg role="img" width="{LABEL + WIDTH + 140}" height="{height}" font-size="12">'
            f'{"".join(parts)}</svg>')


def monthly_trend(rows: list[dict]) -> str:
    """New people reached per month as a line with labelled points."""
    width, height, pad = 520, 180, 40
    if not rows:
        return f'<svg role="img" width="{width}" height="40"><text x="0" y="20">No report yet</text></svg>'
    peak = max(float(r["reached"]) for r in rows) or 1.0
    step = (width - 2 * pad) / max(len(rows) - 1, 1)
    points = [(pad + i * step, height - pad - (height - 2 * pad) * float(r["reached"]) / peak)
              for i, r in enumerate(rows)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    marks = "".join(
        f'<g data-month="{escape(r["month"])}" data-reached="{int(r["reached"])}">'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f77b4"/>'
        f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{_number(r["reached"])}</text>'
        f'<text x="{x:.1f}" y="{height - pad + 16}" text-anchor="middle">{escape(r["month"])}</text></g>'
        for (x, y), r in zip(points, rows))
    return (f'<svg role="img" width="{width}" height="{height}" font-size="11">'
            f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>{marks}</svg>')
