"""How fast the machine is during a run: the same fixed work, timed at the run's start and end.

This machine's speed changes from one hour to the next, and by more from one session to the next: the
same night's full load of a million submissions took 115 s in one session and 319 s in the next, with
the floor at 18 s and 53 s. A figure is only comparable with another run's in proportion to how fast
the machine was. Every run therefore times this work (JSON parsed and walked, rows inserted into an
in-memory SQLite: the kinds of work a night does, none of this project's code) on one core, when
nothing else of the run is busy; the best of five is printed and saved in results.json under
``_machine``. It is rough: in one session it ranged from 0.39 to 0.68 s within an hour.
"""

from __future__ import annotations

import json
import sqlite3
import time

ROWS = 20_000
REPEATS = 5


def _payload() -> str:
    answers = {f"group/q{i}": str(i * 7) for i in range(40)}
    answers["lines"] = [{f"lines/a{i}": "x" * i for i in range(12)} for _ in range(2)]
    return json.dumps(answers)


def _work(text: str) -> int:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
        rows = []
        for n in range(ROWS):
            total = 0
            for value in json.loads(text).values():
                total += len(value) if isinstance(value, str) else sum(len(line) for line in value)
            rows.append((f"k{n:06d}", total))
        conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
        conn.commit()
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        conn.close()


def seconds(repeats: int = REPEATS) -> float:
    """Wall seconds of the fixed work, the best of ``repeats`` (lower: a faster machine)."""
    text, best = _payload(), float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        _work(text)
        best = min(best, time.perf_counter() - began)
    return round(best, 3)


def line(machine: dict) -> str:
    return (f"machine: the fixed calibration work took {machine['start_s']:.3f} s at the start of the run and "
            f"{machine['end_s']:.3f} s at its end (best of {REPEATS}, one core; lower is faster). Compare "
            "another run's times in proportion to it.")
