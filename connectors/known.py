"""What the warehouse holds for one form, compact enough for a million submissions: 16 bytes each.

A night compares what a server sends with what the warehouse holds: is this submission new, changed, or
the same; which submissions has the server stopped sending (hard deletes)? Held as a dict of strings this
is ~300 bytes per submission (300 MB for a national 5W), and it grows with the data. ``KnownVersions``
keeps, per submission, the 64-bit hash of its key and the 64-bit hash of its (version, validation status)
in two sorted numpy arrays, and compares a whole page at once.

Hashes are Python's own (``hash`` of the text, fixed within the process; nothing is stored). Two different
keys sharing a 64-bit hash has odds of about 1 in 10^7 for a form of a million submissions; it could make
one edit wait for a later night or one delete go unseen until then, never lose or mix up data: every
decision taken from the hashes is checked against the server's rows when they are landed.

Rows are ``(submission_key, version_key, validation_status)``, read from the warehouse
(``warehouse.raw.current_rows``) or, in tests, from a dict ``{key: (version, status)}``. A night that only
compares its own rows (its light read runs elsewhere, ``connectors.kobo_sync``) reads just their keys
(``LookedUp``, from a ``KeyRows`` lookup such as ``warehouse.raw.rows_of_keys``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping

import numpy as np

KnownRows = Callable[[], Iterable[tuple]]  # () -> (key, version, status) of every submission held
KeyRows = Callable[[list[str]], Iterable[tuple]]  # keys -> (key, version, status) of those held


def rows_of(known) -> KnownRows:
    """A ``KnownRows`` from a mapping ``{key: (version, status)}`` (read when called), a callable or None."""
    if known is None:
        return lambda: ()
    if callable(known):
        return known
    if isinstance(known, Mapping):
        return lambda: ((key, *tuple(value)[:2]) for key, value in known.items())
    raise TypeError(f"known must be a mapping, a callable or None, not {type(known).__name__}")


def lookup_of(known) -> KeyRows | None:
    """A ``KeyRows`` lookup for ``known``: a mapping's own, a warehouse reader's ``lookup`` attribute, or
    None when ``known`` can only be read whole."""
    if isinstance(known, Mapping):
        return lambda keys: [(key, *tuple(known[key])[:2]) for key in keys if key in known]
    return getattr(known, "lookup", None)


def key_hash(key) -> int:
    return hash(str(key))


def state_hash(version, status) -> int:
    return hash((None if version is None else str(version), status))


def hashes(values: Iterable, count: int, of=key_hash) -> np.ndarray:
    return np.fromiter((of(v) for v in values), dtype=np.int64, count=count)


def state_hashes(versions: list, statuses: list) -> np.ndarray:
    return np.fromiter((state_hash(v, s) for v, s in zip(versions, statuses)), dtype=np.int64,
                       count=len(versions))


class KnownVersions:
    """Sorted key hashes with their state hashes and a flag for what ``dead`` calls no longer live."""

    def __init__(self, rows: Iterable[tuple] = (), dead: Callable[[str], bool] | None = None):
        keys, states, flags = array("q"), array("q"), array("b")
        for key, version, status in rows:
            keys.append(key_hash(key))
            states.append(state_hash(version, status))
            flags.append(bool(dead and dead(version)))
        self._set(np.frombuffer(keys, dtype=np.int64), np.frombuffer(states, dtype=np.int64),
                  np.frombuffer(flags, dtype=np.int8).astype(bool))
        self._added_keys: list[np.ndarray] = []
        self._added_states: list[np.ndarray] = []

    def _set(self, keys: np.ndarray, states: np.ndarray, dead: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys, self.states, self.dead = keys[order], states[order], dead[order]
        self.seen = np.zeros(len(self.keys), dtype=bool)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, key_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(positions, found mask, state hashes, dead flags) of the given key hashes; for a key not
        found the position is meaningless, the state 0 and the flag False."""
        n = len(key_hashes)
        if not len(self.keys):
            return (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64),
                    np.zeros(n, dtype=bool))
        order = np.argsort(key_hashes)  # sorted needles walk the million keys in one direction: ~2x faster
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.searchsorted(self.keys, key_hashes[order])
        np.minimum(pos, len(self.keys) - 1, out=pos)
        found = self.keys[pos] == key_hashes
        return pos, found, np.where(found, self.states[pos], 0), found & self.dead[pos]

    def classify(self, keys: list, versions: list, statuses: list) -> tuple[np.ndarray, np.ndarray]:
        """(new, changed) masks of a page of records: new = key unknown or held as dead (deleted),
        changed = known and live with another (version, status)."""
        n = len(keys)
        _, found, held, dead = self.find(hashes(keys, n))
        live = found & ~dead
        current = state_hashes(versions, statuses)
        return ~live, live & (held != current)

    def add(self, keys: list, versions: list, statuses: list) -> None:
        """Remember records landed this night (they win over what was held, see ``updated``)."""
        n = len(keys)
        self._added_keys.append(hashes(keys, n))
        self._added_states.append(state_hashes(versions, statuses))

    def updated(self) -> KnownVersions:
        """What is held once the records passed to ``add`` are landed (the last one of a key wins).

        Built with one stable sort and no reversed copies: at the end of a first load of a million
        submissions this is the pull's largest allocation."""
        out = KnownVersions()
        if not self._added_keys:
            out._set(self.keys.copy(), self.states.copy(), self.dead.copy())
            return out
        keys = np.concatenate([self.keys, *self._added_keys])
        states = np.concatenate([self.states, *self._added_states])
        dead = np.concatenate([self.dead, np.zeros(len(keys) - len(self.keys), dtype=bool)])
        order = np.argsort(keys, kind="stable")  # equal keys keep their order: the last added is last
        keys = keys[order]
        last = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=last[:-1])
        order = order[last]
        out.keys, out.states, out.dead = keys[last], states[order], dead[order]
        out.seen = np.zeros(len(out.keys), dtype=bool)
        return out

    def stale(self, keys: list, versions: list, statuses: list) -> np.ndarray:
        """Mark the page's keys as seen on the server; mask of rows unknown, dead or with another state."""
        return self._differs(keys, versions, statuses, mark_seen=True)

    def differs(self, keys: list, versions: list, statuses: list) -> np.ndarray:
        """Mask of the rows unknown, dead or with another state (``stale`` without marking them seen)."""
        return self._differs(keys, versions, statuses, mark_seen=False)

    def _differs(self, keys: list, versions: list, statuses: list, mark_seen: bool) -> np.ndarray:
        pos, found, held, dead = self.find(hashes(keys, len(keys)))
        if mark_seen:
            self.seen[pos[found]] = True
        return ~found | dead | (held != state_hashes(versions, statuses))

    def unseen(self) -> set[int]:
        """Key hashes held as live that no ``stale`` call has seen: the server no longer has them."""
        return set(self.keys[~self.seen & ~self.dead].tolist())


