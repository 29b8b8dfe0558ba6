"""Exported files (KoBo or ODK XLSX/CSV) read into records with the KoBo API payload shape.

A partner who cannot give API access sends an export. The main sheet holds one row per submission, each
repeat one sheet linked to its parent by ``_index``/``_parent_index`` (KoBo) or ``KEY``/``PARENT_KEY`` (ODK);
a CSV export is the main table, with repeat tables as sibling files ``<stem>-<repeat>.csv``. Headers may be
slash paths (``grp/q``), ODK's dash paths (``grp-q``) or bare names; each is matched to the form's question.
Records come out as ``connectors.kobo.to_record`` makes them (slash-path keys, string values, repeats as
lists), so flatten and validate treat an import exactly like an API pull. Unusable input raises
``SourceError`` naming the file, sheet, row and column.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from connectors.errors import SourceError
from connectors.files_columns import column_map, geopoint_parts
from connectors.kobo import to_record
from connectors.records import parse_utc
from forms.definition import FormDef

VALIDATION_LABELS = {"approved": "validation_status_approved", "not approved": "validation_status_not_approved",
                     "on hold": "validation_status_on_hold"}
LINK_COLUMNS = {"_index", "_parent_index", "_parent_table_name", "KEY", "PARENT_KEY"}


class Table:
    """One sheet (or CSV file): its name, headers and rows as lists of cell values."""

    def __init__(self, path: Path, name: str, headers: list[str], rows: list[list]):
        self.path, self.name, self.headers, self.rows = path, name, headers, rows

    def where(self, row_number: int, column: str | None = None) -> str:
        place = f"{self.path.name}, sheet {self.name!r}, row {row_number}"
        return place + (f", column {column!r}" if column else "")


def read_tables(path: Path) -> list[Table]:
    """The export's tables, main table first."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook
        book = load_workbook(path, read_only=True, data_only=True)
        tables = [_table(path, sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book]
        book.close()
        return tables
    if path.suffix.lower() == ".csv":
        files = [path] + sorted(path.parent.glob(f"{path.stem}-*.csv"))
        return [_table(f, f.stem if f == path else f.stem[len(path.stem) + 1:], _csv_rows(f)) for f in files]
    raise SourceError(f"{path}: unsupported export type {path.suffix!r}; export the form as XLSX or CSV")


def _csv_rows(path: Path) -> list[list]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _table(path: Path, name: str, cells: list) -> Table:
    if not cells or not any(cells[0]):
        raise SourceError(f"{path.name}, sheet {name!r}: no header row; export with headers on the first row")
    headers = [str(h).strip() if h is not None else "" for h in cells[0]]
    rows = [list(r) for r in cells[1:] if any(v not in (None, "") for v in r)]
    return Table(path, name, headers, rows)


def cell_text(value):
    """A cell as KoBo's JSON would hold it: text, integral numbers without ``.0``; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def repeat_for(sheet: str, form: FormDef) -> str | None:
    """The repeat path a sheet holds: sheet names are the repeat's name or path, cut to 31 characters."""
    for repeat in form.repeats:
        names = {repeat.rsplit("/", 1)[-1], repeat.replace("/", "-"), repeat.replace("/", "_"), repeat}
        if sheet in names or sheet in {n[:31] for n in names}:
            return repeat
    return None


def _level_rows(table: Table, form: FormDef, repeat: str | None) -> list[tuple[int, dict, dict]]:
    """(row number, payload, link values) per row, payload keys mapped to the form's slash paths."""
    mapping = column_map(table.headers, form, repeat)
    parts = geopoint_parts(table.headers, form, repeat)
    out = []
    for number, cells in enumerate(table.rows, start=2):
        values = dict(zip(table.headers, cells))
        links = {k: cell_text(values.get(k)) for k in LINK_COLUMNS if k in values}
        payload = {}
        for header, key in mapping.items():
            text = cell_text(values.get(header))
            if text is not None:
                payload[key] = text
        for path, columns in parts.items():
            if path not in payload and values.get(columns[0]) not in (None, ""):
                payload[path] = " ".join(cell_text(values.get(c)) or "0" for c in columns)
        out.append((number, payload, links))
    return out


def _normalise_meta(payload: dict, table: Table, number: int) -> None:
    """KoBo metadata as the API has it: ``_id`` an int, ``_validation_status`` a dict, keys present."""
    if "_id" in payload:
        try:
            payload["_id"] = int(payload["_id"])
        except ValueError:
            raise SourceError(f"{table.where(number, '_id')}: _id {payload['_id']!r} is not a whole number; "
                              "re-export the form without editing the _id column") from None
    status = payload.pop("_validation_status", None)
    uid = VALIDATION_LABELS.get(str(status).strip().lower(), status) if status else None
    uid = payload.pop("_review_state", None) or uid  # ODK review states are kept as Central names them
    payload["_validation_status"] = {"uid": uid} if uid else {}
    instance = payload.get("meta/instanceID")
    if instance and "_uuid" not in payload:
        payload["_uuid"] = instance.removeprefix("uuid:")
    if "meta/rootUuid" not in payload and instance and not payload.get("meta/deprecatedID"):
        payload["meta/rootUuid"] = instance  # never edited: the first instanceID is the current one
    when = payload.get("_submission_time")
    if when and ("Z" in when or "+" in when):  # ODK's SubmissionDate carries an offset; KoBo's has none
        payload["_submission_time"] = parse_utc(when).strftime("%Y-%m-%dT%H:%M:%S")
    if "meta/rootUuid" not in payload and "_id" not in payload:
        raise SourceError(f"{table.where(number)}: no meta/instanceID, meta/rootUuid or _id column value; "
                          "export with the metadata columns included")


def read_export(path, form: FormDef, source: str = "file") -> list[dict]:
    """Records of one exported file (see module docstring)."""
    path = Path(path)
    tables = read_tables(path)
    main, rest = tables[0], tables[1:]
    parents: dict[str | None, dict[str, dict]] = {None: {}}
    submissions = []
    for number, payload, links in _level_rows(main, form, None):
        if links.get("KEY") and "meta/rootUuid" not in payload:
            payload["meta/rootUuid"] = links["KEY"]  # ODK: KEY is the submission's first instanceID
        _normalise_meta(payload, main, number)
        submissions.append(payload)
        link = links.get("_index") or links.get("KEY")
        if link:
            parents[None][link] = payload
    for table in sorted(rest, key=lambda t: (repeat_for(t.name, form) or "").count("/")):
        repeat = repeat_for(table.name, form)
        if repeat is None:
            continue
        _attach(table, form, repeat, parents)
    return [to_record(row, form.form_id, source) for row in submissions]


def _attach(table: Table, form: FormDef, repeat: str, parents: dict) -> None:
    """Append each repeat row to its parent (the submission or the enclosing repeat's row)."""
    outer = max((r for r in form.repeats if repeat.startswith(r + "/")), key=len, default=None)
    parents.setdefault(repeat, {})
    column = "_parent_index" if "_parent_index" in table.headers else "PARENT_KEY"
    if column not in table.headers:
        raise SourceError(f"{table.where(1)}: repeat sheet has neither _parent_index nor PARENT_KEY; "
                          "export with the repeat-group link columns")
    for number, payload, links in _level_rows(table, form, repeat):
        parent = parents.get(outer, {}).get(links.get(column) or "")
        if parent is None:
            raise SourceError(f"{table.where(number, column)}: value {links.get(column)!r} matches no row "
                              f"of the parent sheet; check that the export is complete and unedited")
        parent.setdefault(repeat, []).append(payload)
        own = links.get("_index") or links.get("KEY")
        if own:
            parents[repeat][own] = payload
