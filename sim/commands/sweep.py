"""`mot sweep`: run an experiment file (a parameter sweep), resumably, locally or on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from sim.errors import UsageError
from sim.reliability.disk_budget import check_out_folder, disk_errors
from sim.reports.store import RESULTS_ROOT
from sim.sweep.executors import ExecutorChoice
from sim.sweep.experiment import LoadedExperiment, load_experiment

HELP = "Run a parameter sweep or sensitivity screen from an experiment file (resumable)."
EXAMPLE = "mot sweep experiments/follow_up_email.toml --quick --workers 2"

BASE_BYTES = 5_000_000
"""Disk a sweep needs besides its runs: tables, charts, manifest (measured: 0.5 MB for the
quick follow-up sweep with 5 charts; tenfold for Sobol charts and margin)."""
BYTES_PER_RUN = 8_000
"""Disk per run: parts, runs.parquet and runs.csv (measured: 4 kB a run; doubled)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot sweep`."""
    parser.add_argument("experiment", type=Path, help="experiment file (TOML)")
    parser.add_argument(
        "--quick", action="store_true", help="use the file's [quick] sizes (CI, a first look)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="local processes, or LocalCluster workers (2)"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: 'local' for a LocalCluster, or a scheduler such as tcp://host:8786",
    )
    parser.add_argument(
        "--chunk", type=int, default=None, help="runs per task (default: automatic, <= 20)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS_ROOT, help="results root (default: results/)"
    )


@disk_errors("--out", "; finished runs are kept: free some space and run again to resume")
def run(args: argparse.Namespace) -> int:
    """Run or resume the sweep; exit 1 naming the failed runs if any run raised."""
    loaded = load_experiment(args.experiment, quick=args.quick)
    from sim.sweep.lock import folder_lock
    from sim.sweep.orchestrate import (  # heavy: after validation
        plain_printer,
        results_folder,
        run_experiment,
    )

    choice = ExecutorChoice(workers=args.workers, dask=args.dask)
    if args.chunk is not None and args.chunk < 1:
        raise UsageError(f"--chunk: must be >= 1, got {args.chunk}")
    folder = results_folder(loaded, args.out, args.quick)
    check_out_folder(folder, "--out", sweep_bytes(loaded))  # before any run, writing nothing
    console = Console(stderr=True, soft_wrap=True)
    with folder_lock(folder, say=plain_printer(console)):  # another sweep there: one line, exit 2
        console.print(f"sweep {loaded.experiment.name} -> {folder}  ({choice.describe()})")
        outcome = run_experiment(loaded, folder, choice, args.chunk, console)
    report, failures = outcome.report, outcome.tables.failures
    console.print(
        f"runs: {report.runs} ({report.skipped} already done, {report.executed} run now"
        f"{f', {report.rate:.2f} runs/s' if report.executed else ''}); "
        f"failures: {len(failures)}; wall time: {report.wall_s:.1f} s"
    )
    console.print(f"results: {folder}/runs.parquet, summary.png and {len(outcome.charts)} charts")
    if len(failures):
        shown = failures.head(5)
        for row in shown.itertuples():
            console.print(
                f"  failed: point {row.point}, replication {row.replication}: {row.error}"
            )
        more = len(failures) - len(shown)
        suffix = f" (and {more} more)" if more else ""
        console.print(
            f"mot sweep: {len(failures)} runs failed{suffix}; see {folder}/failures.csv. "
            "Run the same command again to retry them."
        )
        return 1
    return 0


def sweep_bytes(loaded: LoadedExperiment) -> int:
    """Disk the whole sweep will need (an estimate from measured sizes, see `BYTES_PER_RUN`)."""
    from sim.sweep.design import design_size

    experiment = loaded.experiment
    return BASE_BYTES + design_size(experiment) * experiment.replications * BYTES_PER_RUN
