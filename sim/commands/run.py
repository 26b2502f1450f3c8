"""`mot run`: one scenario file in, a results folder with tables, KPIs and charts out.

Runs the scenario's replications on derived seeds (common random numbers), prints a KPI table
(mean and 95% CI with replications) and writes ``results/<scenario-name>/<run-id>/``
atomically: the folder appears complete or not at all.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from sim.commands import reproducing_argv
from sim.errors import UsageError
from sim.reports import store
from sim.reports.kpi_table import print_kpis
from sim.reports.kpis import KPI_DEFINITIONS, KPIS
from sim.reports.stats import summarize_kpis
from sim.runner import RunResult, replication_seeds, run_once
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario

HELP = "Run a scenario file and write its results folder (tables, KPIs, charts)."
EXAMPLE = "mot run scenarios/baseline.toml --days 180 --replications 5 --seed 7 --out /tmp/results"
CONFIDENCE = 0.95


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot run` (numbers are checked in `run`, so errors stay one line)."""
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file (.toml)")
    parser.add_argument(
        "--days", metavar="N", help="days to simulate (default: the scenario's `days`)"
    )
    parser.add_argument(
        "--seed", metavar="N", help="base random seed, >= 0 (default: the scenario's `seed`)"
    )
    parser.add_argument(
        "--replications",
        metavar="N",
        help="runs on derived seeds, for 95%% confidence intervals (default: the scenario's)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="results root; the run goes to DIR/<scenario-name>/<run-id>/ (default: results)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no KPI table; print only the folder",
    )
    parser.add_argument(
        "--no-charts",
        action="store_true",
        help="write the tables and KPIs but no PNG charts (about 2 s less of a 10,000-person run)",
    )


def run(args: argparse.Namespace) -> int:
    """Load, run, summarise and store one scenario; print the results folder."""
    path = Path(args.scenario)
    scenario = apply_options(load_scenario(path), args)
    name = store.safe_name(scenario.name, f"{path}: name")
    folder = store.run_folder(Path(args.out) if args.out else store.RESULTS_ROOT, name)
    seeds = replication_seeds(scenario.seed, scenario.replications)
    started = store.started_now()
    with store.atomic_folder(folder) as temp:
        results = simulate(scenario, seeds, quiet=args.quiet)
        summary = write_results(temp, scenario, results, charts=not args.no_charts)
        store.write_manifest(
            temp,
            scenario_files=store.scenario_files(path),
            seeds=seeds,
            argv=command_line(args),
            started=started,
            finished=store.started_now(),
            extra={
                "scenario": scenario.name,
                "days": scenario.days,
                "warmup_days": scenario.warmup_days,
                "run_id": folder.name,
            },
        )
    if not args.quiet:
        title = (
            f"{scenario.name}: {scenario.population.n_consumers:,} people, {window_text(scenario)}, "
            f"{scenario.replications} replication{'s' if scenario.replications > 1 else ''}"
        )
        print_kpis(summary, title, scenario.replications)
        print(f"\nResults: {folder}")
    else:
        print(folder)
    return 0


def window_text(scenario: Scenario) -> str:
    """'365 days after a 180-day warm-up', or '365 days from launch (no warm-up)'."""
    if scenario.warmup_days:
        return f"{scenario.days} days after a {scenario.warmup_days}-day warm-up"
    return f"{scenario.days} days from launch (no warm-up)"


def command_line(args: argparse.Namespace) -> list[str]:
    """The `mot run` command that reproduces this run (options as given), for the manifest."""
    argv = reproducing_argv("run", [args.scenario], args, ("days", "seed", "replications", "out"))
    return argv + (["--no-charts"] if args.no_charts else [])


def apply_options(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario with `--days`, `--seed` and `--replications` applied and validated."""
    overrides = {
        key: whole_number(value, f"--{key}", minimum)
        for key, minimum in (("days", 1), ("seed", 0), ("replications", 1))
        if (value := getattr(args, key)) is not None
    }
    return with_overrides(scenario, overrides, "command line") if overrides else scenario


def whole_number(text: str, option: str, minimum: int) -> int:
    """`text` as an int >= `minimum`, or a one-line `UsageError` naming the option."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option}: must be a whole number, got {text!r}") from None
    if value < minimum:
        raise UsageError(f"{option}: must be >= {minimum}, got {value}")
    return value


