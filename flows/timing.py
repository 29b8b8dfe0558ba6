"""Wall time per named step: where a night's time went (its summary's ``seconds``; the benchmarks)."""

from __future__ import annotations

import time
from contextlib import contextmanager


class Steps:
    """``with steps("pull"): ...`` adds the block's wall time to its step."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began

    def rounded(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in self.seconds.items()}
