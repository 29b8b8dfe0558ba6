"""The raw layer: every version of every submission as the source sent it, plus the current version.

`raw_submissions` keeps each (form_id, submission_key, version_key) once; landing it again is a no-op.
`submission_state` holds the current version per submission and `staged_version_key`, the version that
staging reflects. Any change (new version, validation status, delete or undelete) clears
`staged_version_key`, so `pending` (submissions to stage) and `pending_deletes` (deleted submissions to
drop from staging) find exactly the work left; `mark_staged` records it as done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse import bulk
from warehouse.db import as_utc, chunks, dialect_insert, wrote_rows
from warehouse.schema import raw_submissions as raw
from warehouse.schema import UNSTAGED, submission_state as state

PAGE_SIZE = 1000
_STATE_COLUMNS = ("source", "version_key", "raw_id", "submitted_at", "updated_at", "deleted_at",
                  "validation_status", "load_id", "staged_version_key")
_RAW_INSERT = ("load_id", "source", "form_id", "submission_key", "version_key", "submitted_at", "updated_at",
               "deleted_at", "validation_status", "payload")
_STATE_INSERT = ("form_id", "submission_key", *_STATE_COLUMNS)
# orjson writes what json.dumps(ensure_ascii=False) would, ~10x faster; datetimes and other objects a file
# export may hold are written with str() as before, and non-text keys are allowed
_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(payload) -> str:
    """A payload as compact JSON text (UTF-8, not ASCII-escaped)."""
    return dump_bytes(payload).decode()


def dump_bytes(payload) -> bytes:
    """A payload as the UTF-8 JSON bytes ``dumps`` stores (what ``transforms.flatten`` accepts as a payload)."""
    return orjson.dumps(payload, default=str, option=_DUMPS_OPTIONS)


class Landed(dict):
    """Counts per submission (``new``, ``changed``, ``unchanged``), plus ``written``: the
    (form_id, submission_key, version_key) of every submission whose current state this landing set
    (new or changed), i.e. what staging has to reflect next, mapped to its payload as JSON text (what
    ``dumps`` writes: a caller passing payloads on as JSON need not serialise them again) when the
    landing was asked to keep them (``land(keep_json=True)``), else to None."""

    def __init__(self):
        super().__init__(new=0, changed=0, unchanged=0)
        self.written: dict[tuple[str, str, str], str | None] = {}


def land(conn: Connection, records: list[dict], load_id: str, keep_json: bool = False) -> Landed:
    """Land connector records (see docs/architecture.md) in the caller's transaction.

    New versions go to raw_submissions (a version already there is ignored); submission_state is upserted.
    Returns counts per submission: new (key never seen), changed (other version_key, validation status
    or deleted_at), unchanged; and which versions became current (``Landed.written``, with their payload
    JSON when ``keep_json``: only for a page's worth of records, as a pull lands them).
    """
    landed = Landed()
    for page in chunks(records, PAGE_SIZE):
        by_form: dict[str, list[dict]] = {}
        for index, record in enumerate(page):
            row = _raw_row(record, load_id, index)
            by_form.setdefault(row["form_id"], []).append(row)
        for form_id, rows in by_form.items():
            _land_form_page(conn, form_id, rows, landed, keep_json)
    return landed


def _raw_row(record: dict, load_id: str, index: int) -> dict:
    form_id, key, version = record.get("form_id"), record.get("submission_key"), record.get("version_key")
    if not form_id or key in (None, "") or version in (None, ""):
        raise ValueError(
            f"Record {index} of form {form_id!r} (submission {key!r}) has no form_id, submission_key or "
            "version_key: the connector's to_record must set all three"
        )
    return {
        "load_id": load_id,
        "source": record.get("source") or "",
        "form_id": form_id,
        "submission_key": str(key),
        "version_key": str(version),
        "submitted_at": as_utc(record.get("submitted_at")),
        "updated_at": as_utc(record.get("updated_at")),
        "deleted_at": as_utc(record.get("deleted_at")),
        "validation_status": record.get("validation_status"),
        "payload": dumps(record.get("payload")),
    }


def _land_form_page(conn: Connection, form_id: str, rows: list[dict], landed: Landed, keep_json: bool) -> None:
    latest = {row["submission_key"]: row for row in rows}  # the last version of a key in the page wins
    existing = _states(conn, form_id, list(latest))
    to_upsert = []
    for key, row in latest.items():
        kind = _classify(row, existing.get(key))
        landed[kind] += 1
        if kind != "unchanged":
            to_upsert.append(row)
            landed.written[(form_id, key, row["version_key"])] = row["payload"] if keep_json else None
    # the current version of a known submission is already in raw: only other versions can be new
    inserted = _insert_raw(conn, [r for r in rows
                                  if existing.get(r["submission_key"], (None,))[0] != r["version_key"]])
    raw_ids = {**_raw_ids(conn, form_id, [r for r in to_upsert
                                          if (r["submission_key"], r["version_key"]) not in inserted]),
               **inserted}
    _upsert_state(conn, [_state_row(r, raw_ids[(r["submission_key"], r["version_key"])]) for r in to_upsert])
    wrote_rows(conn, "raw_submissions", len(to_upsert))
    wrote_rows(conn, "submission_state", len(to_upsert))


def _classify(row: dict, current: tuple | None) -> str:
    if current is None:
        return "new"
    if current != (row["version_key"], row["validation_status"], row["deleted_at"]):
        return "changed"
    return "unchanged"


def _states(conn: Connection, form_id: str, keys: list[str]) -> dict[str, tuple]:
    query = sa.select(state.c.submission_key, state.c.version_key, state.c.validation_status,
                      state.c.deleted_at).where(state.c.form_id == form_id,
                                                state.c.submission_key.in_(keys))
    return {key: (version, status, deleted) for key, version, status, deleted in conn.execute(query)}


def _insert_raw(conn: Connection, rows: list[dict]) -> dict[tuple[str, str], int]:
    """Insert the versions not yet in raw (a version already there is skipped). On PostgreSQL by COPY,
    returning the ids of the versions inserted, {(submission_key, version_key): id}; elsewhere by
    executemany, returning nothing (``_raw_ids`` reads them)."""
    if not rows:
        return {}

    def skip_known(stmt):
        return stmt.on_conflict_do_nothing(index_elements=["form_id", "submission_key", "version_key"])

    if conn.dialect.name == "postgresql":
        result = bulk.copy_into_select(conn, raw, _RAW_INSERT, _columns(rows, _RAW_INSERT), lambda source: skip_known(
            dialect_insert(conn, raw).from_select(_RAW_INSERT, sa.select(*source.c)))
            .returning(raw.c.id, raw.c.submission_key, raw.c.version_key))
        return {(key, version): id_ for id_, key, version in result}
    _bulk(conn, skip_known(dialect_insert(conn, raw)), raw, _RAW_INSERT, rows)
    return {}


def _columns(rows: list[dict], names: tuple[str, ...]) -> list[list]:
    return [[row[name] for row in rows] for name in names]


def _bulk(conn: Connection, stmt, table: sa.Table, names: tuple[str, ...], rows: list[dict]) -> None:
    """executemany ``stmt`` on the driver with the named columns of ``rows`` (see warehouse.bulk)."""
    bulk.executemany(conn, stmt, names, _columns(rows, names), [table.c[name].type for name in names])


def _raw_ids(conn: Connection, form_id: str, rows: list[dict]) -> dict[tuple[str, str], int]:
    if not rows:
        return {}
    wanted = {(r["submission_key"], r["version_key"]) for r in rows}
    query = sa.select(raw.c.id, raw.c.submission_key, raw.c.version_key).where(
        raw.c.form_id == form_id, raw.c.submission_key.in_(sorted({k for k, _ in wanted}))
    )
    return {(k, v): id_ for id_, k, v in conn.execute(query) if (k, v) in wanted}


def _state_row(row: dict, raw_id: int) -> dict:
    out = {name: row[name] for name in _STATE_COLUMNS if name in row}
    out.update(form_id=row["form_id"], submission_key=row["submission_key"], raw_id=raw_id,
               staged_version_key=None)
    return out


def _upsert_state(conn: Connection, rows: list[dict]) -> None:
    """Insert or update the state of each submission (one row per key); COPY on PostgreSQL."""
    if not rows:
        return

    def upsert(stmt):
        return stmt.on_conflict_do_update(index_elements=[state.c.form_id, state.c.submission_key],
                                          set_={name: stmt.excluded[name] for name in _STATE_COLUMNS})

    if conn.dialect.name == "postgresql":
        bulk.copy_into_select(conn, state, _STATE_INSERT, _columns(rows, _STATE_INSERT), lambda source: upsert(
            dialect_insert(conn, state).from_select(_STATE_INSERT, sa.select(*source.c))))
        return
    _bulk(conn, upsert(dialect_insert(conn, state)), state, _STATE_INSERT, rows)


def mark_deleted(conn: Connection, form_id: str, keys: Iterable[str], deleted_at, load_id: str) -> int:
    """Record that submissions were deleted at the source; raw versions are kept. Returns how many.

    Submissions already marked deleted keep their first deleted_at.
    """
    deleted_at, count = as_utc(deleted_at), 0
    for batch in chunks(sorted(set(keys))):
        result = conn.execute(
            state.update()
            .where(state.c.form_id == form_id, state.c.submission_key.in_(batch), state.c.deleted_at.is_(None))
            .values(deleted_at=deleted_at, load_id=load_id, staged_version_key=None)
        )
        count += result.rowcount
    return count


def current_rows(engine: Engine, form_id: str, chunk: int = 20_000) -> Iterator[tuple[str, str, str | None]]:
    """(submission_key, version_key, validation_status) of every submission of the form, streamed in
    chunks (a million-row form is never held at once)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            yield from _sqlite_rows(conn, form_id, chunk)
            return
        query = sa.select(state.c.submission_key, state.c.version_key, state.c.validation_status).where(
            state.c.form_id == form_id)
        for part in conn.execution_options(yield_per=chunk).execute(query).partitions():
            yield from part


def rows_of_keys(engine: Engine, form_id: str, keys: list[str], chunk: int = 500) -> list[tuple[str, str, str | None]]:
    """``current_rows`` of the given keys only (those the warehouse holds), read by primary key."""
    query = sa.select(state.c.submission_key, state.c.version_key, state.c.validation_status).where(
        state.c.form_id == form_id, state.c.submission_key.in_(sa.bindparam("keys", expanding=True)))
    rows: list[tuple] = []
    with engine.connect() as conn:
        for start in range(0, len(keys), chunk):
            rows.extend(tuple(r) for r in conn.execute(query, {"keys": list(keys[start:start + chunk])}))
    return rows


def holds_at_least(engine: Engine, form_id: str, n: int) -> bool:
    """Whether the warehouse holds at least ``n`` submissions of the form (deleted ones included); reads at
    most ``n`` entries of the key index, where counting a million takes ~0.2 s."""
    if n <= 0:
        return True
    query = sa.select(state.c.submission_key).where(state.c.form_id == form_id).order_by(
        state.c.submission_key).limit(1).offset(n - 1)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def _sqlite_rows(conn, form_id: str, chunk: int) -> Iterator[tuple]:
    """``current_rows`` on SQLite: the table in storage order, not through the key index (a random row
    lookup per index entry made it 5x slower), read by the driver's cursor (SQLAlchemy's per-row result
    handling doubled the time of a million rows; these three text columns need no conversion)."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute("SELECT submission_key, version_key, validation_status FROM submission_state "
                       "NOT INDEXED WHERE form_id = ?", (form_id,))
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def current_keys(engine: Engine, form_id: str) -> dict[str, tuple]:
    """submission_key -> (version_key, validation_status, deleted_at) for a reconcile pass."""
    query = sa.select(state.c.submission_key, state.c.version_key, state.c.validation_status,
                      state.c.deleted_at).where(state.c.form_id == form_id)
    with engine.connect() as conn:
        return {key: (version, status, deleted) for key, version, status, deleted in conn.execute(query)}


def _unstaged(form_id: str):
    """The form's submissions whose current version staging does not reflect yet; read through the
    partial index ``ix_submission_state_unstaged``, whose condition this is (``schema.UNSTAGED``)."""
    return sa.and_(state.c.form_id == form_id, UNSTAGED)


def pending(engine: Engine, form_id: str, batch_size: int = 5000) -> Iterator[list[dict]]:
    """Yield batches of current, non-deleted versions not yet staged, as records with parsed payload.

    Batches are read by submission_key order (keyset), so calling `mark_staged` between batches is safe.
    """
    query = (
        sa.select(state.c.source, state.c.form_id, state.c.submission_key, state.c.version_key,
                  state.c.submitted_at, state.c.updated_at, state.c.deleted_at, state.c.validation_status,
                  raw.c.payload)
        .join(raw, raw.c.id == state.c.raw_id)
        .where(_unstaged(form_id), state.c.deleted_at.is_(None))
        .order_by(state.c.submission_key)
        .limit(batch_size)
    )
    last = None
    while True:
        page = query if last is None else query.where(state.c.submission_key > last)
        with engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(page).mappings()]
        if not rows:
            return
        for row in rows:
            row["payload"] = orjson.loads(row["payload"])
        last = rows[-1]["submission_key"]
        yield rows


def pending_deletes(engine: Engine, form_id: str) -> list[tuple[str, str]]:
    """(submission_key, version_key) of deleted submissions not yet removed from staging."""
    query = sa.select(state.c.submission_key, state.c.version_key).where(
        _unstaged(form_id), state.c.deleted_at.is_not(None)
    ).order_by(state.c.submission_key)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def mark_staged(conn: Connection, form_id: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Record that staging now reflects these (submission_key, version_key) pairs (or their deletion)."""
    pairs = list(dict(pairs).items())  # one pair per key, the last given wins (as one UPDATE per pair did)
    if not pairs:
        return
    keys, versions = [key for key, _ in pairs], [version for _, version in pairs]
    if conn.dialect.name == "postgresql":  # one UPDATE … FROM the copied pairs, not one per submission
        bulk.copy_into_select(
            conn, state, ("form_id", "submission_key", "staged_version_key"), [[form_id] * len(pairs), keys, versions],
            lambda source: state.update().where(state.c.form_id == source.c.form_id,
                                                state.c.submission_key == source.c.submission_key)
            .values(staged_version_key=source.c.staged_version_key))
        return
    stmt = (
        state.update()
        .where(state.c.form_id == sa.bindparam("b_form"), state.c.submission_key == sa.bindparam("b_key"))
        .values(staged_version_key=sa.bindparam("b_version"))
    )
    bulk.executemany(conn, stmt, ("b_form", "b_key", "b_version"), [[form_id] * len(pairs), keys, versions],
                     [state.c.form_id.type, state.c.submission_key.type, state.c.staged_version_key.type])


def restage(conn: Connection, form_id: str) -> int:
    """Mark every submission of a form as not staged, so the next run rebuilds its staging tables."""
    result = conn.execute(state.update().where(state.c.form_id == form_id).values(staged_version_key=None))
    return result.rowcount
