"""The sensitivity screen against issue 12's target: `mot sweep experiments/sensitivity_screen.toml`
(full size, 1,664 runs of 2,000 consumers) within 150 s.

The whole screen takes 20-80 minutes on this shared 2-core machine, so by default the bench times a fixed
sample of the screen's own runs and projects the whole screen from it:

- the runs are the screen's plan, made as `mot sweep` makes it (`load_experiment`,
  `build_design`, `plan_runs`: the same settings, seeds and order);
- the sample is `workload.SAMPLE_RUNS` (64) runs spread evenly over that plan (run
  `i * (total - 1) // (n - 1)` for i = 0 ... n - 1: the first and the last run and every ~26th
  between, so it covers the Sobol design's base and mixed rows and every lever's range);
- they run as `mot sweep` runs them: chunked by `chunk_size` and executed by `run_chunk` on the
  forkserver `local_executor` with `workload.SCREEN_WORKERS` (2) processes; the workers are
  started and warmed (engine imported, compiled kernels loaded) before the clock starts, and
  that start-up is timed separately;
- projected seconds = start-up + sample seconds x total runs / sample runs. Writing the tables,
  Sobol indices and charts after the runs is not in the projection (the full run measures it).

`--full-screen` runs the whole screen for real with `run_experiment` (what `mot sweep` calls)
into a hidden temporary folder inside the bench's output folder, deleted afterwards (also when
interrupted: the executor terminates its workers and the folder is removed on the way out).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCREEN = Path("experiments/sensitivity_screen.toml")
"""The screen, relative to the working directory (the repository root)."""
WARM_PAUSE_S = 0.5
"""How long each warm-up task holds its worker, so every worker gets one (assumption: the
pool hands a free worker the next task within this time)."""


def default_screen_path() -> str | None:
    """`experiments/sensitivity_screen.toml` if it exists here, else None (not measured)."""
    return str(SCREEN) if SCREEN.is_file() else None


def sample_indices(total: int, n: int) -> list[int]:
    """`n` run indices spread evenly over `0 ... total - 1`, first and last included.

    `i * (total - 1) // (n - 1)` in integers: strictly increasing when `n <= total`, so every
    index is distinct; all runs when `n >= total`.
    """
    if total < 1 or n < 1:
        return []
    if n >= total:
        return list(range(total))
    if n == 1:
        return [0]
    return [i * (total - 1) // (n - 1) for i in range(n)]


def project(sample_s: float, sample_runs: int, total_runs: int, startup_s: float = 0.0) -> float:
    """Seconds for all `total_runs`, from `sample_runs` of them taking `sample_s` (on the same
    workers), plus the workers' start-up."""
    if sample_runs < 1:
        raise ValueError("the sample needs at least one run")
    return startup_s + sample_s * total_runs / sample_runs


def warm_worker(_: int) -> int:
    """A pool task: load the compiled kernels (as a worker's first run would) and hold the worker
    for `WARM_PAUSE_S`, so each of the pool's workers gets one such task."""
    from sim.journey import kernels as journey_kernels

    journey_kernels.warm_up()
    time.sleep(WARM_PAUSE_S)
    return os.getpid()


def plan_screen(path: str) -> tuple[Any, list[Any]]:
    """The screen's experiment and its full run plan, exactly as `mot sweep` plans them."""
    from sim.sweep.design import build_design
    from sim.sweep.experiment import load_experiment
    from sim.sweep.parts import plan_runs

    loaded = load_experiment(path)
    experiment = loaded.experiment
    design = build_design(experiment)
    return loaded, plan_runs(loaded.scenario, design, experiment.replications, experiment.seed)


def not_measured(path: str | None, why: str) -> dict[str, Any]:
    """The record of a screen figure that was not measured, and why."""
    return {"path": path, "measured": False, "why": why}


