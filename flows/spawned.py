"""Start a night's second process (``spawn``) without running the parent's main module again in it.

The ``spawn`` start method runs the parent's ``__main__`` module once more in every child, as
``__mp_main__``, so that functions defined there can be found. A night's children run functions of
``flows`` modules only, and under a Prefect process worker the main module is ``prefect.engine``: every
child then spent ~0.9 s more starting (1.3 against 0.4 s, measured), and the reconcile read's child is
the critical path of a normal night. ``start`` launches the child while ``sys.modules["__main__"]`` is
an empty module: the launch reads the main module's name or path once, synchronously, to tell the child
what to import, and finds nothing to import. The child's target and arguments must not live in
``__main__`` (they are pickled by reference during the launch).
"""

from __future__ import annotations

import sys
import types
from multiprocessing.process import BaseProcess


def start(process: BaseProcess) -> None:
    """``process.start()``, the parent's main module kept out of the child (see module doc)."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        if main is None:
            del sys.modules["__main__"]
        else:
            sys.modules["__main__"] = main
