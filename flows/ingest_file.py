"""`clustermon ingest --file`: an exported file lands, stages and validates exactly like an API pull.

File imports are not a cursor-driven source: the whole file lands in one transaction as versions of their
submissions (a re-import of the same file changes nothing), then the form is staged as on any night.
"""

from __future__ import annotations

from pathlib import Path

from connectors.files import read_export
from flows.config import Config
from flows.stage import stage_form
from forms.definition import load_form
from warehouse import raw, schema, state
from warehouse.db import engine as get_engine, writing

FILE_SOURCE = "file"


def ingest_file(cfg: Config, path: Path, form_id: str) -> dict:
    """Land the export's submissions, then stage the form; returns counts for the summary line."""
    form = load_form(form_id)
    records = read_export(Path(path), form, source=FILE_SOURCE)
    eng = get_engine(cfg.warehouse)
    schema.create_all(eng)
    load_id = state.start_load(eng, FILE_SOURCE, form_id)
    try:
        with writing(eng).begin() as conn:  # a night may be pulling into the same warehouse
            counts = raw.land(conn, records, load_id)
        staged = stage_form(cfg, form_id, load_id)
    except Exception as exc:
        state.finish_load(eng, load_id, "failed", {}, message=f"{path}: {exc}")
        raise
    state.finish_load(eng, load_id, "ok", {"new": counts["new"], "changed": counts["changed"],
                                           "unchanged": counts["unchanged"], "staged": staged.staged,
                                           "quarantined": staged.quarantined})
    return {"rows": len(records), **counts, "staged": staged.staged, "quarantined": staged.quarantined,
            "load_id": load_id}
