"""A night's second process does not run the parent's main module again (``flows.spawned``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MAIN = textwrap.dedent('''
    import multiprocessing
    import os
    import sys
    from pathlib import Path

    from flows import spawned

    if __name__ == "__mp_main__":  # this module run again in a child: what a worker's prefect.engine costs
        Path(os.environ["MARKS"], f"main-rerun-{os.getpid()}").touch()

    if __name__ == "__main__":
        context = multiprocessing.get_context("spawn")
        child = context.Process(target=os.getpid)
        spawned.start(child) if sys.argv[1] == "spawned" else child.start()
        child.join()
        assert child.exitcode == 0, child.exitcode
        assert sys.modules["__main__"].__spec__.name == "night_main"  # the parent's main is back
''')


def run_main(tmp_path: Path, how: str) -> list[str]:
    marks = tmp_path / f"marks-{how}"
    marks.mkdir()
    (tmp_path / "night_main.py").write_text(MAIN, encoding="utf-8")
    env = {**os.environ, "MARKS": str(marks), "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "night_main", how], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return sorted(p.name for p in marks.iterdir())


def test_a_child_started_by_spawned_does_not_run_the_parents_main_module_again(tmp_path):
    assert len(run_main(tmp_path, "plain")) == 1  # what multiprocessing does by itself
    assert run_main(tmp_path, "spawned") == []
