"""A whole sweep, from a loaded experiment to `results/<experiment>/`: design, runs, tables,
sensitivity indices, charts and manifest. Used by `mot sweep` and by the tests."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

from sim.reliability.durable import write_bytes_atomically
from sim.reports.store import (
    RESULTS_ROOT,
    safe_name,
    scenario_files,
    started_now,
    write_manifest,
    write_table,
)
from sim.sweep.design import build_design
from sim.sweep.driver import SweepReport, run_sweep
from sim.sweep.executors import ExecutorChoice, open_executor
from sim.sweep.experiment import LoadedExperiment
from sim.sweep.lock import folder_lock
from sim.sweep.parts import PartStore, plan_runs
from sim.sweep.results import SweepTables, build_tables
from sim.sweep.sensitivity import sensitivity_table
from sim.sweep.sweep_charts import save_charts


@dataclass
class SweepOutcome:
    """What `run_experiment` produced."""

    folder: Path
    report: SweepReport
    tables: SweepTables
    sensitivity: pd.DataFrame
    charts: list[Path]


def results_folder(
    loaded: LoadedExperiment, root: Path = RESULTS_ROOT, quick: bool = False
) -> Path:
    """`root/<experiment name>` (`-quick` appended for CI sizes, so they never mix)."""
    name = loaded.experiment.name + ("-quick" if quick else "")
    return Path(root) / safe_name(name, "name")


def run_experiment(
    loaded: LoadedExperiment,
    folder: Path,
    choice: ExecutorChoice,
    chunk: int | None = None,
    console: Console | None = None,
) -> SweepOutcome:
    """Run (or resume) the sweep into `folder` and write its tables, charts and manifest.

    The folder is locked for the whole sweep: a second sweep into it is refused (`FolderLocked`).
    """
    with folder_lock(folder, say=plain_printer(console)):
        return sweep_into(loaded, folder, choice, chunk, console)


def sweep_into(
    loaded: LoadedExperiment,
    folder: Path,
    choice: ExecutorChoice,
    chunk: int | None,
    console: Console | None,
) -> SweepOutcome:
    """`run_experiment` once the folder is locked."""
    started = started_now()
    experiment = loaded.experiment
    design = build_design(experiment)
    specs = plan_runs(loaded.scenario, design, experiment.replications, experiment.seed)
    store = PartStore(folder / "parts")
    report = run_sweep(specs, store, lambda: open_executor(choice), choice.workers, chunk, console)
    tables = build_tables(loaded, design, specs, store.read())
    sensitivity = sensitivity_table(loaded, design, tables.wide)
    write_table(design, folder, "design")
    write_table(tables.runs, folder, "runs")
    write_table(tables.summary, folder, "summary", parquet=False)
    write_table(tables.failures, folder, "failures", parquet=False)
    if not sensitivity.empty:
        write_table(sensitivity, folder, "sensitivity", parquet=False)
    sessions = previous_sessions(folder)
    if report.executed:
        sessions.append(session_record(report, choice, started))
    charts = save_charts(loaded, tables.wide, sensitivity, folder, facts(loaded, report, sessions))
    write_bytes_atomically(folder / "experiment.toml", loaded.path.read_bytes())
    extra = {
        "experiment": {"path": str(loaded.path), "name": experiment.name},
        "design": experiment.design,
        "points": len(design),
        "replications": experiment.replications,
        "runs": report.runs,
        "runs_skipped_already_done": report.skipped,
        "runs_executed": report.executed,
        "failures": len(tables.failures),
        "executor": choice.describe(),
        "runs_per_second": report.rate,
        "sessions": sessions,
        "parts": store.listing(),
    }
    seeds = sorted({spec.seed for spec in specs})
    base = [loaded.scenario_path] if loaded.scenario_path else []
    write_manifest(
        folder,
        scenario_files=scenario_files(base[0]) if base else [],
        seeds=seeds,
        argv=[Path(sys.argv[0]).name, *sys.argv[1:]],
        started=started,
        finished=started_now(),
        extra=extra,
    )
    return SweepOutcome(folder, report, tables, sensitivity, charts)


def plain_printer(console: Console | None) -> Callable[[str], None] | None:
    """Print one line as is on `console` (None: the lock's default, stderr)."""
    if console is None:
        return None
    return lambda line: console.print(line, markup=False, highlight=False)


def previous_sessions(folder: Path) -> list[dict]:
    """Sessions that executed runs, from an earlier manifest (an interrupted sweep has none)."""
    try:
        return list(json.loads((folder / "manifest.json").read_text())["sessions"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def session_record(report: SweepReport, choice: ExecutorChoice, started) -> dict:
    """One session's work, for the manifest: resumed sweeps list every session."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "runs_executed": report.executed,
        "failures": len(report.failures),
        "wall_s": round(report.wall_s, 3),
        "runs_per_second": report.rate,
        "executor": choice.describe(),
    }


def facts(loaded: LoadedExperiment, report: SweepReport, sessions: list[dict]) -> list[str]:
    """The summary page's header lines."""
    experiment, scenario = loaded.experiment, loaded.scenario
    swept = ", ".join(loaded.label(p) for p in experiment.parameters)
    return [
        f"design: {experiment.design}, {report.runs} runs "
        f"({report.runs // experiment.replications} points x {experiment.replications} replications)",
        f"parameters: {swept}",
        f"market: {scenario.population.n_consumers:,} people, {scenario.days} days, "
        f"base scenario {loaded.scenario_path or 'defaults'}",
        f"executed: {sum(x['runs_executed'] for x in sessions)} runs in "
        f"{sum(x['wall_s'] for x in sessions):.0f} s over {len(sessions)} session(s) on "
        f"{', '.join(sorted({x['executor'] for x in sessions})) or '-'}; "
        f"{len(report.failures)} failed in the last session",
        "bands and error bars: 95% confidence intervals",
    ]
