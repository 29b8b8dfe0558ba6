"""Everything one running sandbox knows: its forms, credentials, ODK sessions and pending faults."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta, timezone

from connectors.sandbox.faults import FaultQueue
from connectors.sandbox.store import FormStore
from connectors.synthetic import short_uid, version_uid
from forms.definition import FormDef

ODK_PROJECT_ID = 1
SESSION_HOURS = 24
CREATED_AT = "2026-01-01T00:00:00.000Z"


def asset_uid(form_id: str) -> str:
    """The KoBo asset uid the sandbox serves ``form_id`` under (fixed for a form id)."""
    return short_uid(f"asset:{form_id}", "a")


class SandboxState:
    def __init__(self, stores: dict[str, FormStore], token: str, odk_email: str, odk_password: str,
                 faults: list[dict] | None = None, odk_token_uses: int | None = None, seed: int = 1):
        self.stores = stores
        self.by_uid = {asset_uid(form_id): form_id for form_id in stores}
        self.token = token
        self.odk_email, self.odk_password = odk_email, odk_password
        self.odk_token_uses = odk_token_uses  # a session token expires after this many requests
        self.sessions: dict[str, dict] = {}
        self.faults = FaultQueue(faults)
        self.url = ""
        self.lock = threading.Lock()
        self.seed = seed
        self.imports: dict[str, dict] = {}             # KoBo async imports by uid
        self.kobo_assets: dict[str, dict] = {}         # form_id -> KoBo deployment state
        self.odk_forms: dict[str, dict] = {}           # form_id -> ODK published versions and draft
        for store in stores.values():
            self._register(store.form, deployed=True)
        self.extras: dict = {}  # room for endpoint modules added later

    def add_form(self, form: FormDef, n: int = 0, deployed: bool = False) -> FormStore:
        """Serve a new form (a deploy endpoint created it): no submissions, nothing deployed yet."""
        store = FormStore(form, n, self.seed)
        self.stores[form.form_id] = store
        self.by_uid[asset_uid(form.form_id)] = form.form_id
        self._register(form, deployed)
        return store

    def _register(self, form: FormDef, deployed: bool) -> None:
        version = version_uid(form)
        self.kobo_assets[form.form_id] = {
            "form": form, "version_id": version, "deployed_version_id": version if deployed else None,
            "has_deployment": deployed, "active": deployed, "imports": 0}
        self.odk_forms[form.form_id] = {
            "form": form, "versions": [form.version or ""] if deployed else [],
            "version": form.version or "", "published_at": CREATED_AT if deployed else None, "draft": None}

    def on_kobo(self, form_id: str) -> bool:
        """Whether KoBo knows the form (served from the start, or imported there)."""
        record = self.kobo_assets.get(form_id)
        return bool(record and (record["has_deployment"] or record["imports"]))

    def on_odk(self, form_id: str) -> bool:
        """Whether Central knows the form (served from the start, or created there)."""
        record = self.odk_forms.get(form_id)
        return bool(record and (record["versions"] or record["draft"]))

    def store(self, form_id: str) -> FormStore:
        try:
            return self.stores[form_id]
        except KeyError:
            raise KeyError(f"the sandbox serves no form {form_id!r}; it serves {sorted(self.stores)}") from None

    # --- ODK sessions ----------------------------------------------------------------------
    def open_session(self, email: str, password: str) -> dict | None:
        if not (secrets.compare_digest(email or "", self.odk_email)
                and secrets.compare_digest(password or "", self.odk_password)):
            return None
        token = secrets.token_urlsafe(48)
        now = datetime.now(timezone.utc)
        session = {"token": token, "csrf": secrets.token_urlsafe(16),
                   "createdAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   "expiresAt": (now + timedelta(hours=SESSION_HOURS))
                   .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   "uses_left": self.odk_token_uses}
        with self.lock:
            self.sessions[token] = session
        return session

    def use_session(self, token: str) -> bool:
        """Whether ``token`` is a live session; counts one use towards its expiry."""
        with self.lock:
            session = self.sessions.get(token)
            if session is None:
                return False
            if session["uses_left"] is not None:
                if session["uses_left"] <= 0:
                    del self.sessions[token]
                    return False
                session["uses_left"] -= 1
            return True

    def close_session(self, token: str) -> bool:
        with self.lock:
            return self.sessions.pop(token, None) is not None