def simulate(scenario: Scenario, seeds: Sequence[int], quiet: bool) -> list[RunResult]:
    """Run each replication, with a progress bar on a terminal unless `quiet`."""
    days = scenario.warmup_days + scenario.days
    with progress_bar(days * len(seeds), quiet) as advance:
        return [
            run_once(scenario, seed, replication=i, on_day=lambda _day: advance())
            for i, seed in enumerate(seeds)
        ]


@contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """Yield `advance()`; draws a rich bar on stderr only when it is a terminal."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda: None
        return
    columns = (
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("run", total=total)
        yield lambda: progress.advance(task)


def tidy_daily(results: Sequence[RunResult]) -> pd.DataFrame:
    """All replications' daily tables stacked: replication, day, measure columns."""
    return pd.concat(
        [r.daily.assign(replication=r.replication) for r in results], ignore_index=True
    ).pipe(lambda f: f[["replication", *[c for c in f.columns if c != "replication"]]])


def tidy_cohorts(results: Sequence[RunResult]) -> pd.DataFrame:
    """All replications' cohort tables stacked with a leading replication column."""
    frames = [r.cohorts.assign(replication=r.replication) for r in results]
    cohorts = pd.concat(frames, ignore_index=True)
    return cohorts[["replication", *[c for c in cohorts.columns if c != "replication"]]]


def stack(results: Sequence[RunResult], table: str) -> pd.DataFrame:
    """One table of every replication (`funnel`, `retention`) with a leading replication column."""
    frames = [
        getattr(r, table).assign(replication=r.replication)
        for r in results
        if getattr(r, table) is not None
    ]
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["replication", *[c for c in stacked.columns if c != "replication"]]]


def label_missing(summary: dict[str, dict]) -> dict[str, dict]:
    """The summary with each KPI that could not be computed labelled as its definition says
    ("not observable" for a retention age nobody reached; its mean stays null)."""
    for name, row in summary.items():
        definition = KPIS.get(name)
        if definition is not None and (row["mean"] is None or math.isnan(row["mean"])):
            row["label"] = definition.missing
    return summary


def kpi_definitions() -> dict[str, dict[str, str]]:
    """Each KPI's label, unit, who is counted and definition, for kpis.json (one source:
    `sim.reports.kpis.KPI_DEFINITIONS`)."""
    return {
        k.name: {"label": k.label, "unit": k.unit, "counted": k.counted, "definition": k.definition}
        for k in KPI_DEFINITIONS
    }


def write_results(
    folder: Path, scenario: Scenario, results: Sequence[RunResult], charts: bool = True
) -> dict:
    """Tables, KPIs, settings and (unless `charts` is False) charts into `folder`; return the
    KPI summary."""
    daily, cohorts = tidy_daily(results), tidy_cohorts(results)
    store.write_table(daily, folder, "daily")
    store.write_table(cohorts, folder, "cohorts", parquet=False)
    store.write_table(stack(results, "funnel"), folder, "funnel", parquet=False)
    retention = stack(results, "retention")
    store.write_table(retention, folder, "retention", parquet=False)
    summary = label_missing(summarize_kpis([r.kpis for r in results], CONFIDENCE))
    store.write_json(
        folder / "kpis.json",
        {
            "scenario": scenario.name,
            "window": {
                "warmup_days": scenario.warmup_days,
                "days": scenario.days,
                "note": f"KPIs cover the {window_text(scenario)}; warm-up days are not measured",
            },
            "confidence": CONFIDENCE,
            "summary": summary,
            "replications": [
                {"replication": r.replication, "seed": r.seed, **r.kpis} for r in results
            ],
            "definitions": kpi_definitions(),
        },
    )
    store.write_json(folder / "settings.json", scenario.model_dump(mode="json"))
    if charts:
        from sim.reports.charts import write_charts  # late: importing matplotlib costs ~0.5 s

        write_charts(daily, cohorts, folder, window=window_text(scenario), retention=retention)
    return summary


if __name__ == "__main__":  # pragma: no cover - `mot run` is the entry point
    from sim.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
