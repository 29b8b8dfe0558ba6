"""Write-back requests over real HTTP against the sandbox: KoBo validation status, Central review state
and comments, and the errors a refused request gives."""

from __future__ import annotations

import pytest
import requests

from connectors.errors import SourceError
from connectors.kobo import KoboClient
from connectors.odk import OdkClient
from connectors.sandbox import Sandbox
from connectors.writeback import kobo_set_status, odk_comment, odk_set_review

FORM = "fivew_monthly"
FAST = {"retries": 2, "backoff_factor": 0.001}


@pytest.fixture
def sandbox():
    with Sandbox(port=0, seed=4, forms={FORM: 5}) as server:
        yield server


def kobo(sandbox) -> KoboClient:
    return KoboClient(sandbox.url, sandbox.token, **FAST)


def odk(sandbox) -> OdkClient:
    return OdkClient(sandbox.url, sandbox.state.odk_email, sandbox.state.odk_password, **FAST)


def instance_id(sandbox, index: int) -> str:
    return sandbox.store(FORM).odk_row(index)["__id"]


def test_kobo_validation_status_is_set_and_shown_in_the_data(sandbox):
    uid = sandbox.asset_uid(FORM)
    answer = kobo_set_status(kobo(sandbox), uid, 2, "validation_status_on_hold", FORM)
    assert answer["uid"] == "validation_status_on_hold"
    rows = requests.get(f"{sandbox.url}/api/v2/assets/{uid}/data/", params={"format": "json"},
                        headers={"Authorization": f"Token {sandbox.token}"}, timeout=10).json()["results"]
    assert {r["_id"]: r["_validation_status"].get("uid") for r in rows}[2] == "validation_status_on_hold"


def test_kobo_refusal_names_the_form_and_submission(sandbox):
    with pytest.raises(SourceError) as caught:
        kobo_set_status(kobo(sandbox), sandbox.asset_uid(FORM), 99, "validation_status_not_approved", FORM)
    assert caught.value.status == 404
    assert "submission 99 of form fivew_monthly" in str(caught.value)


def test_odk_review_state_moves_updated_at_and_shows_in_the_feed(sandbox):
    client, key = odk(sandbox), instance_id(sandbox, 3)
    before = sandbox.store(FORM).odk_row(3)["__system"]
    answer = odk_set_review(client, FORM, key, "hasIssues")
    after = sandbox.store(FORM).odk_row(3)["__system"]
    assert answer["instanceId"] == key and answer["reviewState"] == "hasIssues"
    assert before["updatedAt"] is None and after["updatedAt"] and after["reviewState"] == "hasIssues"
    feed = next(client.iter_table(FORM, filter=f"__system/updatedAt gt {before['submissionDate']}"))
    assert [(r["__id"], r["__system"]["reviewState"]) for r in feed] == [(key, "hasIssues")]


def test_odk_comments_are_kept_per_submission(sandbox):
    client, key = odk(sandbox), instance_id(sandbox, 1)
    odk_comment(client, FORM, key, "Activity line 2 repeats line 1")
    listed = client.session.get_json(f"v1/projects/1/forms/{FORM}/submissions/{key}/comments")
    assert [c["body"] for c in listed] == ["Activity line 2 repeats line 1"]
    assert sandbox.store(FORM).comments == {1: listed}


def test_odk_unknown_submission_and_bad_state_are_refused(sandbox):
    client = odk(sandbox)
    with pytest.raises(SourceError) as caught:
        odk_set_review(client, FORM, "uuid:not-there", "hasIssues")
    assert caught.value.status == 404 and "submission uuid:not-there of form fivew_monthly" in str(caught.value)
    with pytest.raises(ValueError, match="hasIssues, rejected"):
        odk_set_review(client, FORM, instance_id(sandbox, 1), "maybe")


def test_a_submission_added_after_a_review_arrives_after_it(sandbox):
    store = sandbox.store(FORM)
    odk_set_review(odk(sandbox), FORM, instance_id(sandbox, 5), "rejected")
    reviewed = store.odk_row(5)["__system"]["updatedAt"]
    [new] = sandbox.add(FORM, 1)
    assert store.odk_row(new)["__system"]["submissionDate"] > reviewed
    assert store.time_of(new) > store.time_of(new - 1)
