"""The sandbox's KoBo KPI v2 API over real HTTP: auth, paging contract, query/sort/fields, edits and deletes."""

from __future__ import annotations

import json

import pytest
import requests

from connectors.sandbox import Sandbox, asset_uid
from connectors.sandbox.example_form import example_form

AUTH = {"Authorization": "Token sandbox-token"}


@pytest.fixture
def sandbox():
    with Sandbox(forms={"mini": 250}, definitions={"mini": example_form()}, seed=4) as sb:
        yield sb


def data_url(sb) -> str:
    return f"{sb.url}/api/v2/assets/{asset_uid('mini')}/data/"


def get(sb, **params) -> dict:
    response = requests.get(data_url(sb), params={"format": "json", **params}, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_requests_without_or_with_a_wrong_token_get_401(sandbox):
    assert requests.get(data_url(sandbox), timeout=5).status_code == 401
    wrong = requests.get(data_url(sandbox), headers={"Authorization": "Token nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid token."}


def test_default_page_is_100_with_count_and_absolute_next(sandbox):
    page = get(sandbox)
    assert page["count"] == 250 and len(page["results"]) == 100 and page["previous"] is None
    assert page["next"].startswith(sandbox.url) and "start=100" in page["next"]
    assert [r["_id"] for r in page["results"]] == list(range(1, 101))


def test_following_next_reads_every_row_once_and_ends_with_null(sandbox):
    url, seen = data_url(sandbox) + "?format=json&limit=60", []
    while url:
        page = requests.get(url, headers=AUTH, timeout=10).json()
        seen += [r["_id"] for r in page["results"]]
        url = page["next"]
    assert seen == [r["_id"] for r in sandbox.truth("mini")] == list(range(1, 251))


def test_limit_is_silently_clamped_to_1000(sandbox):
    sandbox.add("mini", 1000)
    page = get(sandbox, limit=5000, fields='["_id"]')
    assert len(page["results"]) == 1000 and page["count"] == 1250 and "limit=1000" in page["next"]


def test_start_offset_and_previous(sandbox):
    page = get(sandbox, start=240, limit=20)
    assert [r["_id"] for r in page["results"]] == list(range(241, 251))
    assert page["next"] is None and "start=220" in page["previous"]


def test_sort_descending_and_fields_projection(sandbox):
    page = get(sandbox, sort='{"_id": -1}', limit=3, fields='["_id", "_uuid", "grp"]')
    assert [r["_id"] for r in page["results"]] == [250, 249, 248]
    assert set(page["results"][0]) == {"_id", "_uuid", "grp/age", "grp/score", "grp/gps"}


def test_query_on_submission_time_accepts_kobo_and_utc_suffixed_times(sandbox):
    truth = sandbox.truth("mini")
    cut = truth[99]["_submission_time"]
    page = get(sandbox, query=json.dumps({"_submission_time": {"$gt": cut}}), limit=1000)
    assert page["count"] == 150 and page["results"][0]["_id"] == 101
    both = {"_submission_time": {"$gte": cut + "Z", "$lt": truth[109]["_submission_time"]}}
    assert [r["_id"] for r in get(sandbox, query=json.dumps(both))["results"]] == list(range(100, 110))


def test_query_on_other_fields_filters_regenerated_rows(sandbox):
    page = get(sandbox, query=json.dumps({"admin1": "SS02"}), limit=1000)
    expected = [r["_id"] for r in sandbox.truth("mini") if r["admin1"] == "SS02"]
    assert [r["_id"] for r in page["results"]] == expected and page["count"] == len(expected)


def test_bad_query_json_is_a_400_that_names_the_parameter(sandbox):
    response = requests.get(data_url(sandbox), params={"query": "{bad"}, headers=AUTH, timeout=5)
    assert response.status_code == 400 and "'query'" in response.json()["detail"]


def test_rows_added_between_pages_are_not_skipped_by_an_offset_client(sandbox):
    first = get(sandbox, limit=100)
    sandbox.add("mini", 30)
    rest, url = [], first["next"]
    while url:
        page = requests.get(url, headers=AUTH, timeout=10).json()
        rest += [r["_id"] for r in page["results"]]
        url = page["next"]
    assert [r["_id"] for r in first["results"]] + rest == list(range(1, 281))


def test_edit_keeps_id_root_and_time_and_changes_uuid(sandbox):
    before = get(sandbox, query='{"_id": 5}')["results"][0]
    sandbox.edit("mini", 5, {"q1": "2"})
    after = get(sandbox, query='{"_id": 5}')["results"][0]
    assert (after["_id"], after["meta/rootUuid"], after["_submission_time"]) == \
        (5, before["meta/rootUuid"], before["_submission_time"])
    assert after["_uuid"] != before["_uuid"] and after["meta/deprecatedID"] == before["meta/instanceID"]
    assert after["q1"] == "2"


def test_delete_is_hard_and_validation_status_shows_in_rows(sandbox):
    sandbox.delete("mini", 2)
    uid = asset_uid("mini")
    patched = requests.patch(f"{sandbox.url}/api/v2/assets/{uid}/data/3/validation_status/",
                             json={"validation_status.uid": "validation_status_approved"}, headers=AUTH, timeout=5)
    assert patched.status_code == 200
    page = get(sandbox, limit=3, fields='["_id", "_validation_status"]')
    assert [r["_id"] for r in page["results"]] == [1, 3, 4] and page["count"] == 249
    assert page["results"][1]["_validation_status"]["uid"] == "validation_status_approved"


def test_assets_list_and_detail(sandbox):
    listing = requests.get(f"{sandbox.url}/api/v2/assets/", headers=AUTH, timeout=5).json()
    assert listing["count"] == 1 and listing["results"][0]["uid"] == asset_uid("mini")
    detail = requests.get(f"{sandbox.url}/api/v2/assets/{asset_uid('mini')}/", headers=AUTH, timeout=5).json()
    assert detail["deployment__active"] is True and detail["version_id"] == sandbox.truth("mini")[0]["__version__"]
    assert detail["content"]["survey"] and detail["deployment__submission_count"] == 250
    assert requests.get(f"{sandbox.url}/api/v2/assets/aNope/", headers=AUTH, timeout=5).status_code == 404


def test_every_connection_is_served_without_nagle_delay(sandbox, monkeypatch):
    """Headers and body leave in two writes; with Nagle's algorithm on, the body of each small response
    waited ~40 ms for the client's delayed ACK (a thousand small requests took 44 s instead of 1 s)."""
    import socket

    from connectors.sandbox.server import SandboxHandler

    seen, setup = [], SandboxHandler.setup

    def recording_setup(handler):
        setup(handler)
        seen.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(SandboxHandler, "setup", recording_setup)
    get(sandbox, limit=1)
    assert seen and all(seen)
