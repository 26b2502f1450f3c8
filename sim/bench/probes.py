"""The parent side of the benchmark: sizes and start-up in fresh processes, sweep throughput.

Each size runs in its own `python -m sim.bench.child` process on one core (the engine is
single-threaded numpy), so its peak memory is its own. Sweep throughput runs the same small
scenario through `mot sweep`'s executor with 1 and then 2 worker processes.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pandas as pd

from sim.bench.workload import Workload

KIB = 1024
"""Bytes per KiB: the memory marks (`VmHWM`, `VmRSS`, `ru_maxrss`) come in KiB."""


class BenchError(RuntimeError):
    """A measurement child failed; the message carries the last line of its error output."""


def run_child(mode: str, arg: str, timeout_s: float = 1800.0) -> tuple[dict[str, Any], float]:
    """Run `python -m sim.bench.child MODE ARG`; return its JSON and the launch time."""
    launched = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sim.bench.child", mode, arg],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no error output"]
        raise BenchError(f"bench child {mode} {arg} failed: {lines[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), launched


def measure_size(workload: Workload, timeout_s: float = 1800.0) -> dict[str, Any]:
    """Time and memory of one workload in a fresh process, with derived per-consumer figures."""
    result, _ = run_child("size", json.dumps(asdict(workload)), timeout_s)
    n = workload.n_consumers
    peak_b = result["peak_rss_kib"] * KIB
    before_b = result["rss_before_kib"] * KIB
    result.update(
        agent_days=workload.agent_days,
        agent_days_per_s=workload.agent_days / result["run_s"],
        raw_bytes_per_consumer=peak_b / n,
        net_bytes_per_consumer=(peak_b - before_b) / n,
        build_peak_net_bytes_per_consumer=(result["peak_after_build_kib"] * KIB - before_b) / n,
        end_net_bytes_per_consumer=None
        if result["rss_end_kib"] is None
        else (result["rss_end_kib"] * KIB - before_b) / n,
    )
    return result


def measure_sizes(
    workloads: list[Workload], progress: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    """Measure each workload in turn, reporting progress (the 1M cases take a while)."""
    results = []
    for workload in workloads:
        progress(f"  {workload.variant:>10} {workload.n_consumers:>10,} x {workload.days} days ...")
        results.append(measure_size(workload))
        r = results[-1]
        progress(
            f"  {'':>10} build {r['build_s']:.2f} s, run {r['run_s']:.2f} s, "
            f"peak {r['peak_rss_kib'] / KIB:,.0f} MiB"
        )
    return results


def measure_startup(scenario_path: str | None) -> dict[str, Any]:
    """Seconds from launching Python to the end of `mot run`'s first simulated day.

    Stamps come from the system-wide monotonic clock, so the parent's launch time and the
    child's stamps share one time line.
    """
    stamps, launched = run_child("startup", scenario_path or "")
    return {
        "scenario_path": scenario_path,
        "n_consumers": stamps["n_consumers"],
        "total_s": stamps["first_day"] - launched,
        "python_and_sim_import_s": stamps["child_started"] - launched,
        "cli_import_s": stamps["imported"] - stamps["child_started"],
        "load_scenario_s": stamps["loaded"] - stamps["imported"],
        "build_model_s": stamps["built"] - stamps["loaded"],
        "first_day_s": stamps["first_day"] - stamps["built"],
    }


def measure_end_to_end(scenario_path: str | None, timeout_s: float = 600.0) -> dict[str, Any]:
    """Wall and CPU seconds of a whole `mot run SCENARIO --quiet` in a fresh process: imports,
    warm-up, window, KPIs, tables and charts (issue 12: under 2 s for the baseline). Nothing
    is measured without a scenario file (`mot run` needs one)."""
    if scenario_path is None:
        return {"scenario_path": None, "wall_s": None, "cpu_s": None}
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "sim", "run", scenario_path, "--quiet", "--out", out],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        wall_s = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no error output"]
        raise BenchError(f"mot run {scenario_path} failed: {lines[-1]}")
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"scenario_path": scenario_path, "wall_s": wall_s, "cpu_s": cpu_s}


def sweep_rate(workload: Workload, n_runs: int, workers: int) -> dict[str, Any]:
    """Runs per second of `n_runs` replications through the sweep's own local executor.

    The runs are planned, chunked and executed as `mot sweep` does (`sim.sweep`): one design
    point, `n_runs` replications on their common-random-number seeds. Workers are started
    (forkserver, engine imported) before the clock starts, as they are once in a long sweep.
    """
    from sim.sweep.driver import chunk_size, chunks
    from sim.sweep.executors import local_executor
    from sim.sweep.parts import plan_runs, run_chunk

    specs = plan_runs(workload.scenario(), pd.DataFrame({"point": [0]}), n_runs, seed=42)
    with local_executor(workers) as pool:
        list(pool.map(run_chunk, [[] for _ in range(workers)]))
        start = time.perf_counter()
        futures = [pool.submit(run_chunk, c) for c in chunks(specs, chunk_size(n_runs, workers))]
        parts = pd.concat([f.result() for f in futures], ignore_index=True)
        wall_s = time.perf_counter() - start
    ok_runs = parts.loc[parts["status"] == "ok", "key"].nunique()
    if ok_runs != n_runs:
        errors = parts.loc[parts["status"] != "ok", "error"].tolist()
        raise BenchError(f"{n_runs - ok_runs} sweep runs failed: {errors[:1]}")
    return {"workers": workers, "runs": n_runs, "wall_s": wall_s, "runs_per_s": n_runs / wall_s}


def measure_sweep(workload: Workload, n_runs: int) -> dict[str, Any]:
    """Throughput with 1 and 2 workers and the scaling efficiency rate2 / (2 x rate1)."""
    one = sweep_rate(workload, n_runs, 1)
    two = sweep_rate(workload, n_runs, 2)
    return {
        "n_consumers": workload.n_consumers,
        "days": workload.days,
        "one_worker": one,
        "two_workers": two,
        "efficiency": two["runs_per_s"] / (2 * one["runs_per_s"]),
    }
