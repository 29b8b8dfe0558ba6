"""``python -m bench [--scale 0.1] [--only floor,ccpm_2000] [--prefect] [--profile DIR] [--out DIR]`` (``make bench``).

Prints one row per figure (workload size, wall time, rows/s, peak MB of the workload's own process; the
sandbox server runs in a separate process and is not counted) and writes bench/results.json (and each
night's memory timeline to bench/memory/; ``--out DIR`` writes both under DIR instead). The machine's
speed during the run (``bench.machine``) is printed above the table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import machine, report, suite

FIGURES = ("floor", "full_load_sqlite", "naive_alternative", "full_load_postgres", "incremental_night",
           "full_load_100k", "ccpm_2000")


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's sizes (1.0 = 1M rows)")
    parser.add_argument("--only", default="", help=f"comma-separated figures among {', '.join(FIGURES)}")
    parser.add_argument("--prefect", action="store_true",
                        help="run the full loads as the real Prefect flow too (the incremental night always is)")
    parser.add_argument("--plain-incremental", action="store_true",
                        help="run the incremental night as plain calls, without Prefect")
    parser.add_argument("--postgres-url", default=None, help="server for the PostgreSQL figure "
                        "(default: CLUSTERMON_TEST_POSTGRES_URL or the local test server)")
    parser.add_argument("--profile", default=None, help="directory for cProfile dumps of the pipeline runs")
    parser.add_argument("--out", type=Path, default=report.RESULTS.parent,
                        help="directory for results.json and memory/ (default: bench/)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(FIGURES)
    if unknown:
        raise SystemExit(f"unknown figure(s) {sorted(unknown)}; choose among {', '.join(FIGURES)}")
    opts = {"prefect": args.prefect, "prefect_incremental": not args.plain_incremental,
            "postgres_url": args.postgres_url, "profile": args.profile, "memory_dir": args.out / "memory"}
    speed = machine.seconds()  # before the clock starts: total_seconds is the figures' time alone
    began = time.perf_counter()
    results = suite.run(suite.Sizes(args.scale), only, opts, log=lambda text: print(text, flush=True))
    results["_run"] = {"scale": args.scale, "total_seconds": round(time.perf_counter() - began, 1)}
    results["_machine"] = {"start_s": speed, "end_s": machine.seconds()}
    print()
    print(machine.line(results["_machine"]))
    print(report.table(results))
    for line in report.phase_lines(results) + report.memory_lines(results) + report.ratios(results):
        print(line)
    print("peak MB is what each workload's processes held at once (sampled every 20 ms, never below one process's own "
          "peak); the sandbox server runs in another process and Prefect's temporary server is shown apart.")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"written to {report.save(results, args.out / report.RESULTS.name)}")


if __name__ == "__main__":
    main()
