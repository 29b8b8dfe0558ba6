"""Read the next page while the current one is processed: an iterator run ahead in a background thread.

A night's pull alternates between waiting for the server (socket I/O, no Python work) and landing the page
it got (all Python work). ``prefetched`` overlaps the two: a thread drives the page iterator up to
``depth`` pages ahead while the caller lands the current page, so the server's time to answer is hidden
behind our own work instead of added to it. Errors raised by the iterator reach the caller at the page
where they happened, and pages before it are still delivered (the caller commits them first). Closing the
generator early (a ``break``, an error in the caller) stops the thread after the request it is making.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

_DONE = object()


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetched(items: Iterable, depth: int = 2, name: str = "clustermon-prefetch") -> Iterator:
    """Yield what ``items`` yields, reading up to ``depth`` items ahead in a daemon thread."""
    if depth <= 0:
        yield from items
        return
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the caller, who decides
            put(_Raised(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
