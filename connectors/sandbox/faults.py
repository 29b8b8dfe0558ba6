"""Fault injection: failures a real server or its proxy produces, queued for the next requests.

A fault is a dict. ``{"status": 429, "retry_after": 1}`` and ``{"status": 502}`` answer with that
status; ``{"kind": "reset"}`` drops the connection without a response; ``{"kind": "slow", "seconds": 2}``
delays the real answer; ``{"kind": "truncated"}`` sends half the body then closes;
``{"kind": "abort_after_pages", "pages": 3}`` lets three requests through, then resets the fourth.
Optional keys: ``path`` (substring the request path must contain), ``method``, ``times`` (default 1).
Faults apply in queue order: the first fault matching a request is the one used.
"""

from __future__ import annotations

import threading

KINDS = {"status", "reset", "slow", "truncated", "abort_after_pages"}


def normalise(fault: dict) -> dict:
    """A checked copy of one fault spec, with ``kind`` always set."""
    if not isinstance(fault, dict):
        raise ValueError(f"a fault must be a JSON object, got {fault!r}")
    spec = dict(fault)
    kind = spec.setdefault("kind", "status" if "status" in spec else None)
    if kind not in KINDS:
        raise ValueError(f"unknown fault {fault!r}: give a 'status' or a 'kind' among {sorted(KINDS - {'status'})}")
    if kind == "status" and not isinstance(spec.get("status"), int):
        raise ValueError(f"fault {fault!r} needs an integer 'status'")
    spec["times"] = int(spec.get("times", 1))
    if kind == "abort_after_pages":
        spec["pages"] = int(spec.get("pages", 1))
    return spec


class FaultQueue:
    """Thread-safe queue of pending faults."""

    def __init__(self, faults: list[dict] | None = None):
        self._lock = threading.Lock()
        self._queue: list[dict] = []
        self.extend(faults or [])

    def extend(self, faults: list[dict]) -> None:
        specs = [normalise(f) for f in faults]
        with self._lock:
            self._queue.extend(specs)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [dict(f) for f in self._queue]

    def take(self, method: str, path: str) -> dict | None:
        """The fault to apply to this request, or None to serve it normally."""
        with self._lock:
            for fault in self._queue:
                if fault.get("path", "") not in path:
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if fault["kind"] == "abort_after_pages" and fault["pages"] > 0:
                    fault["pages"] -= 1
                    return None
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self._queue.remove(fault)
                return dict(fault)
            return None
