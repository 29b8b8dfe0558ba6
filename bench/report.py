"""The results: one row per figure (workload size, wall time, rows/s, peak MB), printed and saved as JSON."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGETS = {
    "full_load_sqlite": "≤120 s, ≤1024 MB", "full_load_postgres": "≤120 s, ≤1024 MB",
    "full_load_100k": "peak(1M) within 20%", "incremental_night": "≤15 s",
    "floor": "ours/floor ≥0.5", "naive_alternative": "ours/naive", "ccpm_2000": "≤5 s",
}


def figure(rows: int, seconds: float, peak_mb: float, **extra) -> dict:
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds) if seconds else None,
            "peak_mb": peak_mb, **extra}


def table(results: dict) -> str:
    lines = [f"{'figure':<20} {'rows':>9} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  target / notes",
             "-" * 96]
    for name, r in results.items():
        if name.startswith("_"):
            continue
        note = TARGETS.get(name, "")
        if r.get("note"):
            note += f"; {r['note']}"
        lines.append(f"{name:<20} {r['rows']:>9} {r['seconds']:>9.2f} {r['rows_per_s'] or 0:>9} "
                     f"{r['peak_mb']:>8.0f}  {note}")
    return "\n".join(lines)


def phase_lines(results: dict) -> list[str]:
    """Where each night's time went, step by step (the night summary's ``seconds``)."""
    return [f"{name}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in r["phases"].items())
            for name, r in results.items() if not name.startswith("_") and r.get("phases")]


def memory_lines(results: dict) -> list[str]:
    """Each night's peak: held at once (the figure), when it was reached, and the upper bound (``bench.probe``)."""
    out = []
    for name, r in results.items():
        if name.startswith("_") or "peak_mb_bound" not in r:
            continue
        line = (f"{name}: {r['peak_mb']:.0f} MB held at once (night and pull process, sampled), reached at "
                f"{r['peak_at_s']:.0f} s; its own peak plus its largest child's {r['peak_mb_bound']:.0f} MB")
        if r.get("prefect_server_mb"):
            line += f"; Prefect's temporary server {r['prefect_server_mb']:.0f} MB apart"
        out.append(line)
    return out


def ratios(results: dict) -> list[str]:
    out = []
    ours = results.get("full_load_sqlite") or results.get("full_load_100k")
    if ours and "floor" in results:
        out.append(f"our full load runs at {ours['rows_per_s'] / results['floor']['rows_per_s']:.2f} of the "
                   "floor's throughput (fetch + JSON parse only; aim ≥ 0.5)")
    if ours and "naive_alternative" in results:
        out.append(f"our full load is {ours['rows_per_s'] / results['naive_alternative']['rows_per_s']:.2f}x the "
                   "naive alternative's throughput (requests + json_normalize + to_sql)")
    big, small = results.get("full_load_sqlite"), results.get("full_load_100k")
    if big and small:
        out.append(f"peak memory {big['peak_mb']:.0f} MB at {big['rows']} rows vs {small['peak_mb']:.0f} MB at "
                   f"{small['rows']} rows: {100 * (big['peak_mb'] / small['peak_mb'] - 1):+.0f}% (target within 20%)")
    return out


def save(results: dict, path: Path = RESULTS) -> Path:
    path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return path
