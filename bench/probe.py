"""Timing helpers for the workloads: named phases and peak resident memory.

Two peaks are reported for a workload that starts child processes (a night's second pull process):
``peak_mb``, the largest resident memory the workload and its descendants held **at the same moment**
(their RSS summed, sampled from /proc every 20 ms, and never less than any one process's own peak), and
``peak_mb_bound``, the workload's own peak plus its largest child's, an upper bound (the two peaks need
not coincide). RSS counts the pages of shared libraries in each process, so the sum is a little high.
Prefect's temporary API server (a uvicorn subprocess of a flow run without a server) is Prefect's, like
its start-up time, and is sampled apart (``prefect_server_mb``); a PostgreSQL server's memory is its own.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from pathlib import Path

from flows.timing import Steps


Phases = Steps  # ``with phases("pull"): ...`` adds the wall time of the block under its name

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _peaks_kib() -> tuple[int, int]:
    """Peak resident set size of this process and of the largest of its finished children (Linux: KiB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def peak_mb() -> float:
    """This process's peak plus its largest finished child's, in MB: an upper bound of what both held at
    once."""
    return round(sum(_peaks_kib()) / 1024, 1)


def own_peak_mb() -> float:
    """The largest of this process's own peak and its largest finished child's, in MB."""
    return round(max(_peaks_kib()) / 1024, 1)


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0  # the process ended between listing and reading


def _parents() -> dict[int, int]:
    """{pid: parent pid} of every process visible in /proc."""
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                out[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return out


def family(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents = _parents()
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def is_prefect_server(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"uvicorn" in command and any(b"prefect" in part for part in command)


class MemorySampler:
    """Samples the resident memory of this process and its descendants every ``interval`` seconds in a
    background thread; ``peak_mb`` is the largest sum seen and ``peak_at`` its seconds from start;
    ``prefect_server_mb`` the largest resident memory of Prefect's temporary server, not in the sum."""

    def __init__(self, interval: float = 0.02):
        self.interval, self.peak_mb, self.peak_at, self.prefect_server_mb = interval, 0.0, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory-sampler", daemon=True)
        self._began = time.perf_counter()
        self._pids, self._servers = [os.getpid()], []
        self.timeline: list | None = None  # (seconds, [MB of each process]) once a second, when a list
        self._noted = 0.0
        self._listed = 0.0

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            now = time.perf_counter()
            if now - self._listed > 0.5:  # listing /proc costs more than reading a few statm files
                pids, self._listed = family(os.getpid()), now
                self._servers = [pid for pid in pids if is_prefect_server(pid)]
                self._pids = [pid for pid in pids if pid not in self._servers]
            sizes = [_rss_mb(pid) for pid in self._pids]
            total = sum(sizes)
            if self.timeline is not None and now - self._noted >= 1.0:
                self.timeline.append((round(now - self._began, 1), [round(x) for x in sizes]))
                self._noted = now
            self.prefect_server_mb = max([self.prefect_server_mb, *(_rss_mb(pid) for pid in self._servers)])
            if total > self.peak_mb:
                self.peak_mb, self.peak_at = total, now - self._began