def measure_screen_sample(
    path: str, sample_runs: int, workers: int, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Time `sample_runs` of the screen's runs on `workers` warmed processes; project the whole."""
    import pandas as pd

    from sim.bench.probes import BenchError
    from sim.sweep.driver import chunk_size, chunks
    from sim.sweep.executors import local_executor
    from sim.sweep.parts import run_chunk

    loaded, specs = plan_screen(path)
    indices = sample_indices(len(specs), sample_runs)
    sample = [specs[i] for i in indices]
    size = chunk_size(len(sample), workers)
    scenario = loaded.scenario
    progress(
        f"  {len(sample)} of {len(specs):,} runs ({scenario.population.n_consumers:,} consumers x "
        f"{scenario.warmup_days} + {scenario.days} days each), {workers} workers, chunks of {size}"
    )
    load_start = os.getloadavg()[0]
    launched = time.perf_counter()
    with local_executor(workers) as pool:
        warmed = set(pool.map(warm_worker, range(workers)))
        startup_s = time.perf_counter() - launched
        start = time.perf_counter()
        futures = [pool.submit(run_chunk, c) for c in chunks(sample, size)]
        parts = pd.concat([f.result() for f in futures], ignore_index=True)
        wall_s = time.perf_counter() - start
    ok = parts[parts["status"] == "ok"]
    if ok["key"].nunique() != len(sample):
        errors = parts.loc[parts["status"] != "ok", "error"].tolist()
        raise BenchError(f"{len(sample) - ok['key'].nunique()} screen runs failed: {errors[:1]}")
    run_seconds = ok.groupby("key")["seconds"].first()
    projected = project(wall_s, len(sample), len(specs), startup_s)
    progress(
        f"  {wall_s:.1f} s for {len(sample)} runs ({len(sample) / wall_s:.2f} runs/s); "
        f"projected whole screen {projected:.0f} s"
    )
    return {
        "path": path,
        "measured": True,
        "experiment": loaded.experiment.name,
        "total_runs": len(specs),
        "sample_runs": len(sample),
        "sample_indices": indices,
        "workers": workers,
        "workers_warmed": len(warmed),
        "chunk_size": size,
        "n_consumers": scenario.population.n_consumers,
        "warmup_days": scenario.warmup_days,
        "days": scenario.days,
        "startup_s": startup_s,
        "wall_s": wall_s,
        "runs_per_s": len(sample) / wall_s,
        "run_seconds_mean": float(run_seconds.mean()),
        "run_seconds_max": float(run_seconds.max()),
        "projected_s": projected,
        "load_average_1min": [load_start, os.getloadavg()[0]],
    }


def measure_full_screen(
    path: str, workers: int, out: Path, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run the whole screen as `mot sweep PATH --workers N` does, timed from start to the last
    chart, into a temporary folder inside `out` that is deleted afterwards."""
    from rich.console import Console

    from sim.sweep.executors import ExecutorChoice
    from sim.sweep.experiment import load_experiment
    from sim.sweep.orchestrate import run_experiment

    loaded = load_experiment(path)
    out.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    console = Console(stderr=True, soft_wrap=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".screen-") as scratch:
        folder = Path(scratch) / loaded.experiment.name
        start = time.perf_counter()
        cpu_start = os.times()
        outcome = run_experiment(loaded, folder, ExecutorChoice(workers=workers), None, console)
        wall_s = time.perf_counter() - start
        cpu_end = os.times()
    report = outcome.report
    if report.failures:  # a failed run is quick: the time would flatter the screen
        point, replication, error = report.failures[0]
        why = f"{len(report.failures)} of {report.runs:,} runs failed, e.g. point {point}: {error}"
        progress(f"  {why}")
        return not_measured(path, why)
    progress(
        f"  {report.runs:,} runs in {report.wall_s:.0f} s ({report.rate:.2f} runs/s); "
        f"{wall_s:.0f} s with tables and charts; {len(report.failures)} failed"
    )
    return {
        "path": path,
        "measured": True,
        "experiment": loaded.experiment.name,
        "runs": report.runs,
        "executed": report.executed,
        "failures": len(report.failures),
        "workers": workers,
        "wall_s": wall_s,
        "runs_wall_s": report.wall_s,
        "after_runs_s": wall_s - report.wall_s,
        "parent_cpu_s": (cpu_end.user + cpu_end.system) - (cpu_start.user + cpu_start.system),
        "load_average_1min": [load_start, os.getloadavg()[0]],
    }


def screen_figures(sample: dict[str, Any] | None, full: dict[str, Any] | None) -> list:
    """The screen's figures: the projection from the sample and, with `--full-screen`, the whole
    screen timed for real; each against issue 12's 150 s."""
    from sim.bench import targets as T
    from sim.bench.targets import Figure

    sample = sample or not_measured(None, "not run")
    full = full or not_measured(None, "run with --full-screen")
    name = f"`mot sweep {sample.get('path') or full.get('path') or SCREEN}`"
    projected = f"{name} (full size), projected from a sample of its runs"
    whole = f"{name} (full size), whole screen run in this bench"
    if sample["measured"]:
        total, n = sample["total_runs"], sample["sample_runs"]
        projected = (
            f"{name} ({total:,} runs), projected from {n} of {total:,} runs measured in this "
            f"bench ({sample['workers']} workers)"
        )
    if full["measured"]:
        whole = f"{name} ({full['runs']:,} runs), whole screen run in this bench"

    def get(record: dict[str, Any], field: str) -> float:
        return float(record[field]) if record["measured"] else math.nan

    def missing(record: dict[str, Any]) -> str:
        return "not measured" if record["measured"] else f"not measured ({record['why']})"

    runs_only = "runs only: the tables, Sobol indices and charts after them are not projected"
    end_to_end = "wall time from start to the last chart, as `mot sweep` runs it"
    return [
        Figure("screen.projected_s", projected, get(sample, "projected_s"), "s", T.SCREEN_S, runs_only if sample["measured"] else "", missing(sample)),
        Figure("screen.full_s", whole, get(full, "wall_s"), "s", T.SCREEN_S, end_to_end if full["measured"] else "", missing(full)),
        Figure("screen.sample_runs_per_s", "screen sample: runs per second", get(sample, "runs_per_s"), "runs/s", missing=missing(sample)),
        Figure("screen.startup_s", "screen sample: start and warm the workers", get(sample, "startup_s"), "s", missing=missing(sample)),
    ]  # fmt: skip
