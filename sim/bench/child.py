"""Measurements taken in a fresh Python process, one per case, reported as one JSON line.

A fresh process per case makes peak memory (the high-water mark of resident memory, `VmHWM`,
see `peak_rss_kib`) belong to that case alone. The child records the mark after its imports
and before building, so the parent can report both the raw peak and the net cost of the model.

Usage (by `sim.bench.probes`, not by people)::

    python -m sim.bench.child size '{"n_consumers": 10000, "days": 365, ...}'
    python -m sim.bench.child startup scenarios/baseline.toml
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any

STARTED = time.monotonic()
"""When this module began (after Python and the `sim` package were imported by `-m`)."""


def peak_rss_kib() -> int:
    """This process's peak resident memory so far, in KiB.

    Linux's `VmHWM` (/proc/self/status, proc(5)) is the high-water mark of this program's
    memory since exec. `ru_maxrss` is not used where /proc exists: exec carries the parent's
    high-water mark over into it (a 500 MB parent gives a fresh child ru_maxrss of 500 MB), so
    it would charge the bench parent's memory to the size being measured.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def current_rss_kib() -> int | None:
    """Resident memory now, in KiB, from /proc (Linux); None where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return None
    return pages * resource.getpagesize() // 1024


def measure_size(case: dict[str, Any]) -> dict[str, Any]:
    """Build and run one workload; time build, each day and the end-of-run summary."""
    from sim.bench.workload import Workload
    from sim.model import JourneyModel

    workload = Workload(**case)
    scenario = workload.scenario()
    rss_before_kib = peak_rss_kib()
    t0 = time.perf_counter()
    model = JourneyModel(scenario, with_agents=workload.with_agents)
    t1 = time.perf_counter()
    peak_after_build_kib = peak_rss_kib()
    cpu_start, load_start = time.process_time(), os.getloadavg()[0]
    elapsed, cpu_elapsed = [], []
    for _ in range(workload.days):
        model.step()
        elapsed.append(time.perf_counter() - t1)
        cpu_elapsed.append(time.process_time() - cpu_start)
    t2 = time.perf_counter()
    cpu_s = time.process_time() - cpu_start
    model.kpis()
    model.cohorts()
    t3 = time.perf_counter()
    return {
        **case,
        "n_people": int(model.market.people.n),
        "n_agents": len(model.agents),
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "summary_s": t3 - t2,
        "run_cpu_s": cpu_s,
        "load_average_1min": [load_start, os.getloadavg()[0]],
        "elapsed_by_day_s": elapsed,
        "cpu_by_day_s": cpu_elapsed,
        "rss_before_kib": rss_before_kib,
        "peak_after_build_kib": peak_after_build_kib,
        "peak_rss_kib": peak_rss_kib(),
        "rss_end_kib": current_rss_kib(),
    }


def measure_startup(path: str | None) -> dict[str, Any]:
    """Time what `mot run PATH` does before its first simulated day ends.

    The steps mirror the command: import the CLI and build its parser for `run` (as `mot run`
    does: only the chosen command's module is imported), load and validate the scenario, build
    the model as `run_once` does (no Mesa agent objects) and simulate day 1.
    """
    from sim.cli import build_parser

    build_parser(("run",))
    t_import = time.monotonic()
    from sim.bench.workload import base_scenario
    from sim.model import JourneyModel

    scenario = base_scenario(path)
    t_load = time.monotonic()
    model = JourneyModel(scenario, with_agents=False)
    t_build = time.monotonic()
    model.step()
    t_day = time.monotonic()
    return {
        "scenario_path": path,
        "n_consumers": scenario.population.n_consumers,
        "child_started": STARTED,
        "imported": t_import,
        "loaded": t_load,
        "built": t_build,
        "first_day": t_day,
    }


def main(argv: list[str]) -> int:
    """Run the measurement named by argv[0] and print its JSON on one line."""
    mode, arg = argv[0], argv[1]
    if mode == "size":
        result = measure_size(json.loads(arg))
    elif mode == "startup":
        result = measure_startup(arg or None)
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
