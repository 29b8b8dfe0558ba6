"""Run one workload in this (child) process and write its result as JSON to ``spec["result_file"]``.

``python -m bench.child <workload> '<json spec>'``. The parent (``bench.run``) starts one child per
workload so that each peak memory figure is that workload's alone (sampled by ``bench.probe``), with
the sandbox server in yet another process.
"""

from __future__ import annotations

import cProfile
import importlib
import json
import pstats
import resource
import sys

from bench.probe import MemorySampler, own_peak_mb, peak_mb

WORKLOADS = {
    "night": "bench.pipeline:night",
    "floor": "bench.floor:floor",
    "naive": "bench.naive:naive",
    "ccpm": "bench.ccpm:ccpm_2000",
}


def main(argv: list[str]) -> None:
    name, spec = argv[0], json.loads(argv[1])
    module, func = WORKLOADS[name].split(":")
    run = getattr(importlib.import_module(module), func)
    profile_to = spec.get("profile")
    with MemorySampler() as memory:
        if spec.get("memory_timeline"):
            memory.timeline = []
        if profile_to:
            profiler = cProfile.Profile()
            result = profiler.runcall(run, spec)
            profiler.dump_stats(profile_to)
            with open(profile_to + ".txt", "w") as out:
                pstats.Stats(profile_to, stream=out).sort_stats("cumulative").print_stats(60)
                pstats.Stats(profile_to, stream=out).sort_stats("tottime").print_stats(40)
        else:
            result = run(spec)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = {"workload": round(own.ru_utime + own.ru_stime, 1),
                             "its_children": round(children.ru_utime + children.ru_stime, 1)}
    result["peak_mb"] = round(max(memory.peak_mb, own_peak_mb()), 1)
    result["peak_mb_bound"] = peak_mb()
    result["peak_at_s"] = round(memory.peak_at, 1)
    result["prefect_server_mb"] = round(memory.prefect_server_mb, 1)
    if memory.timeline is not None:
        with open(spec["memory_timeline"], "w", encoding="utf-8") as out:
            json.dump(memory.timeline, out)
    with open(spec["result_file"], "w", encoding="utf-8") as out:
        json.dump(result, out, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
