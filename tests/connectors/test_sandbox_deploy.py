"""Form deployment endpoints of the sandbox: KoBo async imports + deployments, ODK drafts + publish (via pyodk)."""

from __future__ import annotations

import copy

import pytest
import requests
from openpyxl import Workbook

from connectors.sandbox import Sandbox, asset_uid
from connectors.sandbox.example_form import example_form

AUTH = {"Authorization": "Token sandbox-token"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(path, form_id: str, version: str):
    """The example form as an XLSForm workbook with another form id and version."""
    sheets = copy.deepcopy(example_form().sheets)
    sheets["settings"] = [{"form_id": form_id, "form_title": f"Form {form_id}", "version": version}]
    book = Workbook()
    book.remove(book.active)
    for name in ("survey", "choices", "settings"):
        rows = sheets[name]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    book.save(path)
    return path


@pytest.fixture
def sandbox():
    with Sandbox(forms={"mini": 3}, definitions={"mini": example_form()}) as sb:
        yield sb


def run_import(sb, path, destination: str | None = None) -> dict:
    data = {"library": "false", **({"destination": destination} if destination else {})}
    with open(path, "rb") as fh:
        started = requests.post(f"{sb.url}/api/v2/imports/", data=data, headers=AUTH, timeout=5,
                                files={"file": (path.name, fh.read(), XLSX)})
    assert started.status_code == 201 and started.json()["status"] == "processing"
    statuses = [requests.get(started.json()["url"], headers=AUTH, timeout=5).json() for _ in range(2)]
    assert statuses[0]["status"] == "processing"
    return statuses[1]


def test_kobo_import_creates_an_asset_that_deploys_once_then_redeploys_by_version(sandbox, tmp_path):
    done = run_import(sandbox, workbook(tmp_path / "new.xlsx", "newform", "1"))
    assert done["status"] == "complete" and done["messages"]["created"][0]["uid"] == asset_uid("newform")
    asset_url = f"{sandbox.url}/api/v2/assets/{asset_uid('newform')}/"
    asset = requests.get(asset_url, headers=AUTH, timeout=5).json()
    assert asset["has_deployment"] is False and asset["content"]["settings"]["version"] == "1"
    deploy = f"{asset_url}deployment/"
    assert requests.post(deploy, json={"active": True}, headers=AUTH, timeout=5).status_code == 200
    assert requests.post(deploy, json={"active": True}, headers=AUTH, timeout=5).status_code == 400
    first_version = requests.get(asset_url, headers=AUTH, timeout=5).json()["version_id"]

    updated = run_import(sandbox, workbook(tmp_path / "v2.xlsx", "newform", "2"), destination=asset_url)
    assert updated["messages"]["updated"][0]["uid"] == asset_uid("newform")
    asset = requests.get(asset_url, headers=AUTH, timeout=5).json()
    assert asset["version_id"] != first_version == asset["deployed_version_id"]
    stale = requests.patch(deploy, json={"active": True, "version_id": first_version}, headers=AUTH, timeout=5)
    assert stale.status_code == 400
    assert requests.patch(deploy, json={"active": True, "version_id": asset["version_id"]},
                          headers=AUTH, timeout=5).status_code == 200
    live = requests.get(asset_url, headers=AUTH, timeout=5).json()
    assert live["deployed_version_id"] == live["version_id"] and live["deployment__active"] is True
    data = requests.get(f"{asset_url}data/", headers=AUTH, timeout=5).json()
    assert data["count"] == 0 and data["results"] == []


def test_kobo_import_of_a_broken_file_ends_in_error(sandbox, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    done = run_import(sandbox, broken)
    assert done["status"] == "error" and "workbook" in done["messages"]["error"]


def _pyodk(sb, tmp_path):
    from pyodk.client import Client

    config = tmp_path / "pyodk.toml"
    config.write_text(f'[central]\nbase_url = "{sb.url}"\nusername = "sandbox@example.org"\n'
                      'password = "sandbox-password"\ndefault_project_id = 1\n')
    return Client(config_path=str(config), cache_path=str(tmp_path / "cache.toml"))


def test_odk_create_publishes_and_republishing_a_version_is_409(sandbox, tmp_path):
    from pyodk.errors import PyODKError

    with _pyodk(sandbox, tmp_path) as client:
        client.forms.create(definition=workbook(tmp_path / "odkform.xlsx", "odkform", "1"))
        assert client.forms.get("odkform").version == "1" and client.forms.get("odkform").publishedAt
        with pytest.raises(PyODKError) as refused:
            client.forms.create(definition=workbook(tmp_path / "odkform.xlsx", "odkform", "1"))
        assert refused.value.args[1].status_code == 409
        client.forms.update("odkform", definition=workbook(tmp_path / "odkform2.xlsx", "odkform", "2"))
        assert client.forms.get("odkform").version == "2"
        with pytest.raises(PyODKError) as again:
            client.forms.update("odkform", definition=workbook(tmp_path / "odkform3.xlsx", "odkform", "1"))
        assert again.value.args[1].status_code == 409
        renamed = client.post("projects/1/forms/odkform/draft/publish", params={"version": "1-r2"})
        assert renamed.status_code == 200 and client.forms.get("odkform").version == "1-r2"
        assert "odkform" in [f.xmlFormId for f in client.forms.list()]
