"""KoBo over several nights: new rows, edits, validation-status changes and hard deletes between nights
end with the warehouse equal to the server, every version kept in raw, no key twice."""

from __future__ import annotations

from connectors.kobo import submission_key, validation_uid
from ingest_helpers import KOBO_FORM, cursor, loads, night, raw_versions, view

APPROVED, ON_HOLD = "validation_status_approved", "validation_status_on_hold"


def kobo_truth(sandbox) -> dict[str, tuple]:
    """What KoBo holds now: key → (version key, validation status, deleted_at=None)."""
    return {submission_key(r): (r["_uuid"], validation_uid(r), None) for r in sandbox.truth(KOBO_FORM)}


def live(held: dict) -> dict:
    return {k: v for k, v in held.items() if v[2] is None}


def change_between_nights(sandbox) -> dict[str, list[str]]:
    """Four new rows, two edits, two validation changes (one on an edited row), two hard deletes."""
    keys = {r["_id"]: submission_key(r) for r in sandbox.truth(KOBO_FORM)}
    sandbox.add(KOBO_FORM, 4)
    sandbox.edit(KOBO_FORM, 3)
    sandbox.edit(KOBO_FORM, 20)
    sandbox.set_validation_status(KOBO_FORM, 3, APPROVED)
    sandbox.set_validation_status(KOBO_FORM, 9, ON_HOLD)
    sandbox.edit(KOBO_FORM, 12)          # edited, then deleted: the delete wins
    sandbox.delete(KOBO_FORM, 12)
    sandbox.delete(KOBO_FORM, 7)
    return {"edited": [keys[3], keys[20]], "validated": [keys[9]], "deleted": [keys[7], keys[12]]}


def test_nights_end_equal_to_the_server_and_a_quiet_night_changes_nothing(cfg, sandbox):
    url = cfg.warehouse
    first = night(cfg, sandbox, KOBO_FORM)
    assert view(url, KOBO_FORM) == kobo_truth(sandbox)
    assert (first["new"], first["changed"], first["deleted"], first["unchanged"]) == (23, 0, 0, 0)

    changed = change_between_nights(sandbox)
    second = night(cfg, sandbox, KOBO_FORM)

    held = view(url, KOBO_FORM)
    assert live(held) == kobo_truth(sandbox)
    assert sorted(k for k, v in held.items() if v[2] is not None) == sorted(changed["deleted"])
    assert (second["new"], second["changed"], second["deleted"]) == (4, 3, 2)
    versions = raw_versions(url, KOBO_FORM)
    assert all(versions[k] == 2 for k in changed["edited"])       # original and edit
    assert versions[changed["validated"][0]] == 1                  # same version, new status
    assert all(versions[k] >= 2 for k in changed["deleted"])      # what was held plus the tombstone
    assert sum(versions.values()) == len(held) + 2 + 2            # nothing else was landed twice
    assert cursor(url, "kobo", KOBO_FORM) == second["cursor"]

    third = night(cfg, sandbox, KOBO_FORM)
    assert (third["new"], third["changed"], third["deleted"]) == (0, 0, 0)
    assert third["unchanged"] >= 1                # the rows at the cursor are read again, found identical
    assert (view(url, KOBO_FORM), raw_versions(url, KOBO_FORM)) == (held, versions)
    assert [row["status"] for row in loads(url, KOBO_FORM)] == ["ok", "ok", "ok"]


def test_a_deleted_row_stays_deleted_on_later_nights(cfg, sandbox):
    url = cfg.warehouse
    night(cfg, sandbox, KOBO_FORM)
    key = submission_key(sandbox.truth(KOBO_FORM)[4])
    sandbox.delete(KOBO_FORM, sandbox.truth(KOBO_FORM)[4]["_id"])
    night(cfg, sandbox, KOBO_FORM)
    deleted_at = view(url, KOBO_FORM)[key][2]
    third = night(cfg, sandbox, KOBO_FORM)
    assert third["deleted"] == 0 and view(url, KOBO_FORM)[key][2] == deleted_at
    assert live(view(url, KOBO_FORM)) == kobo_truth(sandbox)


def test_progress_is_reported_after_every_landed_batch(sqlite_cfg, sandbox):
    cfg = sqlite_cfg
    calls = []

    def record(*args):
        calls.append(args)
    night(cfg, sandbox, KOBO_FORM, progress=record)
    assert calls == [(KOBO_FORM, 1, 10), (KOBO_FORM, 2, 20), (KOBO_FORM, 3, 23)]
    calls.clear()
    change_between_nights(sandbox)
    night(cfg, sandbox, KOBO_FORM, progress=record)
    # the rows from the cursor on (the last old row and four new), the three re-fetched edits, two tombstones
    assert calls == [(KOBO_FORM, 1, 5), (KOBO_FORM, 2, 8), (KOBO_FORM, 3, 10)]


def test_rows_arriving_while_the_client_pages_are_not_skipped(sqlite_cfg, sandbox):
    cfg, url = sqlite_cfg, sqlite_cfg.warehouse

    def submit_meanwhile(form_id, pages, rows):
        if pages == 1:
            sandbox.add(KOBO_FORM, 5)
            sandbox.delete(KOBO_FORM, 2)      # shifts every later offset back by one
    first = night(cfg, sandbox, KOBO_FORM, progress=submit_meanwhile)
    assert live(view(url, KOBO_FORM)) == kobo_truth(sandbox)  # later pages and the reconcile pass saw it all
    assert (first["new"], first["deleted"]) == (28, 1)
    second = night(cfg, sandbox, KOBO_FORM)
    assert (second["new"], second["changed"], second["deleted"]) == (0, 0, 0)
    assert live(view(url, KOBO_FORM)) == kobo_truth(sandbox)
