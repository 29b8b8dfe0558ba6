"""Start the benchmark's processes: the sandbox server and one child per workload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def workload(name: str, spec: dict, timeout: float = 900) -> dict:
    """Run workload ``name`` in a child process; its result dict, with the child's peak memory."""
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.child", name, json.dumps(spec)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise WorkloadError(f"workload {name} failed (exit {proc.returncode}):\n{tail}")
    result = json.loads(lines[-1])
    result["process_seconds"] = round(time.perf_counter() - began, 2)
    return result
