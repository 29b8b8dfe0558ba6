"""A local KoBoToolbox- and ODK Central-compatible HTTP server with synthetic submissions.

    with Sandbox(forms={"ccpm_partner": 200}, seed=1) as sb:
        requests.get(f"{sb.url}/api/v2/assets/{sb.asset_uid('ccpm_partner')}/data/",
                     headers={"Authorization": f"Token {sb.token}"})

Serves KoBo KPI v2 (``/api/v2/...``) and ODK Central (``/v1/...``, project 1) from the same truth;
``/__admin/...`` steers it from another process (faults, add/edit/delete). ``serve`` runs it in the
foreground for the demo: ``python -m connectors.sandbox --port 8765 --submissions 500``.
"""

from connectors.sandbox.cli import serve
from connectors.sandbox.server import Sandbox
from connectors.sandbox.state import asset_uid

__all__ = ["Sandbox", "asset_uid", "serve"]
