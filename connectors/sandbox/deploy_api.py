"""Form deployment endpoints of the sandbox (KoBo imports and deployments, ODK Central drafts and
publishing). Importing this module registers them; the state they keep lives in ``state.extras``.

See ``deploy_kobo_api`` and ``deploy_odk_api`` for what each server's endpoints do.
"""

from connectors.sandbox import deploy_kobo_api, deploy_odk_api  # noqa: F401  (register their routes)
