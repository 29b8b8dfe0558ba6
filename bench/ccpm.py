"""CCPM scoring and report for 2,000 partner responses (plus one coordinator questionnaire).

Set-up (untimed): synthetic responses landed and staged in a fresh SQLite warehouse. Timed: what the
nightly flow's score and report tasks do (``flows.ccpm.gather``, ``score_cycle``, ``write_report``).
"""

from __future__ import annotations

import time
from pathlib import Path


def _stage(cfg, counts: dict[str, int]) -> None:
    from connectors.kobo import to_record
    from connectors.synthetic import generate
    from flows.stage import stage_form
    from forms.definition import load_form
    from warehouse import raw, schema, state
    from warehouse.db import engine

    eng = engine(cfg.warehouse)
    schema.create_all(eng)
    load_id = state.start_load(eng, "bench", "*")
    for form_id, n in counts.items():
        records = [to_record(row, form_id, "kobo-bench") for row in generate(load_form(form_id), n, seed=3)]
        with eng.begin() as conn:
            raw.land(conn, records, load_id)
        stage_form(cfg, form_id, load_id)


def ccpm_2000(spec: dict) -> dict:
    from flows import ccpm
    from flows.config import parse_config

    cfg = parse_config({
        "country": "SSD", "cluster": "CCCM", "warehouse": f"sqlite:///{Path(spec['workdir']) / 'ccpm.db'}",
        "reports_dir": str(Path(spec["workdir"]) / "reports"),
        "sources": {"kobo-bench": {"kind": "kobo", "url": "http://127.0.0.1:9"}},
        "forms": [{"form": "ccpm_partner", "source": "kobo-bench"},
                  {"form": "ccpm_coordinator", "source": "kobo-bench"}],
        "ccpm": {"cycle": "bench", "start": "2026-11-01", "end": "2026-11-15"},
    })
    set_up = time.perf_counter()
    _stage(cfg, {"ccpm_partner": spec["rows"], "ccpm_coordinator": 1})
    set_up = time.perf_counter() - set_up
    began = time.perf_counter()
    inputs = ccpm.gather(cfg)
    ccpm.score_cycle(cfg, "bench", inputs)
    files = ccpm.write_report(cfg, inputs)
    return {"rows": spec["rows"], "seconds": time.perf_counter() - began, "set_up_seconds": round(set_up, 2),
            "files": [str(f) for f in files]}
