"""Write-back (``write_back: true``): after staging, tell each server which submissions are quarantined.

KoBo submissions get a validation status (``validation_status_not_approved`` by default, or ``..._on_hold``);
ODK Central submissions a review state (``hasIssues`` by default, or ``rejected``) and a comment listing the
issues. See ``connectors.writeback`` for the requests.

A verdict is sent once: ``writeback_sent`` remembers, per submission, the verdict and a digest of its issues.
The next night's pull sees the new status (KoBo reconcile) or the moved ``updatedAt`` (Central), so the
submission is re-staged; its issues are the same, the digest matches and nothing is sent again. A verdict
is sent again only when the issues change (an edit that fixed one problem but not another) or after the
submission left quarantine and came back. A status a data manager set by hand after ours is respected
while the issues stay the same. The status is not PATCHed when the server already shows the verdict.
Failures never stop the night: they come back as ``{form, source, message, write_back: True}`` and the
submissions not sent are tried again the next night.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from connectors.errors import SourceError
from connectors.writeback import KOBO_STATUSES, ODK_STATES, kobo_set_status, odk_comment, odk_set_review
from flows.config import Config, FormConfig
from flows.pull import open_client, server_of
from warehouse.db import engine as get_engine
from warehouse.schema import quarantine_issues as issues
from warehouse.schema import raw_submissions as raw
from warehouse.schema import submission_state as state
from warehouse.schema import writeback_sent as sent_table

log = logging.getLogger(__name__)

SKIP_STATUSES = (400, 404, 409, 410)  # about one submission: report it and go on with the others


@dataclass
class Verdict:
    """What to send for one quarantined submission."""

    submission_key: str
    digest: str
    body: str
    kobo_id: int | None
    patch: bool      # the server does not show the verdict yet
    comment: bool    # the issues changed since the last comment (ODK)


def write_back(cfg: Config, kobo_status: str = KOBO_STATUSES[0], odk_state: str = ODK_STATES[0],
               clients: dict | None = None) -> dict:
    """Send the verdicts of every configured KoBo/ODK form. Returns ``{"sent": {form: n}, "failed": [...]}``.

    ``clients`` maps source names to API clients (default: opened from the configuration)."""
    eng = get_engine(cfg.warehouse)
    sent_table.create(eng, checkfirst=True)
    clients = clients if clients is not None else {}
    sent, failed = {}, []
    for form in cfg.forms:
        source = cfg.source(form.source)
        if source.kind not in ("kobo", "odk"):
            continue
        verdict = kobo_status if source.kind == "kobo" else odk_state
        try:
            client = clients.get(source.name) or clients.setdefault(source.name, open_client(source))
            todo = due(eng, form.form, verdict, comments=source.kind == "odk")
            sent[form.form], errors = send_form(eng, client, source.kind, form, verdict, todo)
        except Exception as exc:  # a write-back failure never stops the night
            sent.setdefault(form.form, 0)
            errors = [str(exc)]
        if errors:
            failed.append(_failure(form, server_of(source), sent[form.form], errors))
    return {"sent": sent, "failed": failed}


def due(eng, form_id: str, verdict: str, comments: bool) -> list[Verdict]:
    """The quarantined, not deleted submissions of a form whose verdict was not sent for these issues."""
    forget_cleared(eng, form_id)
    query = (sa.select(issues.c.submission_key, issues.c.rule, issues.c.field, issues.c.value, issues.c.message,
                       state.c.validation_status, raw.c.payload)
             .join(state, sa.and_(state.c.form_id == issues.c.form_id,
                                  state.c.submission_key == issues.c.submission_key))
             .join(raw, raw.c.id == state.c.raw_id)
             .where(issues.c.form_id == form_id, state.c.deleted_at.is_(None))
             .order_by(issues.c.submission_key, issues.c.rule, issues.c.field, issues.c.id))
    grouped: dict[str, dict] = {}
    with eng.connect() as conn:
        for key, rule, field, value, message, status, payload in conn.execute(query):
            item = grouped.setdefault(key, {"status": status, "payload": payload, "issues": []})
            item["issues"].append((rule, field, value, message))
        last = {k: (v, d) for k, v, d in conn.execute(
            sa.select(sent_table.c.submission_key, sent_table.c.verdict, sent_table.c.digest)
            .where(sent_table.c.form_id == form_id))}
    out = []
    for key, item in grouped.items():
        digest = _digest(item["issues"])
        if last.get(key) == (verdict, digest):
            continue
        out.append(Verdict(key, digest, comment_body(item["issues"]), _kobo_id(item["payload"]),
                           patch=item["status"] != verdict,
                           comment=comments and (last.get(key) or (None, None))[1] != digest))
    return out


def send_form(eng, client, kind: str, form: FormConfig, verdict: str, todo: list[Verdict]) -> tuple[int, list]:
    """Send each verdict, recording it as sent; stop at the first failure that is not about one submission."""
    sent, errors = 0, []
    for item in todo:
        try:
            _send_one(client, kind, form, verdict, item)
        except SourceError as exc:
            errors.append(str(exc))
            if exc.status not in SKIP_STATUSES:
                break
            continue
        record_sent(eng, form.form, item, verdict)
        sent += 1
    log.info("form %s: wrote back %d of %d verdicts", form.form, sent, len(todo))
    return sent, errors


def _send_one(client, kind: str, form: FormConfig, verdict: str, item: Verdict) -> None:
    if kind == "kobo":
        if item.patch:
            if item.kobo_id is None:
                raise ValueError(f"form {form.form}: submission {item.submission_key} has no KoBo _id")
            kobo_set_status(client, form.server_id, item.kobo_id, verdict, form.form)
        return
    if item.patch:
        odk_set_review(client, form.server_id, item.submission_key, verdict)
    if item.comment:
        odk_comment(client, form.server_id, item.submission_key, item.body)


def record_sent(eng, form_id: str, item: Verdict, verdict: str) -> None:
    where = sa.and_(sent_table.c.form_id == form_id, sent_table.c.submission_key == item.submission_key)
    with eng.begin() as conn:
        conn.execute(sent_table.delete().where(where))
        conn.execute(sent_table.insert().values(form_id=form_id, submission_key=item.submission_key,
                                                verdict=verdict, digest=item.digest,
                                                sent_at=datetime.now(UTC)))


def forget_cleared(eng, form_id: str) -> None:
    """Forget submissions no longer quarantined, so a later quarantine is sent again."""
    still = sa.select(issues.c.submission_key).where(issues.c.form_id == form_id)
    with eng.begin() as conn:
        conn.execute(sent_table.delete().where(sent_table.c.form_id == form_id,
                                               sent_table.c.submission_key.not_in(still)))


def comment_body(found: list[tuple]) -> str:
    """The comment a reviewer reads in Central: one line per issue, with the message the rule wrote."""
    lines = [f"- {field or rule}: {message or rule}" for rule, field, _value, message in found]
    return f"Cluster Monitor quarantined this submission ({len(found)} issue(s)):\n" + "\n".join(lines)


def _digest(found: list[tuple]) -> str:
    text = json.dumps(sorted([[str(x) if x is not None else None for x in row] for row in found],
                             key=lambda r: [x or "" for x in r]))
    return hashlib.sha256(text.encode()).hexdigest()


def _kobo_id(payload: str) -> int | None:
    value = json.loads(payload).get("_id")
    return int(value) if value not in (None, "") else None


def _failure(form: FormConfig, server: str, sent: int, errors: list[str]) -> dict:
    message = (f"form {form.form} ({server}): write-back sent {sent} verdicts, {len(errors)} failed; the "
               f"rest are tried again next night. First failure: {errors[0]}")
    return {"form": form.form, "source": form.source, "message": message, "write_back": True}
