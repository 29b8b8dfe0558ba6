"""KoBo's ``query`` (Mongo JSON), ``sort`` and ``fields`` parameters, for the sandbox's data endpoint.

Queries on ``_id`` and ``_submission_time`` and sorts on either (the two orders agree, since times
increase with ids) are answered from the store's id array: an id window and a slice. Anything else
falls back to filtering and sorting regenerated rows, which is fine for test-sized forms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from connectors.sandbox.routes import HttpError
from connectors.sandbox.store import FormStore

FAST_KEYS = {"_id", "_submission_time"}
RANGE_OPS = {"$gt", "$gte", "$lt", "$lte", "$eq"}
META_KEYS = {"_id", "_uuid", "_submission_time", "_validation_status", "meta/instanceID",
             "meta/rootUuid", "__version__", "_submitted_by", "_xform_id_string", "_status",
             "_attachments", "_tags", "_notes", "formhub/uuid"}


def parse_json_param(name: str, raw: str | None, default):
    if raw in (None, ""):
        return default
    try:
        return json.loads(raw)
    except ValueError as error:
        raise HttpError(400, f"the {name!r} parameter is not valid JSON ({error}): {raw!r}") from None


def parse_time(value) -> datetime:
    """A query bound as naive UTC (KoBo times have no suffix; clients may send ``Z`` or offsets)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, f"cannot read {value!r} as an ISO date-time in the _submission_time query") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class Window:
    """KoBo-visible ids in [lo, hi], ascending or descending."""
    lo: int
    hi: int
    descending: bool = False


def _bounds(store: FormStore, key: str, cond) -> tuple[int, int]:
    lo, hi = 1, store.n
    conds = cond if isinstance(cond, dict) else {"$eq": cond}
    for op, value in conds.items():
        if key == "_id":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise HttpError(400, f"_id bound {value!r} is not an integer") from None
            first_ge, first_gt = number, number + 1
        else:
            moment = parse_time(value)
            first_ge, first_gt = store.first_at_or_after(moment), store.first_at_or_after(moment, strict=True)
        if op in ("$gt", "$gte", "$eq"):
            lo = max(lo, first_gt if op == "$gt" else first_ge)
        if op in ("$lt", "$lte", "$eq"):
            hi = min(hi, (first_ge if op == "$lt" else first_gt) - 1)
    return lo, hi


def fast_window(store: FormStore, query: dict, sort: dict) -> Window | None:
    """The id window answering ``query``/``sort``, or None when they need the slow path."""
    if not isinstance(query, dict) or not isinstance(sort, dict) or len(sort) > 1:
        return None
    if set(query) - FAST_KEYS or set(sort) - FAST_KEYS:
        return None
    if any(isinstance(c, dict) and set(c) - RANGE_OPS for c in query.values()):
        return None
    lo, hi = 1, store.n
    for key, cond in query.items():
        key_lo, key_hi = _bounds(store, key, cond)
        lo, hi = max(lo, key_lo), min(hi, key_hi)
    direction = next(iter(sort.values()), 1)
    return Window(lo, hi, descending=str(direction) in ("-1", "desc", "descending"))


def _compare(op: str, have, want) -> bool:
    if op == "$eq":
        return have == want
    if op == "$ne":
        return have != want
    if op == "$in":
        return have in want
    if op == "$nin":
        return have not in want
    if op == "$exists":
        return (have is not None) == bool(want)
    if have is None:
        return False
    try:
        return {"$gt": have > want, "$gte": have >= want, "$lt": have < want, "$lte": have <= want}[op]
    except KeyError:
        raise HttpError(400, f"query operator {op!r} is not supported by the sandbox") from None
    except TypeError:
        return False


def matches(row: dict, query: dict) -> bool:
    """Mongo-style matching of one KoBo row: equality, $gt/$gte/$lt/$lte/$ne/$in/$nin/$exists, $and/$or."""
    for key, cond in query.items():
        if key == "$and":
            if not all(matches(row, q) for q in cond):
                return False
            continue
        if key == "$or":
            if not any(matches(row, q) for q in cond):
                return False
            continue
        have = row.get(key)
        conds = cond if isinstance(cond, dict) and all(k.startswith("$") for k in cond) else {"$eq": cond}
        for op, want in conds.items():
            if key == "_submission_time" and have is not None and op in RANGE_OPS:
                have_t, want = parse_time(have), parse_time(want)
                if not _compare(op, have_t, want):
                    return False
            elif not _compare(op, have, want):
                return False
    return True


def sort_rows(rows: list[dict], sort: dict) -> list[dict]:
    for key, direction in reversed(list(sort.items())):
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key)), reverse=str(direction) == "-1")
    return rows


def project(rows: list[dict], fields: list[str]) -> list[dict]:
    """Each row with only the keys named in ``fields`` (a group name keeps everything under it).

    The keys to keep are worked out once per row shape (rows of a form share a few shapes), so a page of
    a reconcile pass costs a dict build per row, not a prefix test per key."""
    wanted, groups = set(fields), tuple(f + "/" for f in fields)
    kept_by_shape: dict[tuple, list[str]] = {}
    out = []
    for row in rows:
        shape = tuple(row)
        kept = kept_by_shape.get(shape)
        if kept is None:
            kept = kept_by_shape[shape] = [k for k in shape if k in wanted or k.startswith(groups)]
        out.append({k: row[k] for k in kept})
    return out
