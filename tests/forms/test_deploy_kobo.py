"""Deploying to KoBoToolbox over real HTTP against the sandbox's KPI v2 import and deployment endpoints."""

import pytest
import requests
from deploy_fixtures import FORM, broken_copy, built, changed, kobo_get, sandbox  # noqa: F401

from forms.deploy import DeployError, deploy_kobo
from forms.deploy_common import DeploySession
from forms.deploy_kobo import run_import


def asset(sb, uid):
    return kobo_get(sb, f"/api/v2/assets/{uid}/")


def settings_version(detail):
    return detail["content"]["settings"]["version"]


def test_first_deploy_creates_a_deployed_asset_whose_data_the_server_serves(sandbox, built):
    result = deploy_kobo(sandbox.url, sandbox.token, built, None)
    assert (result.form_id, result.action, result.version) == (FORM, "created", built.version)
    detail = asset(sandbox, result.server_id)
    assert detail["deployment__active"] and detail["has_deployment"]
    assert detail["deployed_version_id"] == detail["version_id"]
    assert settings_version(detail) == built.version
    assert kobo_get(sandbox, f"/api/v2/assets/{result.server_id}/data/")["count"] == 0
    sandbox.add(FORM, 3)
    rows = kobo_get(sandbox, f"/api/v2/assets/{result.server_id}/data/")["results"]
    assert len(rows) == 3 and "mc/mc_reporting" in rows[0]


def test_redeploying_an_unchanged_form_makes_no_new_version(sandbox, built):
    uid = deploy_kobo(sandbox.url, sandbox.token, built, None).server_id
    before = asset(sandbox, uid)
    again = deploy_kobo(sandbox.url, sandbox.token, built, uid)
    assert (again.action, again.server_id, again.version) == ("unchanged", uid, built.version)
    after = asset(sandbox, uid)
    assert after["version_id"] == before["version_id"]
    assert after["deployed_versions"] == before["deployed_versions"]


def test_a_changed_form_gets_exactly_one_new_deployed_version(sandbox, built, changed):
    assert changed.version != built.version
    uid = deploy_kobo(sandbox.url, sandbox.token, built, None).server_id
    before = asset(sandbox, uid)
    result = deploy_kobo(sandbox.url, sandbox.token, changed, uid)
    assert (result.action, result.server_id, result.version) == ("updated", uid, changed.version)
    after = asset(sandbox, uid)
    assert after["deployed_versions"]["count"] == before["deployed_versions"]["count"] + 1
    assert after["version_id"] != before["version_id"]
    assert after["deployed_version_id"] == after["version_id"]
    assert settings_version(after) == changed.version
    assert deploy_kobo(sandbox.url, sandbox.token, changed, uid).action == "unchanged"


def test_a_form_kobo_cannot_import_raises_and_the_live_version_stays(sandbox, built, tmp_path):
    uid = deploy_kobo(sandbox.url, sandbox.token, built, None).server_id
    before = asset(sandbox, uid)
    with pytest.raises(DeployError) as raised:
        deploy_kobo(sandbox.url, sandbox.token, broken_copy(built, tmp_path), uid)
    assert FORM in str(raised.value) and "no_such_list" in str(raised.value)
    assert "no_such_list" in raised.value.messages["error"]
    after = asset(sandbox, uid)
    assert after["version_id"] == before["version_id"] == after["deployed_version_id"]
    assert settings_version(after) == built.version


def test_an_import_still_processing_at_the_timeout_fails_without_touching_the_asset(sandbox, built, changed):
    uid = deploy_kobo(sandbox.url, sandbox.token, built, None).server_id
    with pytest.raises(DeployError, match="still 'processing'"):
        deploy_kobo(sandbox.url, sandbox.token, changed, uid, poll_timeout=0)
    assert settings_version(asset(sandbox, uid)) == built.version


def test_an_imported_but_undeployed_version_is_deployed_without_a_new_import(sandbox, built, changed):
    uid = deploy_kobo(sandbox.url, sandbox.token, built, None).server_id
    with DeploySession(sandbox.url, {"Authorization": f"Token {sandbox.token}"}) as api:
        run_import(api, changed, asset(sandbox, uid), timeout=10)
    imported = asset(sandbox, uid)
    assert imported["deployed_version_id"] != imported["version_id"]
    result = deploy_kobo(sandbox.url, sandbox.token, changed, uid)
    assert result.action == "updated"
    deployed = asset(sandbox, uid)
    assert deployed["version_id"] == imported["version_id"] == deployed["deployed_version_id"]


def test_an_unknown_asset_uid_says_to_correct_the_configuration(sandbox, built):
    with pytest.raises(DeployError, match="asset_uid") as raised:
        deploy_kobo(sandbox.url, sandbox.token, built, "aNoSuchAsset")
    assert raised.value.status == 404


def test_sandbox_imports_run_asynchronously_and_redeploys_need_the_current_version(sandbox, built, changed):
    headers = {"Authorization": f"Token {sandbox.token}"}
    started = requests.post(f"{sandbox.url}/api/v2/imports/", headers=headers, data={"library": "false"},
                            files={"file": ("f.xlsx", built.xlsx.read_bytes())}, timeout=10)
    assert started.status_code == 201 and started.json()["status"] == "processing"
    assert kobo_get(sandbox, f"/api/v2/imports/{started.json()['uid']}/")["status"] == "processing"
    done = kobo_get(sandbox, f"/api/v2/imports/{started.json()['uid']}/")
    assert done["status"] == "complete"
    uid = done["messages"]["created"][0]["uid"]
    first = asset(sandbox, uid)
    assert not first["has_deployment"]
    deployment = f"{sandbox.url}/api/v2/assets/{uid}/deployment/"
    assert requests.post(deployment, headers=headers, json={"active": True}, timeout=10).ok
    assert requests.post(deployment, headers=headers, json={"active": True}, timeout=10).status_code == 400
    with DeploySession(sandbox.url, headers) as api:
        run_import(api, changed, first, timeout=10)
    stale = requests.patch(deployment, headers=headers, json={"active": True, "version_id": first["version_id"]},
                           timeout=10)
    assert stale.status_code == 400 and "version_id" in stale.json()
    current = asset(sandbox, uid)["version_id"]
    assert requests.patch(deployment, headers=headers, json={"active": True, "version_id": current},
                          timeout=10).ok
    assert asset(sandbox, uid)["deployed_version_id"] == current