class LookedUp(KnownVersions):
    """``KnownVersions`` of only the keys it is asked about: the first time a page names a key, its row is
    read from ``lookup``. A night whose light read runs in another process compares only its own rows
    (ten thousand new and edited ones, not the million held: 1.4 s of CPU less at a million).

    Every record passed to ``add`` was classified first, so a key is read before this night lands it:
    what ``lookup`` returns is what was held before the night. ``stale`` and ``unseen`` need every held
    row and are refused."""

    def __init__(self, lookup: KeyRows, dead: Callable[[str], bool] | None = None):
        super().__init__()
        self._lookup, self._dead_of, self._asked = lookup, dead, set()

    def _fetch(self, keys: list) -> None:
        wanted = [key for key in dict.fromkeys(map(str, keys)) if key not in self._asked]
        if not wanted:
            return
        self._asked.update(wanted)
        rows = KnownVersions(self._lookup(wanted), dead=self._dead_of)
        if len(rows):
            self._set(np.concatenate([self.keys, rows.keys]), np.concatenate([self.states, rows.states]),
                      np.concatenate([self.dead, rows.dead]))

    def classify(self, keys: list, versions: list, statuses: list) -> tuple[np.ndarray, np.ndarray]:
        self._fetch(keys)
        return super().classify(keys, versions, statuses)

    def differs(self, keys: list, versions: list, statuses: list) -> np.ndarray:
        self._fetch(keys)
        return super().differs(keys, versions, statuses)

    def updated(self) -> LookedUp:
        merged = super().updated()
        out = LookedUp(self._lookup, self._dead_of)
        out.keys, out.states, out.dead, out.seen = merged.keys, merged.states, merged.dead, merged.seen
        out._asked = self._asked
        return out

    def stale(self, keys: list, versions: list, statuses: list) -> np.ndarray:
        raise TypeError("LookedUp holds only the keys asked about: a light pass needs every held row "
                        "(KnownVersions)")

    def unseen(self) -> set[int]:
        raise TypeError("LookedUp holds only the keys asked about: finding deletes needs every held row "
                        "(KnownVersions)")
