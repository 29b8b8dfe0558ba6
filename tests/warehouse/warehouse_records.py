"""Connector records for warehouse tests (shape from docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

T0 = datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc)


def make_record(key: str, version: str = "v1", form_id: str = "ccpm_partner", **changes) -> dict:
    """A KoBo-like record; keyword arguments override any field."""
    record = {
        "source": "kobo-main",
        "form_id": form_id,
        "submission_key": key,
        "version_key": version,
        "submitted_at": T0,
        "updated_at": T0 + timedelta(hours=1),
        "deleted_at": None,
        "validation_status": None,
        "payload": {"meta/rootUuid": key, "_uuid": version, "org/name": "Médecins – ONG «Sud»"},
    }
    record.update(changes)
    return record
