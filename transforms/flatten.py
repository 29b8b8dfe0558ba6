"""Flatten submissions into typed tables: one row per submission, one table per repeat.

Input records are the connectors' dicts (``docs/architecture.md``); ``payload`` is either KoBo-shaped (slash
paths, string values, repeats as lists of dicts with full-path keys) or ODK-shaped (nested group objects, typed
values, GeoJSON points). Both are walked by the same code: a key is resolved against the current path, groups
recurse, repeat lists become child rows, so the same answers give identical rows whatever the shape.

Columns are typed from the form in whole-column pandas operations (``forms.definition.FormDef``); a value that
cannot be typed becomes null and is reported in ``FlatTables.issues`` (rule ``type_<question type>``), as is a
payload that cannot be read at all (``malformed_payload``). ``validate`` quarantines those submissions.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import orjson
import pandas as pd

from forms.definition import FormDef
from transforms import flatten_types as types
from transforms.issues import concat_issues, issue, issues_frame, org_field, where

MAIN_KEYS = ["submission_key", "version_key", "form_version", "submitted_at"]
REPEAT_KEYS = ["submission_key", "repeat_path", "ordinal", "parent_ordinal", "ordinal_path"]
META_ROOTS = {"meta", "formhub", "__system", "__id", "__version__"}
try:  # the C routine behind DataFrame(list_of_dicts); see _cells
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover - pandas moved it
    _dicts_to_array = None
FIELD, REPEAT, META, OTHER = range(4)  # what a payload key is (see _Walker._classify)


class FlatTables(dict):
    """Table name → DataFrame (what ``flatten`` returns), plus what was found on the way.

    ``issues``: type and malformed-payload problems (``transforms.issues.ISSUE_COLUMNS``);
    ``unknown_keys``: payload paths that are not questions of the form, with how often they were seen.
    """

    def __init__(self, tables: dict, issues: pd.DataFrame, unknown_keys: Counter):
        super().__init__(tables)
        self.issues = issues
        self.unknown_keys = unknown_keys


def table_name(form: FormDef, repeat: str | None = None) -> str:
    """``stg_<form_id>`` or ``stg_<form_id>__<repeat name>`` (the full path when two repeats share a name)."""
    if repeat is None:
        return f"stg_{form.form_id}"
    name = repeat.rsplit("/", 1)[-1]
    if sum(r.rsplit("/", 1)[-1] == name for r in form.repeats) > 1:
        name = repeat.replace("/", "__")
    return f"stg_{form.form_id}__{name}"


def column_names(form: FormDef, repeat: str | None = None) -> dict[str, str]:
    """Question path → column name at one level: the question name, or its path if two questions share it."""
    fields = form.fields_in(repeat)
    reserved = set(MAIN_KEYS if repeat is None else REPEAT_KEYS)
    counts = Counter(f.name for f in fields)
    names = {}
    for f in fields:
        name = f.path if counts[f.name] > 1 else f.name
        names[f.path] = f"q_{name}" if name in reserved else name
    return names


def _is_meta(path: str) -> bool:
    root = path.split("/", 1)[0]
    return root.startswith("_") or root in META_ROOTS or "@odata" in path


class _Walker:
    """Collects raw values per table while walking payloads (the only per-value Python loop)."""

    def __init__(self, form: FormDef):
        self.form = form
        self.paths = {f.path for f in form.fields}
        self.repeats = set(form.repeats)
        self.rows: dict[str | None, list[dict]] = {None: []}
        self.rows.update({r: [] for r in form.repeats})
        self.issues: list[dict] = []
        self.unknown: Counter = Counter()
        self._kinds: dict[tuple[str, str], tuple[str, int]] = {}  # (prefix, key) → (path, kind)

    def _classify(self, prefix: str, name: str) -> tuple[str, int]:
        """Where a payload key leads (cached: a batch repeats the same few dozen keys on every row)."""
        found = self._kinds.get((prefix, name))
        if found is None:
            path = name if not prefix or name.startswith(prefix + "/") else f"{prefix}/{name}"
            kind = (REPEAT if path in self.repeats else FIELD if path in self.paths
                    else META if _is_meta(path) else OTHER)
            found = self._kinds[(prefix, name)] = (path, kind)
        return found

    def add(self, index: int, record) -> None:
        key = _submission_key(record, index)
        payload = record.get("payload") if isinstance(record, dict) else record
        if isinstance(payload, bytes):  # JSON as landed (a batch handed over from another process)
            try:
                payload = orjson.loads(payload)
            except orjson.JSONDecodeError:
                payload = payload.decode("utf-8", "replace")
        if not isinstance(record, dict) or not isinstance(payload, dict):
            what = "record" if not isinstance(record, dict) else "payload"
            self.issues.append(issue(
                self.form.form_id, key, "malformed_payload", None, payload,
                f"Submission {key} could not be read: its {what} is {type(payload).__name__}, not a set "
                "of answers. Re-send the submission or ask the information management officer to check it."))
            return
        values: dict = {
            "submission_key": key, "version_key": record.get("version_key"),
            "form_version": _form_version(record, payload), "submitted_at": record.get("submitted_at")}
        self._walk(payload, "", values, key, "")
        self.rows[None].append(values)

    def _walk(self, node: dict, prefix: str, values: dict, key: str, ordinal_path: str) -> None:
        kinds = self._kinds
        for raw_key, value in node.items():
            path, kind = kinds.get((prefix, raw_key)) or self._classify(prefix, str(raw_key))
            if kind == FIELD:
                values[path] = value
            elif kind == REPEAT:
                self._repeat(path, value, key, ordinal_path)
            elif kind == OTHER:
                if isinstance(value, dict):
                    self._walk(value, path, values, key, ordinal_path)
                else:
                    self.unknown[path] += 1

    def _repeat(self, path: str, items, key: str, parent_path: str) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            items = [items] if isinstance(items, dict) else items
        if not isinstance(items, list):
            self._malformed_repeat(path, items, key, parent_path)
            return
        for ordinal, item in enumerate(items, start=1):
            ordinal_path = f"{parent_path}.{ordinal}" if parent_path else str(ordinal)
            if not isinstance(item, dict):
                self._malformed_repeat(path, item, key, ordinal_path)
                continue
            values = {"submission_key": key, "repeat_path": path, "ordinal": ordinal,
                      "parent_ordinal": int(parent_path.rsplit(".", 1)[-1]) if parent_path else None,
                      "ordinal_path": ordinal_path}
            self._walk(item, path, values, key, ordinal_path)
            self.rows[path].append(values)

    def _malformed_repeat(self, path: str, value, key: str, ordinal_path: str) -> None:
        self.issues.append(issue(
            self.form.form_id, key, "malformed_payload", path, value,
            f"{where(self.form, path, ordinal_path or '?')}the repeated section '{path}' holds "
            f"{type(value).__name__} instead of a list of answers. Re-send the submission."))


def _submission_key(record, index: int) -> str:
    if isinstance(record, dict):
        payload = record.get("payload") if isinstance(record.get("payload"), dict) else {}
        for value in (record.get("submission_key"), payload.get("meta/rootUuid"), payload.get("__id"),
                      payload.get("_id"), (payload.get("meta") or {}).get("instanceID")
                      if isinstance(payload.get("meta"), dict) else None):
            if value not in (None, ""):
                return str(value)
    return f"(record {index + 1} of the batch, no submission key)"


def _form_version(record: dict, payload: dict):
    system = payload.get("__system") if isinstance(payload.get("__system"), dict) else {}
    for value in (record.get("form_version"), system.get("formVersion"), payload.get("__version__")):
        if value not in (None, ""):
            return str(value)
    return None


def _table(form: FormDef, repeat: str | None, rows: list[dict]) -> tuple[pd.DataFrame, list[tuple]]:
    """Typed DataFrame for one level, and the (row position, field, raw value) cells that failed typing."""
    keys = MAIN_KEYS if repeat is None else REPEAT_KEYS
    fields = form.fields_in(repeat)
    cells = _cells(rows, keys + [f.path for f in fields])
    index = pd.RangeIndex(len(rows))
    data = {k: pd.Series(cells[:, i], index=index, dtype=object) for i, k in enumerate(keys)}
    bad_cells = []
    names = column_names(form, repeat)
    for i, f in enumerate(fields, start=len(keys)):
        raw = pd.Series(cells[:, i], index=index, dtype=object)
        columns, bad = types.typed_columns(f, names[f.path], raw, form.choice_codes(f.list_name or ""))
        data.update(columns)
        bad_cells.extend((pos, f, raw.iloc[pos]) for pos in bad.to_numpy().nonzero()[0])
    frame = pd.DataFrame(data, index=index)
    return types.type_keys(frame, repeat is None), bad_cells


def _cells(rows: list[dict], paths: list[str]) -> np.ndarray:
    """The rows' values as an object matrix, one column per path (absent: NaN, which typing reads as empty).

    pandas' C routine behind ``DataFrame(list_of_dicts)`` is ~10x faster than a comprehension per column;
    the plain comprehension stays as the fallback should that private helper move.
    """
    if _dicts_to_array is not None:
        return _dicts_to_array(rows, paths)
    matrix = np.empty((len(rows), len(paths)), dtype=object)
    for i, path in enumerate(paths):
        matrix[:, i] = [r.get(path, np.nan) for r in rows]
    return matrix


def flatten(form: FormDef, records: list[dict]) -> FlatTables:
    """Typed tables of a batch of records: ``stg_<form_id>`` and ``stg_<form_id>__<repeat>`` (see module doc)."""
    walker = _Walker(form)
    for index, record in enumerate(records):
        walker.add(index, record)
    tables, problems = {}, [issues_frame(walker.issues)]
    org = org_field(form)
    main, bad_main = _table(form, None, walker.rows.pop(None))  # each level's row dicts freed once typed
    orgs = dict(zip(main["submission_key"], main[column_names(form)[org.path]])) if org else {}
    tables[table_name(form)] = main
    problems.append(_type_issues(form, None, main, bad_main, orgs))
    for repeat in form.repeats:
        frame, bad = _table(form, repeat, walker.rows.pop(repeat))
        tables[table_name(form, repeat)] = frame
        problems.append(_type_issues(form, repeat, frame, bad, orgs))
    return FlatTables(tables, concat_issues(problems), walker.unknown)


def _type_issues(form, repeat, frame, bad_cells, orgs) -> pd.DataFrame:
    rows = []
    if not bad_cells:
        return issues_frame(rows)
    keys, paths = frame["submission_key"].to_numpy(), frame["ordinal_path"].to_numpy() if repeat else None
    for pos, f, raw in bad_cells:
        key = keys[pos]
        prefix = where(form, repeat, paths[pos] if repeat else None)
        rows.append(issue(form.form_id, key, f"type_{f.type}", f.name, raw,
                          prefix + types.type_message(f, raw), orgs.get(key)))
    return issues_frame(rows)
