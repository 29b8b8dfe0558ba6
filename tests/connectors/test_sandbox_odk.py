"""The sandbox's ODK Central API over real HTTP: sessions, OData paging, filters, soft deletes, repeat tables."""

from __future__ import annotations

import pytest
import requests

from connectors.sandbox import Sandbox
from connectors.sandbox.example_form import example_form

EMAIL, PASSWORD = "sandbox@example.org", "sandbox-password"


@pytest.fixture
def sandbox():
    with Sandbox(forms={"mini": 30}, definitions={"mini": example_form()}, seed=5) as sb:
        yield sb


def login(sb) -> dict:
    response = requests.post(f"{sb.url}/v1/sessions", json={"email": EMAIL, "password": PASSWORD}, timeout=5)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def table(sb, headers, name="Submissions", **params) -> dict:
    url = f"{sb.url}/v1/projects/1/forms/mini.svc/{name}"
    response = requests.get(url, params=params, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def follow(sb, headers, name="Submissions", **params) -> list[dict]:
    document, rows = table(sb, headers, name, **params), []
    while True:
        rows += document["value"]
        if "@odata.nextLink" not in document:
            return rows
        document = requests.get(document["@odata.nextLink"], headers=headers, timeout=10).json()


def test_login_gives_a_bearer_token_and_bad_credentials_or_no_token_get_401(sandbox):
    bad = requests.post(f"{sandbox.url}/v1/sessions", json={"email": EMAIL, "password": "x"}, timeout=5)
    assert bad.status_code == 401
    assert requests.get(f"{sandbox.url}/v1/projects/1/forms", timeout=5).status_code == 401
    forms = requests.get(f"{sandbox.url}/v1/projects/1/forms", headers=login(sandbox), timeout=5).json()
    assert [f["xmlFormId"] for f in forms] == ["mini"] and forms[0]["version"] == "2026.1"


def test_tokens_expire_after_the_configured_number_of_requests(sandbox):
    sandbox.state.odk_token_uses = 2
    headers = login(sandbox)
    url = f"{sandbox.url}/v1/users/current"
    assert [requests.get(url, headers=headers, timeout=5).status_code for _ in range(3)] == [200, 200, 401]
    assert requests.get(url, headers=login(sandbox), timeout=5).status_code == 200


def test_newest_first_paging_with_next_links_and_count(sandbox):
    headers = login(sandbox)
    first = table(sandbox, headers, **{"$top": "8", "$count": "true"})
    assert first["@odata.count"] == 30 and len(first["value"]) == 8
    assert "%24skiptoken" in first["@odata.nextLink"] or "$skiptoken" in first["@odata.nextLink"]
    rows = follow(sandbox, headers, **{"$top": "8"})
    expected = [r["__id"] for r in sandbox.odk_truth("mini")]
    assert [r["__id"] for r in rows] == expected and len(expected) == 30
    dates = [r["__system"]["submissionDate"] for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_skiptoken_pages_are_stable_while_new_rows_arrive(sandbox):
    headers = login(sandbox)
    first = table(sandbox, headers, **{"$top": "10"})
    sandbox.add("mini", 5)
    rest = follow(sandbox, headers, **{"$top": "10", "$skiptoken": first["@odata.nextLink"].split("skiptoken=")[1]})
    ids = [r["__id"] for r in first["value"] + rest]
    old = [r["__id"] for r in sandbox.odk_truth("mini")][5:]
    assert ids == old


def test_skip_and_top(sandbox):
    headers = login(sandbox)
    rows = table(sandbox, headers, **{"$skip": "28", "$top": "5"})["value"]
    assert [r["__id"] for r in rows] == [r["__id"] for r in sandbox.odk_truth("mini")][28:]


def test_filter_on_submission_date_and_updated_at_finds_new_and_edited_rows(sandbox):
    headers = login(sandbox)
    cursor = table(sandbox, headers, **{"$top": "1"})["value"][0]["__system"]["submissionDate"]
    sandbox.add("mini", 3)
    sandbox.edit("mini", 4)
    incremental = f"__system/submissionDate gt {cursor} or __system/updatedAt gt {cursor}"
    rows = follow(sandbox, headers, **{"$filter": incremental, "$top": "2", "$count": "true"})
    edited = sandbox.odk_truth("mini")[-4]
    assert [r["__id"] for r in rows] == [r["__id"] for r in sandbox.odk_truth("mini")[:3]] + [edited["__id"]]
    assert rows[-1]["__system"]["updatedAt"] > cursor and rows[-1]["meta"]["deprecatedID"]
    assert rows[-1]["__id"] != rows[-1]["meta"]["instanceID"]


def test_filter_on_a_form_field_is_501(sandbox):
    response = requests.get(f"{sandbox.url}/v1/projects/1/forms/mini.svc/Submissions",
                            params={"$filter": "q1 eq '4'"}, headers=login(sandbox), timeout=5)
    assert response.status_code == 501 and "q1" in response.json()["message"]


def test_deletes_are_soft_and_only_a_deleted_at_filter_shows_them(sandbox):
    headers = login(sandbox)
    gone = sandbox.odk_truth("mini")[-1]["__id"]
    sandbox.delete("mini", 1)
    assert gone not in [r["__id"] for r in follow(sandbox, headers)]
    assert table(sandbox, headers, **{"$count": "true", "$top": "1"})["@odata.count"] == 29
    swept = table(sandbox, headers, **{"$filter": "__system/deletedAt gt 2000-01-01T00:00:00Z"})["value"]
    assert [r["__id"] for r in swept] == [gone] and swept[0]["__system"]["deletedAt"].endswith("Z")


def test_select_keeps_only_named_paths(sandbox):
    rows = table(sandbox, login(sandbox), **{"$select": "__id,grp/age,__system/submissionDate", "$top": "2"})
    assert set(rows["value"][0]) == {"__id", "grp", "__system"}
    assert set(rows["value"][0]["grp"]) == {"age"} and set(rows["value"][0]["__system"]) == {"submissionDate"}


def test_repeat_tables_carry_parent_keys_and_main_rows_link_to_them(sandbox):
    headers = login(sandbox)
    parents = {r["__id"]: r for r in sandbox.odk_truth("mini")}
    lines = follow(sandbox, headers, "Submissions.activities", **{"$top": "7"})
    expected = sum(len(p.get("activities", [])) for p in parents.values())
    assert len(lines) == expected > 7
    assert all(line["__Submissions-id"] in parents and len(line["__id"]) == 40 for line in lines)
    assert isinstance(lines[0]["reached_total"], int)
    main = table(sandbox, headers, **{"$top": "1"})["value"][0]
    assert "activities" not in main and main["activities@odata.navigationLink"].endswith("/activities")
    expanded = table(sandbox, headers, **{"$top": "1", "$expand": "*"})["value"][0]
    assert expanded.get("activities", []) == parents[expanded["__id"]].get("activities", [])
    selected = table(sandbox, headers, "Submissions.activities", **{"$select": "reached_total", "$top": "1"})
    assert set(selected["value"][0]) == {"reached_total"}


def test_an_edit_changes_repeat_row_ids(sandbox):
    headers = login(sandbox)
    parent = next(r for r in sandbox.odk_truth("mini") if r.get("activities"))
    index = next(i for i, r in enumerate(sandbox.truth("mini"), 1) if r["meta/rootUuid"] == parent["__id"])
    before = {line["__id"] for line in follow(sandbox, headers, "Submissions.activities")
              if line["__Submissions-id"] == parent["__id"]}
    row = sandbox.truth("mini")[index - 1]
    lines = [dict(line, **{"activities/reached_new": "0"}) for line in row["activities"]]
    sandbox.edit("mini", index, {"activities": lines})
    after = {line["__id"] for line in follow(sandbox, headers, "Submissions.activities")
             if line["__Submissions-id"] == parent["__id"]}
    assert before and after and before.isdisjoint(after)


def test_pyodk_reads_the_sandbox(sandbox, tmp_path):
    from pyodk.client import Client

    config = tmp_path / "pyodk.toml"
    config.write_text(f'[central]\nbase_url = "{sandbox.url}"\nusername = "{EMAIL}"\n'
                      f'password = "{PASSWORD}"\ndefault_project_id = 1\n')
    with Client(config_path=str(config), cache_path=str(tmp_path / "cache.toml")) as client:
        assert [f.xmlFormId for f in client.forms.list()] == ["mini"]
        document = client.submissions.get_table(form_id="mini", top=5, count=True)
    assert document["@odata.count"] == 30 and len(document["value"]) == 5
