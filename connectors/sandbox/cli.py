"""Run the sandbox in the foreground until Ctrl-C (``python -m connectors.sandbox``)."""

from __future__ import annotations

import argparse
import threading

from connectors.sandbox.server import DEFAULT_FORMS, Sandbox
from connectors.sandbox.state import asset_uid


def serve(port: int = 8765, submissions: int = 100, seed: int = 1, forms: list[str] | dict[str, int] | None = None,
          token: str = "sandbox-token", ready: threading.Event | None = None) -> None:
    """Serve ``forms`` (ids, each with ``submissions`` rows, or a dict id -> rows) on 127.0.0.1:``port``,
    blocking until interrupted. ``ready`` is set once the server listens."""
    if forms is None:
        forms = list(DEFAULT_FORMS)
    counts = forms if isinstance(forms, dict) else {form_id: submissions for form_id in forms}
    sandbox = Sandbox(port=port, token=token, seed=seed, forms=counts).start()
    print(f"sandbox listening on {sandbox.url} (KoBo token and ODK login are the sandbox defaults)")
    for form_id, n in counts.items():
        print(f"  {form_id}: {n} submissions  KoBo asset {asset_uid(form_id)}  ODK project 1 form {form_id}")
    stop = threading.Event()
    if ready is not None:
        ready.set()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m connectors.sandbox", description=serve.__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--submissions", type=int, default=100, help="submissions per form")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--form", action="append", dest="forms", help="form id (repeatable)")
    args = parser.parse_args(argv)
    serve(args.port, args.submissions, args.seed, args.forms)
