"""Timing helpers for the workloads: named phases and this process's peak resident memory."""

from __future__ import annotations

import resource

from flows.timing import Steps


Phases = Steps  # ``with phases("pull"): ...`` adds the wall time of the block under its name


def peak_mb() -> float:
    """Peak resident set size of this process so far plus the largest of its finished child processes
    (a night's second pull process runs beside it), in MB; Linux reports ru_maxrss in KiB. The sum is an
    upper bound of what both held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024, 1)
