"""The sandbox's truth for one form: which submissions exist, their edits, deletes and review states.

Rows are not stored: submission ``i`` is regenerated on demand from (form, seed, i, start of its
epoch) and only edited rows are kept. Submissions added after the store has stamped an edit, delete or
review with a later clock start a new epoch whose times follow that clock, as a real server stamps
submissions on arrival. The ids KoBo still shows (deletes are hard there) sit in one sorted array, so a page
of any offset is a slice and a time window is two binary searches: per-request work stays O(page)
even with a million submissions.
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta, timezone

from connectors.synthetic import (DEFAULT_START, KOBO_TIME, edited, generate_row, row_meta,
                                  submission_time)
from connectors.synthetic_odk import to_odk
from forms.definition import FormDef

VALIDATION_LABELS = {
    "validation_status_approved": ("Approved", "#00ff00"),
    "validation_status_not_approved": ("Not Approved", "#ff0000"),
    "validation_status_on_hold": ("On Hold", "#0000ff"),
}
REVIEW_STATES = ("hasIssues", "edited", "rejected", "approved")  # what Central's PATCH accepts
ODK_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def odk_stamp(moment: datetime | None) -> str | None:
    return moment.strftime(ODK_TIME)[:-3] + "Z" if moment else None


class FormStore:
    """One form's submissions as both servers see them (KoBo: hard deletes; ODK: soft deletes)."""

    def __init__(self, form: FormDef, n: int, seed: int = 1, start: datetime = DEFAULT_START):
        self.form, self.seed, self.start = form, seed, start
        self.lock = threading.RLock()
        self.n = 0
        self.alive = array("q")          # KoBo-visible _ids, ascending
        self.rows: dict[int, dict] = {}  # edited rows (everything else is regenerated)
        self.edits: dict[int, int] = {}
        self.updated_at: dict[int, datetime] = {}
        self.deleted_at: dict[int, datetime] = {}
        self.validation: dict[int, dict] = {}
        self.revision = 0                # bumped on every change: caches key on it
        self.review: dict[int, str] = {}       # ODK review states set through Central's API
        self.comments: dict[int, list[dict]] = {}
        self._by_instance: dict[str, int] = {}
        self._indexed = 0
        self._clock = datetime.min
        self._epochs = [(1, start)]          # (first index, start of its synthetic times), ascending
        self.add(n)

    # --- reading ---------------------------------------------------------------------------
    def start_of(self, index: int) -> datetime:
        """The start the synthetic times of submission ``index`` count from (its epoch's)."""
        return self._epochs[bisect_right(self._epochs, (index, datetime.max)) - 1][1]

    def time_of(self, index: int) -> datetime:
        return submission_time(index, self.seed, self.start_of(index))

    def row(self, index: int) -> dict:
        """Submission ``index`` as KoBo currently shows it."""
        row = self.rows.get(index) or generate_row(self.form, index, self.seed, self.start_of(index))
        if index in self.validation:
            row = {**row, "_validation_status": self.validation[index]}
        return row

    def meta(self, index: int) -> dict:
        """Only the metadata of ``index``: much cheaper than ``row`` for reconcile passes."""
        if index in self.rows:
            return self.row(index)
        meta = row_meta(self.form, index, self.seed, self.start_of(index))
        if index in self.validation:
            meta["_validation_status"] = self.validation[index]
        return meta

    def odk_row(self, index: int) -> dict:
        """Submission ``index`` as ODK Central's OData feed shows it (repeats inline)."""
        row = to_odk(self.row(index), self.form, updated_at=odk_stamp(self.updated_at.get(index)),
                     deleted_at=odk_stamp(self.deleted_at.get(index)), edits=self.edits.get(index, 0))
        if index in self.review:
            row["__system"]["reviewState"] = self.review[index]
        return row

    def first_at_or_after(self, moment: datetime, strict: bool = False) -> int:
        """The smallest index whose submission time is >= ``moment`` (> when ``strict``); n+1 if none."""
        lo, hi = 1, self.n + 1
        while lo < hi:
            mid = (lo + hi) // 2
            t = self.time_of(mid)
            if t > moment or (t == moment and not strict):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def alive_between(self, lo: int, hi: int) -> tuple[int, int]:
        """Positions in ``alive`` of the KoBo-visible ids in [lo, hi]."""
        return bisect_left(self.alive, lo), bisect_right(self.alive, hi)

    def truth(self) -> list[dict]:
        """Every submission KoBo would return now, ascending by ``_id``."""
        with self.lock:
            return [self.row(i) for i in self.alive]

    def exists(self, index: int) -> bool:
        pos = bisect_left(self.alive, index)
        return pos < len(self.alive) and self.alive[pos] == index

    # --- changing --------------------------------------------------------------------------
    def now(self) -> datetime:
        """Server time for edits and deletes: wall-clock UTC, but always after every submission
        and strictly increasing, so cursors on ``updatedAt`` see every change."""
        wall = datetime.now(timezone.utc).replace(tzinfo=None)
        wall = wall.replace(microsecond=wall.microsecond // 1000 * 1000)
        latest = self.time_of(self.n) + timedelta(seconds=1) if self.n else wall
        self._clock = max(wall, latest, self._clock + timedelta(milliseconds=1))
        return self._clock

    def add(self, count: int) -> list[int]:
        """``count`` new submissions, later than all existing ones and than every time the store has
        stamped on an edit, delete or review (a new epoch starts when the synthetic times lag behind)."""
        with self.lock:
            first, start = self.n + 1, self._epochs[-1][1]
            behind = self._clock - submission_time(first, self.seed, start)
            if count and behind >= timedelta(0):
                shift = timedelta(seconds=int(behind.total_seconds()) + 1)
                self._epochs.append((first, start + shift))
            new = list(range(first, first + count))
            self.alive.extend(new)
            self.n += count
            self.revision += 1
            return new

    def _require(self, index: int, kobo_visible: bool = True) -> None:
        if not (1 <= index <= self.n) or (kobo_visible and not self.exists(index)):
            raise KeyError(f"form {self.form.form_id!r} has no submission with _id {index}")

    def edit(self, index: int, changes: dict | None = None) -> dict:
        """Edit a submission as a data manager would in KoBo or Central; returns the new KoBo row."""
        with self.lock:
            self._require(index)
            number = self.edits.get(index, 0) + 1
            self.rows[index] = edited(self.row(index), self.form, number, self.seed, changes)
            self.edits[index] = number
            self.updated_at[index] = self.now()
            self.revision += 1
            return self.row(index)

    def delete(self, index: int) -> None:
        """KoBo forgets the row; Central keeps it with ``deletedAt`` set."""
        with self.lock:
            self._require(index)
            self.alive.pop(bisect_left(self.alive, index))
            self.deleted_at[index] = self.now()
            self.revision += 1

    def set_validation_status(self, index: int, uid: str | None) -> dict:
        """KoBo validation status (``validation_status_approved`` ...; None clears it). In Central the
        review state changes too, which moves ``updatedAt``."""
        with self.lock:
            self._require(index)
            if uid is None:
                self.validation[index] = {}
            else:
                if uid not in VALIDATION_LABELS:
                    raise ValueError(f"unknown validation status {uid!r}; use one of {sorted(VALIDATION_LABELS)}")
                label, color = VALIDATION_LABELS[uid]
                self.validation[index] = {"timestamp": int(time.time()), "uid": uid, "by_whom": "sandbox",
                                          "color": color, "label": label}
            self.review.pop(index, None)
            self.updated_at[index] = self.now()
            self.revision += 1
            return self.validation[index]

    def set_review_state(self, index: int, state: str) -> dict:
        """Central's review state (``PATCH .../submissions/{instanceId}``); moves ``updatedAt``.
        KoBo's validation status is left as it was (the two servers are separate in real life)."""
        with self.lock:
            self._require(index, kobo_visible=False)
            if state not in REVIEW_STATES:
                raise ValueError(f"unknown reviewState {state!r}; use one of {', '.join(REVIEW_STATES)}")
            self.review[index] = state
            self.updated_at[index] = self.now()
            self.revision += 1
            return self.odk_row(index)

    def add_comment(self, index: int, body: str) -> dict:
        """A comment on a submission, as Central keeps them (it does not move ``updatedAt``)."""
        with self.lock:
            self._require(index, kobo_visible=False)
            comment = {"body": body, "actorId": 5, "createdAt": odk_stamp(self.now())}
            self.comments.setdefault(index, []).append(comment)
            return comment

    def index_of(self, instance_id: str) -> int | None:
        """The index of the submission whose ``__id`` (first instanceID) is ``instance_id``."""
        with self.lock:
            for index in range(self._indexed + 1, self.n + 1):  # ids never change: index them once
                meta = self.meta(index)
                self._by_instance[meta.get("meta/rootUuid") or meta["meta/instanceID"]] = index
            self._indexed = self.n
            return self._by_instance.get(instance_id)

    def kobo_time(self, index: int) -> str:
        return self.time_of(index).strftime(KOBO_TIME)
