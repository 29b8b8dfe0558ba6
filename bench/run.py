"""Start the benchmark's processes: the sandbox server and one child per workload."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WorkloadError(RuntimeError):
    """A workload's child process failed; the message carries the end of its output."""


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@contextmanager
def sandbox_process(n: int, form: str = "fivew_monthly", seed: int = 8, stock: bool = False):
    """The sandbox serving ``n`` rows in its own process; yields its JSON hello (url, token, asset uid)."""
    cmd = [sys.executable, "-m", "bench.server", "--form", form, "--n", str(n), "--seed", str(seed)]
    proc = subprocess.Popen(cmd + (["--stock"] if stock else []), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    try:
        line = proc.stdout.readline()
        if not line:
            raise WorkloadError(f"the benchmark sandbox ({' '.join(cmd)}) exited before listening")
        yield json.loads(line)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def admin(hello: dict, form: str, action: str, body: dict) -> dict:
    """POST /__admin/forms/<form>/<action> to the sandbox process (add, edit ...)."""
    request = urllib.request.Request(f"{hello['url']}/__admin/forms/{form}/{action}", method="POST",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def workload(name: str, spec: dict, timeout: float = 2400) -> dict:
    """Run workload ``name`` in a child process; its result dict, with the child's peak memory.

    The child runs in its own process group, which is ended once the child exits: the ephemeral Prefect
    server a flow run starts is the child's own child and must not outlive it. Output goes to files, not
    pipes, so a lingering grandchild cannot keep the parent waiting.
    """
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        spec = {**spec, "result_file": str(Path(tmp) / "result.json")}
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "bench.child", name, json.dumps(spec)], cwd=ROOT,
                                    env=_env(), stdout=stdout, stderr=stderr, start_new_session=True)
            try:
                code = proc.wait(timeout=timeout)
            finally:
                _end_group(proc)
        result_file = Path(spec["result_file"])
        if code != 0 or not result_file.exists():
            tail = (err.read_text() or out.read_text())[-3000:]
            raise WorkloadError(f"workload {name} failed (exit {code}):\n{tail}")
        result = json.loads(result_file.read_text())
    result["process_seconds"] = round(time.perf_counter() - began, 2)
    return result


def _end_group(proc: subprocess.Popen) -> None:
    """End what is left of the child's process group (the group it leads; nothing else)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
