"""Timing helpers for the workloads: named phases and this process's peak resident memory."""

from __future__ import annotations

import resource
import time
from contextlib import contextmanager


class Phases:
    """``with phases("pull"): ...`` adds the wall time of the block under its name."""

    def __init__(self):
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        began = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - began

    def rounded(self) -> dict[str, float]:
        return {name: round(seconds, 2) for name, seconds in self.times.items()}


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
