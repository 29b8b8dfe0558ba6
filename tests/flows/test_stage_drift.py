"""Schema drift while staging: a changed question type fails only that form (the night goes on, the
batch stays pending, a rerun after the fix loads it); a renamed question is staged and reported once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.config import parse_config
from flows.stage import stage_all, stage_form
from forms.definition import parse_markdown
from transforms.validate import Context
from warehouse import raw, schema
from warehouse.db import dispose
from warehouse.db import engine as get_engine


def form_md(form_id: str, version: int, *questions: str) -> str:
    rows = "\n".join(f"| | {q} | {q.split(' | ')[1].title()} |" for q in questions)
    return (f"| settings |\n| | form_id | version |\n| | {form_id} | {version} |\n"
            f"| survey |\n| | type | name | label |\n{rows}\n")


SITES_V1 = parse_markdown(form_md("drift_sites", 1, "integer | households", "text | site"))
SITES_RETYPED = parse_markdown(form_md("drift_sites", 2, "text | households", "text | site"))
SITES_RENAMED = parse_markdown(form_md("drift_sites", 3, "integer | households_total", "text | site"))
PEOPLE = parse_markdown(form_md("drift_people", 1, "integer | people"))


def record(form_id: str, key: str, version: str, **answers) -> dict:
    payload = {"_id": 1, "meta/rootUuid": key, "_uuid": version, "_submission_time": "2026-03-02T08:00:00",
               "_validation_status": {}, **answers}
    return {"source": "files", "form_id": form_id, "submission_key": key, "version_key": version,
            "submitted_at": None, "updated_at": None, "deleted_at": None, "validation_status": None,
            "payload": payload}


@pytest.fixture
def cfg(warehouse_url, monkeypatch):
    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    schema.create_all(get_engine(warehouse_url))
    yield parse_config({"country": "SSD", "cluster": "CCCM", "warehouse": warehouse_url,
                        "sources": {"files": {"kind": "file"}},
                        "forms": [{"form": "drift_sites", "source": "files"},
                                  {"form": "drift_people", "source": "files"}]})
    dispose(warehouse_url)


def land(cfg, *records) -> None:
    with get_engine(cfg.warehouse).begin() as conn:
        raw.land(conn, list(records), "load-1")


def night(cfg, sites):
    """Stage both forms the way the nightly flow does, with ``sites`` as the current drift_sites form."""
    forms = {"drift_sites": sites, "drift_people": PEOPLE}

    def stage(cfg, form_id, load_id, context):
        return stage_form(cfg, form_id, load_id, context, form=forms[form_id]).as_dict()

    return stage_all(cfg, stage, "night-1", Context())


def rows(cfg, table: str) -> list[tuple]:
    with get_engine(cfg.warehouse).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"select * from {table} order by submission_key"))]


def columns(cfg, table: str) -> dict[str, tuple]:
    with get_engine(cfg.warehouse).connect() as conn:
        result = conn.execute(sa.text(f"select * from {table} order by submission_key"))
        names = list(result.keys())
        return {r[0]: dict(zip(names, r)) for r in result}


def test_a_retyped_question_fails_only_its_form_and_says_what_to_do(cfg):
    land(cfg, record("drift_sites", "s1", "v1", households="12", site="North"),
         record("drift_people", "p1", "v1", people="4"))
    assert night(cfg, SITES_V1)[1] == []
    land(cfg, record("drift_sites", "s2", "v1", households="about 20", site="East"),
         record("drift_people", "p2", "v1", people="7"))
    staged, failed = night(cfg, SITES_RETYPED)
    assert [s["form"] for s in staged] == ["drift_people"] and staged[0]["staged"] == 1
    assert sorted(columns(cfg, "stg_drift_people")) == ["p1", "p2"]
    [failure] = failed
    assert {k: failure[k] for k in ("form", "source", "stage")} == {"form": "drift_sites", "source": "files",
                                                                    "stage": True}
    message = failure["message"]
    for words in ("form drift_sites", "'stg_drift_sites'", "'households'", "integer", "text",
                  "new name", "re-stage", "stay pending", "the night goes on with the other forms"):
        assert words in message, words
    pending = [r["submission_key"] for batch in raw.pending(get_engine(cfg.warehouse), "drift_sites")
               for r in batch]
    assert pending == ["s2"]


def test_a_rerun_after_the_fix_loads_the_pending_batch(cfg):
    land(cfg, record("drift_sites", "s1", "v1", households="12", site="North"))
    night(cfg, SITES_V1)
    land(cfg, record("drift_sites", "s2", "v1", households="about 20", site="East"))
    assert night(cfg, SITES_RETYPED)[1]
    with get_engine(cfg.warehouse).begin() as conn:  # the fix the message names
        conn.execute(sa.text("alter table stg_drift_sites drop column households"))
        raw.restage(conn, "drift_sites")
    staged, failed = night(cfg, SITES_RETYPED)
    assert failed == [] and staged[0]["staged"] == 2
    assert {k: r["households"] for k, r in columns(cfg, "stg_drift_sites").items()} == {"s1": "12",
                                                                                       "s2": "about 20"}


def test_a_renamed_question_gets_a_new_column_and_one_warning(cfg):
    land(cfg, record("drift_sites", "s1", "v1", households="12", site="North"))
    night(cfg, SITES_V1)
    land(cfg, record("drift_sites", "s2", "v1", households_total="30", site="East"))
    staged, failed = night(cfg, SITES_RENAMED)
    assert failed == []
    [warning] = staged[0]["warnings"]
    for words in ("form drift_sites", "'households_total'", "'households'", "COALESCE", "raw.restage"):
        assert words in warning, words
    table = columns(cfg, "stg_drift_sites")
    assert [(table[k]["households"], table[k]["households_total"]) for k in ("s1", "s2")] == [(12, None),
                                                                                             (None, 30)]
    land(cfg, record("drift_sites", "s3", "v1", households_total="5", site="West"))
    staged, _ = night(cfg, SITES_RENAMED)
    assert staged[0]["warnings"] == [] and staged[0]["staged"] == 1
