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
    """Peak resident set size of this process so far plus the largest of its finished child processes
    (a night's second pull process runs beside it), in MB; Linux reports ru_maxrss in KiB. The sum is an
    upper bound of what both held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024, 1)
