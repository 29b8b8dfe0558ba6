"""Everything one running sandbox knows: its forms, credentials, ODK sessions and pending faults."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta, timezone

from connectors.sandbox.faults import FaultQueue
from connectors.sandbox.store import FormStore
from connectors.synthetic import short_uid
from forms.definition import FormDef

ODK_PROJECT_ID = 1
SESSION_HOURS = 24


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
        self.lock = threading.RLock()
        self.seed = seed
        self.extras: dict = {}  # state of endpoint modules added later (form deployment)

    def add_form(self, form: FormDef, n: int, seed: int) -> FormStore:
        """Serve another form (endpoint modules that deploy forms call this)."""
        store = FormStore(form, n, seed)
        self.stores[form.form_id] = store
        self.by_uid[asset_uid(form.form_id)] = form.form_id
        return store

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
