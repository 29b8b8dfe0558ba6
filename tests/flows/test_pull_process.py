"""A large form's pull runs in a second process while the night stages what it lands: same warehouse,
same counts, and a failure in that process still reaches the night as the form's failure."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from connectors.sandbox import Sandbox
from flows.config import parse_config
from flows import stage as flows_stage
from flows.nightly import STAGED_BEFORE_FAILURE, merge_staged, pull_task
from flows.pull import PullError
from flows.pull_process import worth_a_process
from flows.stage import Stager, validation_context
from warehouse import schema, state
from warehouse.db import dispose, engine

FORM = "ccpm_partner"
TOKEN_ENV = "CLUSTERMON_TEST_PULL_PROCESS_TOKEN"
KOBO_DATA = "/api/v2/assets/"


@pytest.fixture
def sandbox():
    with Sandbox(port=0, seed=5, forms={FORM: 23}) as server:
        yield server


def config(sandbox, url: str, parallel_from: int, monkeypatch):
    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv(TOKEN_ENV, sandbox.token)
    cfg = parse_config({
        "country": "SSD", "cluster": "CCCM", "warehouse": url, "page_size": 10,
        "parallel_pull_from": parallel_from,
        "sources": {"kobo": {"kind": "kobo", "url": sandbox.url, "token_env": TOKEN_ENV}},
        "forms": [{"form": FORM, "source": "kobo", "asset_uid": sandbox.asset_uid(FORM)}],
    })
    schema.create_all(engine(url))
    return cfg


def pull(cfg) -> dict:
    load_id = state.start_load(engine(cfg.warehouse), "night", "*")
    return pull_task.fn(cfg, cfg.forms[0], load_id, validation_context(cfg))


def left_behind(url: str) -> dict:
    """Every staging table, the quarantine and the staged marks, as sorted rows."""
    with engine(url).connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n.startswith("stg_")]
        rows = {name: conn.execute(sa.text(f'select * from "{name}"')).all() for name in names}
        rows["quarantine"] = conn.execute(sa.text(
            "select form_id, submission_key, rule, field, value from quarantine")).all()
        rows["marks"] = conn.execute(sa.text(
            "select submission_key, version_key = staged_version_key from submission_state")).all()
    return {name: sorted(map(tuple, values), key=repr) for name, values in rows.items()}


def test_only_a_pull_of_at_least_the_threshold_gets_a_second_process(sandbox, tmp_path, monkeypatch):
    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", 23, monkeypatch)
    assert worth_a_process(cfg, cfg.forms[0])
    assert not worth_a_process(dataclasses.replace(cfg, parallel_pull_from=24), cfg.forms[0])
    assert not worth_a_process(dataclasses.replace(cfg, parallel_pull_from=0), cfg.forms[0])


def test_a_pull_in_a_second_process_leaves_what_one_process_leaves(sandbox, tmp_path, monkeypatch):
    one = config(sandbox, f"sqlite:///{tmp_path / 'one.db'}", 0, monkeypatch)
    two = config(sandbox, f"sqlite:///{tmp_path / 'two.db'}", 1, monkeypatch)
    alone, beside = pull(one), pull(two)
    assert (alone["second_process"], beside["second_process"]) == (False, True)
    for result in (alone, beside):
        assert (result["rows"], result["new"], result["stage"]["staged"] + result["stage"]["quarantined"]) == \
            (23, 23, 23)
    assert beside["stage"]["staged"] == alone["stage"]["staged"]
    assert left_behind(two.warehouse) == left_behind(one.warehouse)
    assert all(staged for _, staged in left_behind(two.warehouse)["marks"])
    dispose(one.warehouse), dispose(two.warehouse)


def test_a_failed_pull_process_fails_the_form_and_keeps_what_it_landed(sandbox, tmp_path, monkeypatch):
    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", 1, monkeypatch)
    # the count request and two pages go through; the third page is reset, then refused for good
    sandbox.inject([{"kind": "abort_after_pages", "pages": 3, "times": 1, "path": KOBO_DATA},
                    {"status": 403, "path": KOBO_DATA}])
    with pytest.raises(PullError, match=f"form {FORM}.*stopped after landing 20 rows"):
        pull(cfg)
    marks = left_behind(cfg.warehouse)["marks"]
    assert len(marks) == 20  # two pages of ten, landed with their cursor
    dispose(cfg.warehouse)


@pytest.mark.parametrize("parallel_from", [0, 1], ids=["in-process", "second-process"])
def test_what_a_failed_pull_staged_before_failing_still_counts(sandbox, tmp_path, monkeypatch, parallel_from):
    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", parallel_from, monkeypatch)
    monkeypatch.setattr(flows_stage, "Stager", lambda *args, **kw: Stager(*args, **{**kw, "batch_size": 10}))
    pages = 3 if parallel_from else 2  # the count request goes first when a second process is considered
    sandbox.inject([{"kind": "abort_after_pages", "pages": pages, "times": 1, "path": KOBO_DATA},
                    {"status": 403, "path": KOBO_DATA}])
    with pytest.raises(PullError) as failed:
        pull(cfg)
    early = getattr(failed.value, STAGED_BEFORE_FAILURE)
    assert early["form"] == FORM and early["staged"] + early["quarantined"] == 20
    later = {"form": FORM, "staged": 1, "quarantined": 0, "deleted": 0, "warnings": [], "issues": [],
             "validation_results": []}
    merged = merge_staged([], [later], [early])
    assert merged[0]["staged"] + merged[0]["quarantined"] == 21
    assert len(merged[0]["validation_results"]) == len(early["validation_results"]) > 0
    assert merge_staged([], [], [early]) == [early]  # its staging step failed too: what was staged stays
    dispose(cfg.warehouse)


def change_the_server(sandbox) -> None:
    """Three new rows, an edit, a validation-status change and a hard delete."""
    sandbox.add(FORM, 3)
    sandbox.edit(FORM, 4)
    sandbox.set_validation_status(FORM, 9, "validation_status_approved")
    sandbox.delete(FORM, 15)


def test_a_held_form_read_beside_its_new_rows_ends_as_a_night_read_in_line(sandbox, tmp_path, monkeypatch):
    """The reconcile pass's light read in a second process (``flows.reconcile_process``) finds the same edits,
    validation changes and deletes as the read in line, and re-fetches nothing the night already landed."""
    # no lookback: the second night reads 4 rows in its window (in this process) and holds 23 (>= 20)
    inline = dataclasses.replace(config(sandbox, f"sqlite:///{tmp_path / 'inline.db'}", 0, monkeypatch),
                                 overlap_minutes=0)
    beside = dataclasses.replace(config(sandbox, f"sqlite:///{tmp_path / 'beside.db'}", 20, monkeypatch),
                                 overlap_minutes=0)
    first = [pull(inline), pull(beside)]
    assert [r["reconcile_process"] for r in first] == [False, False]  # nothing held yet: read in line
    change_the_server(sandbox)
    alone, next_to = pull(inline), pull(beside)
    assert (alone["second_process"], alone["reconcile_process"]) == (False, False)
    assert (next_to["second_process"], next_to["reconcile_process"]) == (False, True)
    counts = lambda r: {k: r[k] for k in ("rows", "new", "changed", "deleted", "unchanged")}  # noqa: E731
    assert counts(next_to) == counts(alone)
    assert (alone["new"], alone["changed"], alone["deleted"]) == (3, 2, 1)
    assert left_behind(beside.warehouse) == left_behind(inline.warehouse)
    dispose(inline.warehouse), dispose(beside.warehouse)


def test_the_nights_first_held_form_starts_its_read_ahead_and_its_pull_uses_that_read(sandbox, tmp_path, monkeypatch):
    from flows import reconcile_process
    from flows.reconcile_process import Ahead

    inline = dataclasses.replace(config(sandbox, f"sqlite:///{tmp_path / 'inline.db'}", 0, monkeypatch),
                                 overlap_minutes=0)
    cfg = dataclasses.replace(config(sandbox, f"sqlite:///{tmp_path / 'ahead.db'}", 20, monkeypatch),
                              overlap_minutes=0)
    assert Ahead(cfg).reads == {}  # nothing held yet
    pull(inline), pull(cfg)
    assert Ahead(inline).reads == {}  # parallel_pull_from: 0 reads in line
    change_the_server(sandbox)
    ahead = Ahead(cfg)
    read = ahead.reads[FORM]
    monkeypatch.setattr(reconcile_process, "start", lambda *a: pytest.fail("a second read was started"))
    load_id = state.start_load(engine(cfg.warehouse), "night", "*")
    result = pull_task.fn(cfg, cfg.forms[0], load_id, validation_context(cfg), ahead)
    assert result["reconcile_process"] and ahead.reads == {} and not read.child.is_alive()
    pull(inline)
    assert left_behind(cfg.warehouse) == left_behind(inline.warehouse)
    monkeypatch.undo()
    for end in (Ahead.close, lambda a: a.drop(cfg.forms[0])):  # not claimed: the night ends it
        unclaimed = Ahead(config(sandbox, cfg.warehouse, 20, monkeypatch))
        child = unclaimed.reads[FORM].child
        end(unclaimed)
        assert not child.is_alive() and unclaimed.reads == {}
    dispose(inline.warehouse), dispose(cfg.warehouse)


def test_a_read_that_cannot_start_ahead_leaves_it_to_the_forms_pull(sandbox, tmp_path, monkeypatch, caplog):
    from flows import reconcile_process
    from flows.reconcile_process import Ahead

    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", 20, monkeypatch)
    pull(cfg)

    def unreachable(*args):
        raise OSError("disk I/O error")

    monkeypatch.setattr(reconcile_process, "start", unreachable)
    ahead = Ahead(cfg)
    assert ahead.reads == {} and f"form {FORM}: its reconcile read could not start ahead" in caplog.text
    monkeypatch.undo()
    dispose(cfg.warehouse)


def test_a_failed_light_read_fails_the_form_after_its_new_rows_landed(sandbox, tmp_path, monkeypatch):
    from flows.pull import pull_form
    from flows.reconcile_process import start

    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", 0, monkeypatch)
    pull(cfg)
    change_the_server(sandbox)
    monkeypatch.setenv("CLUSTERMON_TEST_WRONG_TOKEN", "not-the-token")  # the server refuses the light read
    refused = dataclasses.replace(cfg, sources={"kobo": dataclasses.replace(
        cfg.sources["kobo"], token_env="CLUSTERMON_TEST_WRONG_TOKEN")})
    with pytest.raises(PullError, match=f"form {FORM} .*stopped after landing \\d+ rows.*401"):
        pull_form(cfg, cfg.forms[0], light=lambda: start(refused, cfg.forms[0]))
    with engine(cfg.warehouse).connect() as conn:
        held = conn.execute(sa.text("select count(*) from submission_state")).scalar()
    assert held == 26  # the three new rows landed with their cursor; the next night reconciles
    dispose(cfg.warehouse)


def test_a_reconcile_process_that_dies_is_reported_and_one_no_longer_needed_is_ended(sandbox, tmp_path, monkeypatch):
    from flows.reconcile_process import LightReadError, start

    cfg = config(sandbox, f"sqlite:///{tmp_path / 'w.db'}", 0, monkeypatch)
    pull(cfg)
    dying = start(cfg, cfg.forms[0])
    dying.child.kill()
    with pytest.raises(LightReadError, match=f"form {FORM}: the reconcile process ended without a result"):
        dying.result()
    unwanted = start(cfg, cfg.forms[0])
    unwanted.cancel()
    assert not unwanted.child.is_alive()
    read = start(cfg, cfg.forms[0])
    stale, gone = read.result()
    assert (stale, gone) == ([], set())  # nothing changed on the server since the warehouse was loaded
    dispose(cfg.warehouse)
