"""Synthetic submissions generated from a form definition, deterministic for a seed.

Rows come out exactly as KoBo's KPI v2 data endpoint sends them (slash-path keys, string values,
repeats as lists of dicts with full-path keys, KoBo metadata); ``to_odk`` gives the same submission
as ODK Central's OData feed shows it. Row ``i`` depends only on (form, seed, i, start), so the
sandbox server can build any page on demand without holding a million rows in memory.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from functools import lru_cache
from datetime import datetime, timedelta

from connectors.synthetic_hooks import run_hooks
from connectors.synthetic_odk import to_odk  # noqa: F401  (public: the same submission in ODK shape)
from connectors.synthetic_values import pick_value
from forms.definition import FormDef

DEFAULT_START = datetime(2026, 1, 5, 8, 0, 0)
STEP_SECONDS = 60  # submissions arrive about a minute apart; the jitter stays below the step
KOBO_TIME = "%Y-%m-%dT%H:%M:%S"
SUBMITTERS = ("partner_juba", "partner_wau", "partner_malakal", "imo_cluster", "")
EMPTY_REPEAT_RATE = 0.15
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=1024)
def short_uid(text: str, prefix: str, length: int = 21) -> str:
    """A KoBo-style uid (``a`` + 21 base62 characters) derived from a text, stable across runs."""
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    return prefix + "".join(chars)


def version_uid(form: FormDef) -> str:
    """The ``__version__`` every row carries: KoBo's deployed version uid of this form content."""
    return short_uid(f"{form.form_id}:{form.version or ''}", "v")


def submission_time(index: int, seed: int = 1, start: datetime = DEFAULT_START) -> datetime:
    """When submission ``index`` (1-based) arrived: strictly increasing with the index."""
    jitter = (index * 7919 + seed * 104729) % (STEP_SECONDS - 7)
    return start + timedelta(seconds=(index - 1) * STEP_SECONDS + jitter)


def new_instance_id(rng: random.Random) -> str:
    return f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def row_meta(form: FormDef, index: int, seed: int = 1, start: datetime = DEFAULT_START) -> dict:
    """The KoBo metadata of submission ``index`` alone: cheap, for reconcile passes over all rows."""
    rng = random.Random(f"{seed}/{form.form_id}/{index}/meta")
    instance_id = new_instance_id(rng)
    return {
        "formhub/uuid": short_uid(form.form_id, "", 32).lower(),
        "meta/instanceID": instance_id,
        "meta/rootUuid": instance_id,
        "__version__": version_uid(form),
        "_xform_id_string": form.form_id,
        "_id": index,
        "_uuid": instance_id[len("uuid:"):],
        "_submission_time": submission_time(index, seed, start).strftime(KOBO_TIME),
        "_submitted_by": rng.choice(SUBMITTERS) or None,
        "_status": "submitted_via_web",
        "_validation_status": {},
        "_attachments": [],
        "_geolocation": [None, None],
        "_tags": [],
        "_notes": [],
    }


def _child_repeats(form: FormDef, parent: str | None) -> list[str]:
    def enclosing(path: str) -> str | None:
        outer = [r for r in form.repeats if path.startswith(r + "/")]
        return max(outer, key=len) if outer else None
    return [r for r in form.repeats if enclosing(r) == parent]


def _level(form: FormDef, repeat: str | None, rng: random.Random, when: datetime, context: dict) -> dict:
    """Answers of one level (the submission or one repeat instance), nested repeats included."""
    values: dict = {}
    fields = form.fields_in(repeat)
    answered = dict(context)
    for field in fields:
        value = pick_value(form, field, rng, answered, when)
        if value is not None:
            values[field.path] = value
            answered[field.name] = value
    run_hooks(form, fields, values, rng)
    for child in _child_repeats(form, repeat):
        count = 0 if rng.random() < EMPTY_REPEAT_RATE else rng.randint(1, 3)
        instances = [_level(form, child, rng, when, answered) for _ in range(count)]
        if instances:
            values[child] = instances
    return values


def generate_row(form: FormDef, index: int, seed: int = 1, start: datetime = DEFAULT_START) -> dict:
    """Submission ``index`` (1-based) as KoBo sends it."""
    meta = row_meta(form, index, seed, start)
    rng = random.Random(f"{seed}/{form.form_id}/{index}/answers")
    row = _level(form, None, rng, submission_time(index, seed, start), {})
    geopoint = next((row[f.path] for f in form.fields_in(None)
                     if f.type == "geopoint" and f.path in row), None)
    if geopoint:
        lat, lon = geopoint.split()[:2]
        meta["_geolocation"] = [float(lat), float(lon)]
    row.update(meta)
    return row


def generate(form: FormDef, n: int, seed: int = 1, start: datetime = DEFAULT_START) -> list[dict]:
    """``n`` KoBo-shaped submissions with ``_id`` 1..n, the same list for the same seed."""
    return [generate_row(form, index, seed, start) for index in range(1, n + 1)]


def edited(row: dict, form: FormDef, edit_number: int, seed: int = 1, changes: dict | None = None) -> dict:
    """The row after an edit on KoBo: same ``_id``, ``meta/rootUuid`` and ``_submission_time``; a new
    ``_uuid``/``meta/instanceID`` and ``meta/deprecatedID`` pointing at the replaced version.
    Without ``changes`` one top-level answer is drawn again."""
    rng = random.Random(f"{seed}/{form.form_id}/{row['_id']}/edit{edit_number}")
    new = dict(row)
    if changes is None:
        candidates = [f for f in form.fields_in(None) if f.path in row and f.type != "text"]
        if candidates:
            field = rng.choice(candidates)
            value = pick_value(form, field, rng, {}, datetime.strptime(row["_submission_time"], KOBO_TIME))
            changes = {field.path: value} if value is not None else {}
    new.update(changes or {})
    instance_id = new_instance_id(rng)
    new["meta/deprecatedID"] = row["meta/instanceID"]
    new["meta/instanceID"] = instance_id
    new["_uuid"] = instance_id[len("uuid:"):]
    return new
