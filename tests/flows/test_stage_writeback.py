"""Write-back after staging, over real HTTP against the sandbox: quarantined KoBo submissions get a
validation status, ODK ones a review state and a comment; verdicts are sent once, a status set by hand
is respected, and a failing server is reported without stopping anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from connectors.kobo import KoboClient
from connectors.odk import OdkClient
from connectors.sandbox import Sandbox
from flows.config import parse_config
from flows.pull import pull_form
from flows.stage import stage_form, validation_context
from flows.writeback import write_back
from warehouse import schema
from warehouse.db import dispose
from warehouse.db import engine as get_engine

KOBO_FORM, ODK_FORM = "ccpm_partner", "fivew_monthly"
FAST = {"retries": 2, "backoff_factor": 0.001}
NOT_APPROVED = "validation_status_not_approved"


@pytest.fixture
def sandbox():
    with Sandbox(port=0, seed=11, forms={KOBO_FORM: 6, ODK_FORM: 6}) as server:
        server.edit(KOBO_FORM, 2, {"org_type": "not_a_type"})
        server.edit(ODK_FORM, 3, {"reporting_org": "NOT_A_PARTNER"})
        yield server


def make_config(sandbox, warehouse_url, monkeypatch, tmp_path):
    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    for name, value in {"WB_TOKEN": sandbox.token, "WB_USER": sandbox.state.odk_email,
                        "WB_PASSWORD": sandbox.state.odk_password}.items():
        monkeypatch.setenv(name, value)
    schema.create_all(get_engine(warehouse_url))
    return parse_config({
        "country": "SSD", "cluster": "CCCM", "warehouse": warehouse_url, "reports_dir": str(tmp_path),
        "overlap_minutes": 0, "write_back": True,
        "sources": {"kobo": {"kind": "kobo", "url": sandbox.url, "token_env": "WB_TOKEN"},
                    "odk": {"kind": "odk", "url": sandbox.url, "username_env": "WB_USER",
                            "password_env": "WB_PASSWORD"}},
        "forms": [{"form": KOBO_FORM, "source": "kobo", "asset_uid": sandbox.asset_uid(KOBO_FORM)},
                  {"form": ODK_FORM, "source": "odk", "form_id": ODK_FORM}]})


@pytest.fixture
def cfg(sandbox, warehouse_url, monkeypatch, tmp_path):
    """SQLite and PostgreSQL: for the warehouse queries of the write-back."""
    yield make_config(sandbox, warehouse_url, monkeypatch, tmp_path)
    dispose(warehouse_url)


@pytest.fixture
def sqlite_cfg(sandbox, sqlite_url, monkeypatch, tmp_path):
    """SQLite only: for what the servers must see (validation runs each night, so keep these few)."""
    yield make_config(sandbox, sqlite_url, monkeypatch, tmp_path)
    dispose(sqlite_url)


def clients(sandbox) -> dict:
    return {"kobo": KoboClient(sandbox.url, sandbox.token, **FAST),
            "odk": OdkClient(sandbox.url, sandbox.state.odk_email, sandbox.state.odk_password, **FAST)}


def night(cfg, sandbox, **options) -> tuple[dict, dict]:
    """Pull and stage both forms, then write back; returns (pull summaries by form, write-back result)."""
    made, context = clients(sandbox), validation_context(cfg)
    pulls = {}
    for form in cfg.forms:
        pulls[form.form] = pull_form(cfg, form, client=made[form.source])
        stage_form(cfg, form.form, "night", context)
    return pulls, write_back(cfg, clients=made, **options)


def quarantined(cfg, form_id: str) -> set[str]:
    with get_engine(cfg.warehouse).connect() as conn:
        return {k for (k,) in conn.execute(sa.text("select distinct submission_key from quarantine "
                                                   "where form_id = :f"), {"f": form_id})}


def kobo_key(sandbox, index: int) -> str:
    return sandbox.store(KOBO_FORM).row(index)["meta/rootUuid"]


def odk_key(sandbox, index: int) -> str:
    return sandbox.store(ODK_FORM).odk_row(index)["__id"]


def test_quarantined_submissions_get_their_verdict_on_both_servers(cfg, sandbox):
    _, result = night(cfg, sandbox)
    assert result["failed"] == []
    kobo, odk = sandbox.store(KOBO_FORM), sandbox.store(ODK_FORM)
    assert kobo_key(sandbox, 2) in quarantined(cfg, KOBO_FORM) and odk_key(sandbox, 3) in quarantined(cfg, ODK_FORM)
    assert result["sent"] == {KOBO_FORM: len(quarantined(cfg, KOBO_FORM)), ODK_FORM: len(quarantined(cfg, ODK_FORM))}
    assert {kobo_key(sandbox, i) for i, v in kobo.validation.items() if v.get("uid") == NOT_APPROVED} \
        == quarantined(cfg, KOBO_FORM)
    assert {odk_key(sandbox, i) for i, s in odk.review.items() if s == "hasIssues"} == quarantined(cfg, ODK_FORM)
    [comment] = odk.comments[3]
    assert "reporting_org" in comment["body"] and "NOT_A_PARTNER" in comment["body"]


def test_verdicts_are_not_sent_again_when_the_next_night_sees_them(cfg, sandbox):
    night(cfg, sandbox)
    odk = sandbox.store(ODK_FORM)
    stamped, revision = dict(odk.updated_at), sandbox.store(KOBO_FORM).revision
    pulls, result = night(cfg, sandbox)
    assert pulls[KOBO_FORM]["changed"] >= 1 and pulls[ODK_FORM]["changed"] >= 1  # our verdicts came back
    assert result == {"sent": {KOBO_FORM: 0, ODK_FORM: 0}, "failed": []}
    assert odk.updated_at == stamped and sandbox.store(KOBO_FORM).revision == revision
    assert [len(c) for c in odk.comments.values()] == [1] * len(odk.comments)


def test_a_status_set_by_hand_is_respected_and_new_issues_are_sent(sqlite_cfg, sandbox):
    cfg = sqlite_cfg
    night(cfg, sandbox)
    sandbox.set_validation_status(KOBO_FORM, 2, "validation_status_approved")  # a data manager decides
    _, result = night(cfg, sandbox)
    assert result["sent"][KOBO_FORM] == 0
    assert sandbox.store(KOBO_FORM).validation[2]["uid"] == "validation_status_approved"
    sandbox.edit(ODK_FORM, 3, {"reporting_org": "STILL_WRONG"})  # edited, still wrong: a new comment
    _, result = night(cfg, sandbox, odk_state="rejected")
    assert result["sent"][ODK_FORM] == 1
    assert sandbox.store(ODK_FORM).review[3] == "rejected"
    assert "STILL_WRONG" in sandbox.store(ODK_FORM).comments[3][-1]["body"]


def test_a_failing_server_is_reported_and_retried_the_next_night(sqlite_cfg, sandbox):
    cfg = sqlite_cfg
    sandbox.inject([{"status": 503, "method": "PATCH", "times": 50}])
    _, result = night(cfg, sandbox)
    assert result["sent"] == {KOBO_FORM: 0, ODK_FORM: 0}
    assert [(f["form"], f["source"], f["write_back"]) for f in result["failed"]] == [
        (KOBO_FORM, "kobo", True), (ODK_FORM, "odk", True)]
    assert "HTTP 503" in result["failed"][0]["message"] and "tried again next night" in result["failed"][0]["message"]
    sandbox.state.faults.clear()
    _, result = night(cfg, sandbox)
    assert result["failed"] == [] and result["sent"][KOBO_FORM] == len(quarantined(cfg, KOBO_FORM))
