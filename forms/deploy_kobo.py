"""Deploy a built form to KoBoToolbox (KPI API v2): import the workbook, wait for it, deploy that version.

KoBo imports run asynchronously: ``POST /api/v2/imports/`` answers with the import's url at once and the
asset changes only when the import reaches ``complete``; an import that ends in ``error`` leaves the asset
(and the version collectors download) as it was. The first deployment of an asset is a POST, every later
one a PATCH naming the asset's current ``version_id`` (KoBo refuses a stale one).

Idempotence: the built version is written in the workbook's ``settings`` sheet, so the asset's current
content carries it. When the deployed version is the current one and its ``settings.version`` equals the
built version there is nothing to do; when the content is already imported but not deployed (a previous
run stopped half way) only the deployment is redone.
"""

from __future__ import annotations

import time

from forms.build import BuiltForm
from forms.deploy_common import DeployError, DeployResult, DeploySession, server_says

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_TIMEOUT = 120.0
FIRST_POLL, LAST_POLL = 0.05, 2.0  # seconds between polls: doubling from the first to the last


def deploy_kobo(base_url: str, token: str, built: BuiltForm, asset_uid: str | None = None,
                poll_timeout: float = POLL_TIMEOUT) -> DeployResult:
    """Make ``built`` the deployed form of ``asset_uid`` (a new asset when None) on a KoBo server."""
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    with DeploySession(base_url, headers) as api:
        asset = get_asset(api, built, asset_uid) if asset_uid else None
        if asset is not None and content_version(asset) == built.version:
            if is_live(asset):
                return DeployResult(built.form_id, asset_uid, "unchanged", built.version,
                                    f"version {built.version} is already deployed on asset {asset_uid}")
            deploy(api, built, asset)
            return DeployResult(built.form_id, asset_uid, "updated", built.version,
                                f"deployed the already imported version {built.version} on asset {asset_uid}")
        uid = run_import(api, built, asset, poll_timeout)
        deploy(api, built, get_asset(api, built, uid))
        action = "updated" if asset is not None else "created"
        return DeployResult(built.form_id, uid, action, built.version,
                            f"{action} asset {uid} and deployed version {built.version}")


def get_asset(api: DeploySession, built: BuiltForm, uid: str) -> dict:
    response = api.request("GET", f"/api/v2/assets/{uid}/", params={"format": "json"})
    if response.status_code == 404:
        raise DeployError(built.form_id, f"asset {uid!r} does not exist on {api.base_url}; correct its "
                          "asset_uid in the configuration, or remove it to create a new asset", 404)
    if not response.ok:
        raise DeployError(built.form_id, f"could not read asset {uid!r}", response.status_code,
                          server_says(response))
    return response.json()


def content_version(asset: dict) -> str | None:
    """The ``version`` of the asset's current form content (KoBo keeps settings as a dict or one row)."""
    settings = (asset.get("content") or {}).get("settings") or {}
    if isinstance(settings, list):
        settings = settings[0] if settings else {}
    return settings.get("version")


def is_live(asset: dict) -> bool:
    """Whether the asset's current version is the deployed, active one."""
    return bool(asset.get("deployment__active")) and asset.get("deployed_version_id") == asset.get("version_id")


def run_import(api: DeploySession, built: BuiltForm, asset: dict | None, timeout: float) -> str:
    """Import the workbook (into ``asset`` when given); the uid of the asset it created or updated."""
    data = {"library": "false"}
    if asset is not None:
        data["destination"] = asset["url"]
    with open(built.xlsx, "rb") as fh:
        files = {"file": (built.xlsx.name, fh.read(), XLSX_TYPE)}
    response = api.request("POST", "/api/v2/imports/", data=data, files=files)
    if not response.ok:
        raise DeployError(built.form_id, "KoBo refused the import", response.status_code, server_says(response))
    started = response.json()
    result = wait_for_import(api, built, started.get("url") or f"/api/v2/imports/{started['uid']}/", timeout)
    messages = result.get("messages") or {}
    touched = (messages.get("updated") or []) + (messages.get("created") or [])
    if not touched or not touched[0].get("uid"):
        raise DeployError(built.form_id, "the import completed but named no asset", None, messages)
    return touched[0]["uid"]


def wait_for_import(api: DeploySession, built: BuiltForm, url: str, timeout: float) -> dict:
    """Poll an import until ``complete`` (its body) or ``error`` / ``timeout`` seconds (DeployError)."""
    deadline, pause = time.monotonic() + timeout, FIRST_POLL
    while True:
        response = api.request("GET", url, params={"format": "json"})
        if not response.ok:
            raise DeployError(built.form_id, "could not read the import's status", response.status_code,
                              server_says(response))
        body = response.json()
        if body.get("status") == "complete":
            return body
        if body.get("status") == "error":
            raise DeployError(built.form_id, "KoBo could not import the form; the deployed form is "
                              "unchanged - fix the form and deploy again", response.status_code,
                              body.get("messages"))
        if time.monotonic() + pause > deadline:
            raise DeployError(built.form_id, f"the import was still {body.get('status')!r} after {timeout:g} s "
                              f"({url}); the deployed form is unchanged - deploy again later")
        time.sleep(pause)
        pause = min(pause * 2, LAST_POLL)


def deploy(api: DeploySession, built: BuiltForm, asset: dict) -> None:
    """Deploy the asset's current version: POST the first time, PATCH with its ``version_id`` after."""
    path = f"/api/v2/assets/{asset['uid']}/deployment/"
    if asset.get("has_deployment"):
        response = api.request("PATCH", path, json={"active": True, "version_id": asset["version_id"]})
    else:
        response = api.request("POST", path, json={"active": True})
    if not response.ok:
        raise DeployError(built.form_id, f"KoBo refused to deploy version {asset.get('version_id')} of asset "
                          f"{asset['uid']}; the previously deployed version stays live",
                          response.status_code, server_says(response))
