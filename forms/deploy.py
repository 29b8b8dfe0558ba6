"""Deploy built forms to the servers partners collect with: KoBoToolbox and ODK Central.

    built = build_form("ccpm_partner", Path("dist/forms"))
    deploy_kobo(url, token, built, asset_uid=None)            # -> DeployResult(action="created", ...)
    deploy_odk(url, username, password, project_id, built)   # -> DeployResult(action="unchanged", ...)

Both are idempotent: a form whose built version is already the deployed one is left alone
(``unchanged``); a changed form gets exactly one new server version (``created`` / ``updated``); a form the
server refuses raises ``DeployError`` (the HTTP status and the server's messages attached) and the live
form stays as it was. Credentials are parameters: callers read them from the environment.
"""

from forms.deploy_common import DeployError, DeployResult
from forms.deploy_kobo import deploy_kobo
from forms.deploy_odk import deploy_odk

__all__ = ["DeployError", "DeployResult", "deploy_kobo", "deploy_odk"]
