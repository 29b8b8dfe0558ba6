"""ODK Central over several nights (form ``fivew_monthly``, with its ``activities`` repeat): new rows,
edits, review-state changes and soft deletes between nights end with the warehouse equal to Central."""

from __future__ import annotations

from ingest_helpers import (ODK_FORM, current_payloads, cursor, form_config, loads, night, odk_client,
                            raw_versions, view)

from connectors.odk import version_key
from connectors.records import parse_utc
from flows.pull import pull_form

APPROVED = "validation_status_approved"


def odk_truth(sandbox) -> dict[str, tuple]:
    """What Central holds now, soft-deleted rows included: key → (version, review state, deletedAt)."""
    return {r["__id"]: (version_key(r), r["__system"]["reviewState"], parse_utc(r["__system"]["deletedAt"]))
            for r in sandbox.odk_truth(ODK_FORM)}


def without_links(value):
    """A repeat row without OData's keys (``__id``, ``__Submissions-id``), to compare with inline rows."""
    if isinstance(value, list):
        return [without_links(v) for v in value]
    if isinstance(value, dict):
        return {k: without_links(v) for k, v in value.items() if not k.startswith("__")}
    return value


def change_between_nights(sandbox) -> dict[str, list[str]]:
    ids = {i: r["__id"] for i, r in enumerate(reversed(sandbox.odk_truth(ODK_FORM)), start=1)}
    sandbox.add(ODK_FORM, 4)
    sandbox.edit(ODK_FORM, 2)
    sandbox.edit(ODK_FORM, 15)
    sandbox.set_validation_status(ODK_FORM, 6, APPROVED)
    sandbox.edit(ODK_FORM, 10)
    sandbox.delete(ODK_FORM, 10)
    sandbox.delete(ODK_FORM, 4)
    return {"edited": [ids[2], ids[15]], "reviewed": [ids[6]], "deleted": [ids[4], ids[10]]}


def assert_repeats_as_on_central(url: str, sandbox) -> None:
    """Each current version landed carries exactly the repeat rows Central shows for it."""
    payloads = current_payloads(url, ODK_FORM)
    truth = {r["__id"]: r for r in sandbox.odk_truth(ODK_FORM, include_deleted=False)}
    assert any(r.get("activities") for r in truth.values())
    for key, row in truth.items():
        landed = without_links(payloads[key].get("activities", []))
        assert landed == without_links(row.get("activities", [])), key


def test_nights_end_equal_to_central_and_a_quiet_night_changes_nothing(cfg, sandbox):
    url = cfg.warehouse
    first = night(cfg, sandbox, ODK_FORM)
    assert view(url, ODK_FORM) == odk_truth(sandbox)
    assert (first["new"], first["changed"], first["deleted"], first["unchanged"]) == (17, 0, 0, 0)

    changed = change_between_nights(sandbox)
    second = night(cfg, sandbox, ODK_FORM)

    held = view(url, ODK_FORM)
    assert held == odk_truth(sandbox)
    assert sorted(k for k, v in held.items() if v[2] is not None) == sorted(changed["deleted"])
    assert (second["new"], second["changed"], second["deleted"]) == (4, 3, 2)
    versions = raw_versions(url, ODK_FORM)
    assert all(versions[k] == 2 for k in changed["edited"] + changed["reviewed"])  # updatedAt moved
    assert all(versions[k] >= 2 for k in changed["deleted"])
    assert_repeats_as_on_central(url, sandbox)
    assert cursor(url, "odk", ODK_FORM) == second["cursor"]

    third = night(cfg, sandbox, ODK_FORM)
    assert (third["new"], third["changed"], third["deleted"]) == (0, 0, 0)
    assert (view(url, ODK_FORM), raw_versions(url, ODK_FORM)) == (held, versions)
    assert [row["status"] for row in loads(url, ODK_FORM)] == ["ok", "ok", "ok"]


def test_rows_submitted_after_an_edit_night_are_pulled(sqlite_cfg, sandbox):
    cfg, url = sqlite_cfg, sqlite_cfg.warehouse
    night(cfg, sandbox, ODK_FORM)
    sandbox.edit(ODK_FORM, 3)              # the cursor moves to the edit's updatedAt
    night(cfg, sandbox, ODK_FORM)
    sandbox.add(ODK_FORM, 3)
    third = night(cfg, sandbox, ODK_FORM)
    assert third["new"] == 3
    assert view(url, ODK_FORM) == odk_truth(sandbox)


def test_progress_is_reported_once_the_night_is_read(sqlite_cfg, sandbox):
    cfg = sqlite_cfg
    calls = []
    night(cfg, sandbox, ODK_FORM, progress=lambda *args: calls.append(args))
    assert calls == [(ODK_FORM, 1, 17)]


def test_rows_arriving_while_the_client_pages_are_pulled_the_next_night(sqlite_cfg, sandbox):
    cfg, url = sqlite_cfg, sqlite_cfg.warehouse
    client = odk_client(sandbox, page_size=5)
    pages = client.iter_table

    def iter_table(form_id, table="Submissions", **kwargs):
        for n, page in enumerate(pages(form_id, table, **kwargs)):
            yield page
            if table == "Submissions" and n == 0:
                sandbox.add(ODK_FORM, 3)           # newer than every page still to come
    client.iter_table = iter_table
    pull_form(cfg, form_config(cfg, ODK_FORM), client=client)
    assert len(view(url, ODK_FORM)) == 17
    second = night(cfg, sandbox, ODK_FORM)
    assert second["new"] == 3
    assert view(url, ODK_FORM) == odk_truth(sandbox)
