"""`mot compare A.toml B.toml ...`: which strategy wins, by how much, and how sure we are.

Every scenario runs the same replications on the same seeds (common random numbers), spread
over `--workers` processes in chunks. Each KPI's difference to the first scenario gets a
paired 95% CI, a p-value and Cohen's d_z (`sim.comparison.paired`); the table says in plain words which
differences are distinguishable from noise, and whether each strategy pays for itself
(incremental profit after strategy costs with its paired CI, ROI with its Fieller interval,
payback day with its bootstrap interval). Results go to ``results/compare-<names>/<run-id>/``
atomically: comparison.csv, costs.csv, definitions.json (who each number counts),
verdicts.txt, runs.parquet (tidy), the curves behind the charts, the scenario files,
manifest.json and the charts.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.commands import reproducing_argv
from sim.commands.run import whole_number, window_text
from sim.comparison.paired import (
    PROFIT_COLUMNS,
    compare_runs,
    cost_per_extra,
    day_interval,
    day_text,
    percent,
    profit_verdicts,
    profitability,
    verdicts,
)
from sim.comparison.posterior import draw_posterior, simulate_with_posterior
from sim.comparison.runs import simulate, tidy_curves, tidy_runs
from sim.errors import UsageError
from sim.reports import store
from sim.reports.kpi_table import KPI_LABELS, format_value, kind_of
from sim.reports.kpis import KPIS
from sim.runner import replication_seeds
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario

HELP = "Compare scenarios on the same seeds: paired 95% CIs, p-values and effect sizes per KPI."
EXAMPLE = (
    "mot compare scenarios/baseline.toml scenarios/follow_up_email.toml "
    "scenarios/review_solicitation.toml --replications 20 --workers 2"
)
DEFAULT_REPLICATIONS = 30
"""Replications per scenario unless `--replications` says otherwise (Law 2015: 30 is a
common starting point for t intervals; common random numbers make them tight)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot compare` (numbers are checked in `run`, so errors stay one line)."""
    parser.add_argument(
        "scenarios",
        metavar="SCENARIO",
        nargs="+",
        help="scenario files; the first is the reference",
    )
    parser.add_argument(
        "--replications",
        metavar="N",
        help=f"runs per scenario on shared seeds (default {DEFAULT_REPLICATIONS})",
    )
    parser.add_argument(
        "--workers", metavar="N", help="worker processes (default 2: this machine's cores)"
    )
    parser.add_argument(
        "--seed", metavar="N", help="base seed (default: the first scenario's `seed`)"
    )
    parser.add_argument(
        "--days", metavar="N", help="days to simulate, for every scenario (default: theirs)"
    )
    parser.add_argument("--out", metavar="DIR", help="results root (default: results)")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar or tables; print only the folder"
    )
    parser.add_argument(
        "--posterior",
        metavar="FILE",
        help="posterior.csv/.parquet of `mot calibrate series`: each replication draws one "
        "parameter set from it (the same for every scenario), so CIs include parameter uncertainty",
    )


def run(args: argparse.Namespace) -> int:
    """Load and check the scenarios, run them paired, compare, store, print."""
    if len(args.scenarios) < 2:
        raise UsageError("give at least two scenario files: the reference first, then the others")
    paths = [Path(p) for p in args.scenarios]
    scenarios = load_all(paths, args)
    replications = (
        whole_number(args.replications, "--replications", 2)
        if args.replications
        else DEFAULT_REPLICATIONS
    )
    workers = whole_number(args.workers, "--workers", 1) if args.workers else 2
    seed = whole_number(args.seed, "--seed", 0) if args.seed else scenarios[0].seed
    seeds = replication_seeds(seed, replications)
    folder = store.run_folder(
        Path(args.out) if args.out else store.RESULTS_ROOT, folder_name(scenarios)
    )
    started = store.started_now()
    with store.atomic_folder(folder) as temp:
        outputs = simulate_runs(args, scenarios, seeds, workers)
        comparison, costs = write_results(temp, scenarios, outputs)
        copy_scenarios(temp, paths)
        store.write_manifest(
            temp,
            scenario_files=[],
            seeds=seeds,
            argv=command_line(args),
            started=started,
            finished=store.started_now(),
            extra={
                "scenarios": [s.name for s in scenarios],
                "reference": scenarios[0].name,
                "replications": replications,
                "workers": workers,
                "run_id": folder.name,
                "posterior": args.posterior,
            },
        )
    if args.quiet:
        print(folder)
        return 0
    report(comparison, costs, scenarios, replications)
    print(f"\nResults: {folder}")
    return 0


def simulate_runs(
    args: argparse.Namespace, scenarios: list[Scenario], seeds: list[int], workers: int
) -> list[dict]:
    """The paired runs; with `--posterior`, replication i of every scenario on draw i."""
    if args.posterior is None:
        return simulate(scenarios, seeds, workers, quiet=args.quiet)
    draws = draw_posterior(Path(args.posterior), scenarios, len(seeds), seeds[0])
    return simulate_with_posterior(scenarios, seeds, draws, workers, args.quiet)


def command_line(args: argparse.Namespace) -> list[str]:
    """The `mot compare` command that reproduces this comparison, for the manifest."""
    return reproducing_argv(
        "compare",
        list(args.scenarios),
        args,
        ("replications", "workers", "seed", "days", "out", "posterior"),
    )


def load_all(paths: list[Path], args: argparse.Namespace) -> list[Scenario]:
    """Every scenario, with `--days` applied, refusing ones that cannot be compared."""
    scenarios = []
    for path in paths:
        scenario = load_scenario(path)
        if args.days:
            days = whole_number(args.days, "--days", 1)
            scenario = with_overrides(scenario, {"days": days}, "command line")
        scenarios.append(scenario)
    check_comparable(paths, scenarios)
    return scenarios


def check_comparable(paths: list[Path], scenarios: list[Scenario]) -> None:
    """Same market (size, B2C/B2B) and days for all, and distinct names; else a one-line error.

    Common random numbers pair runs person by person; a different number of people, of days or
    a different kind of buying unit breaks the pairing, and the difference would mean nothing.
    """
    first, first_path = scenarios[0], paths[0]
    for path, scenario in zip(paths[1:], scenarios[1:], strict=True):
        for key, mine, theirs in (
            (
                "population.n_consumers",
                scenario.population.n_consumers,
                first.population.n_consumers,
            ),
            ("population.market", scenario.population.market, first.population.market),
            ("days", scenario.days, first.days),
            ("warmup_days", scenario.warmup_days, first.warmup_days),
        ):
            if mine != theirs:
                raise UsageError(
                    f"{path}: {key}: is {mine!r} but {first_path} has {theirs!r}; "
                    "scenarios are comparable only on the same market and days"
                )
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UsageError(f"scenario name {twice[0]!r} is used twice; give each file its own `name`")


def folder_name(scenarios: list[Scenario]) -> str:
    """compare-<reference>-vs-<other>[-and-N-more]."""
    name = f"compare-{scenarios[0].name}-vs-{scenarios[1].name}"
    more = len(scenarios) - 2
    return store.safe_name(name + (f"-and-{more}-more" if more else ""), "compare name")


def write_results(folder: Path, scenarios: list[Scenario], outputs: list[dict]):
    """comparison.csv, costs.csv, definitions.json, runs.parquet, curves, verdicts and charts;
    return (comparison, costs)."""
    from sim.comparison import charts  # late: matplotlib is slow to import

    order = [s.name for s in scenarios]
    runs = tidy_runs(outputs, order)
    comparison = compare_runs(runs, order[0])
    curves, retention = tidy_curves(outputs)
    costs = cost_per_extra(comparison).merge(profitability(comparison, curves, runs), on="scenario")
    store.write_table(comparison, folder, "comparison", parquet=False)
    store.write_table(costs, folder, "costs", parquet=False)
    store.write_table(runs, folder, "runs", csv=False)
    store.write_table(curves, folder, "daily_curves", csv=False)
    store.write_table(retention, folder, "retention", parquet=False)
    store.write_json(folder / "definitions.json", definitions(comparison))
    lines = verdicts(comparison, KPI_LABELS) + profit_verdicts(costs, money)
    store.write_text(folder / "verdicts.txt", "\n".join(lines) + "\n")
    charts.write_charts(comparison, curves, retention, order, folder)
    return comparison, costs


def definitions(comparison: pd.DataFrame) -> dict[str, dict]:
    """Who and what each number counts: the KPIs of comparison.csv (`sim.reports.kpis.KPIS`) and the
    profit columns of costs.csv (`sim.comparison.paired.PROFIT_COLUMNS`), written once each."""
    kpis = {
        name: {"label": k.label, "unit": k.unit, "counted": k.counted, "definition": k.definition}
        for name in dict.fromkeys(comparison["kpi"])
        if (k := KPIS.get(name)) is not None
    }
    return {"comparison.csv kpi": kpis, "costs.csv": dict(PROFIT_COLUMNS)}


def copy_scenarios(folder: Path, paths: list[Path]) -> None:
    """Copy every scenario file and the files they extend into `scenarios/`."""
    seen: set[Path] = set()
    (folder / "scenarios").mkdir(exist_ok=True)
    for path in paths:
        for source in store.scenario_files(path):
            if source.resolve() in seen:
                continue
            seen.add(source.resolve())
            data = source.read_bytes()
            store.atomic_write(
                folder / "scenarios" / source.name, lambda t, d=data: t.write_bytes(d)
            )


def format_difference(kpi: str, value: float, unit: bool = True) -> str:
    """A signed difference in the KPI's unit (shares in percentage points)."""
    if math.isnan(value):
        return "n/a"
    kind = kind_of(kpi)
    if kind == "share":
        return f"{100 * value:+.1f}" + (" pts" if unit else "")
    if kind == "stars":
        return f"{value:+.3f}" + (" ★" if unit else "")
    if kind == "days":
        return f"{value:+,.0f}" + (" days" if unit else "")
    if kind == "ratio":
        return f"{value:+.2f}"
    if kind == "usd":
        digits = 2 if abs(value) < 100 else 0
        return f"{'+' if value >= 0 else '-'}${abs(value):,.{digits}f}"
    return f"{value:+,.0f}" if abs(value) >= 100 else f"{value:+,.1f}"


def difference_cell(kpi: str, r) -> str:
    """'+112 (+57 to +168)': the difference and its 95% CI."""
    if math.isnan(r.ci_low):
        return format_difference(kpi, r.difference)
    low, high = (format_difference(kpi, v, unit=False) for v in (r.ci_low, r.ci_high))
    return f"{format_difference(kpi, r.difference)} ({low} to {high})"


def report(comparison: pd.DataFrame, costs: pd.DataFrame, scenarios: list[Scenario], n: int):
    """Print one table per scenario, its cost per extra customer, and the plain-words verdicts."""
    console = Console()
    reference = scenarios[0]
    for name, part in comparison.groupby("scenario", sort=False):
        table = Table(
            title=f"{name} vs {reference.name}: {reference.population.n_consumers:,} people, "
            f"{window_text(reference)}, {n} paired replications (difference: 95% CI in brackets)",
            title_justify="left",
            title_style="bold",
        )
        table.add_column("KPI", no_wrap=True)
        for header in (reference.name, name, "difference (95% CI)", "p", "d_z", "verdict"):
            table.add_column(header, justify="right", no_wrap=header != "difference (95% CI)")
        for r in part.itertuples():
            table.add_row(
                KPI_LABELS.get(r.kpi, r.kpi),
                format_value(r.kpi, r.reference_mean),
                format_value(r.kpi, r.scenario_mean),
                difference_cell(r.kpi, r),
                "n/a" if math.isnan(r.p_value) else f"{r.p_value:.3f}",
                "n/a" if math.isnan(r.effect_size_dz) else f"{r.effect_size_dz:+.2f}",
                "[green]clear[/]" if r.distinguishable else "noise",
                style=None if r.distinguishable else "dim",
            )
        console.print(table)
        cost = costs[costs["scenario"] == name].iloc[0]
        console.print(cost_sentence(cost))
        console.print(profit_table(cost, n))
        console.print()
    console.print(
        "[bold]In plain words[/] (clear = the 95% CI of the paired difference excludes 0):"
    )
    for line in verdicts(comparison, KPI_LABELS) + profit_verdicts(costs, money):
        console.print(f"- {line}")


def money(value: float) -> str:
    """A signed amount of US dollars: +$1,234 or -$12.50."""
    return format_difference("profit_usd", value)


def cost_sentence(cost: pd.Series) -> str:
    """Extra cost per extra customer won, kept, and held at the end (or why there is none)."""
    extra = format_difference("strategy_cost_usd", cost["extra_cost_usd"])
    parts = [f"Extra strategy cost {extra}. Cost per"]
    for label, what in (
        ("acquired", "extra new customer"),
        ("retained", "customer not lost"),
        ("at_end", "extra customer at the end"),
    ):
        value = cost[f"cost_per_extra_{label}_usd"]
        shown = f"${value:,.2f}" if not math.isnan(value) else "n/a (no clear gain)"
        parts.append(f"{what}: {shown};")
    return " ".join(parts).rstrip(";") + "."


def profit_table(cost: pd.Series, n: int) -> Table:
    """Does the strategy pay for itself? Extra profit, ROI and payback day with their 95%
    intervals and how each interval is made (`sim.comparison.paired.profitability`)."""
    table = Table(
        title=f"Does {cost['scenario']} pay for itself? ({n} paired replications)",
        title_justify="left",
    )
    for header in ("measure", "estimate", "95% CI", "interval"):
        table.add_column(header, justify="left" if header == "measure" else "right")
    table.add_row(
        "Profit after strategy costs, extra",
        money(cost["extra_profit_usd"]),
        f"{money(cost['profit_ci_low'])} to {money(cost['profit_ci_high'])}",
        "paired t",
    )
    roi = cost["roi"]
    table.add_row(
        "ROI (extra profit ÷ extra strategy cost)",
        "n/a (no extra cost)" if math.isnan(roi) else percent(roi),
        "n/a" if math.isnan(cost["roi_ci_low"]) else roi_interval(cost),
        "Fieller (paired)",
    )
    table.add_row(
        "Payback day (cumulative extra profit >= 0 from then on)",
        day_text(cost["payback_days"]),
        day_interval(cost["payback_ci_low"], cost["payback_ci_high"]),
        "bootstrap over replications",
    )
    return table


def roi_interval(cost: pd.Series) -> str:
    """'+80% to +220%', or 'unbounded' when the extra cost is within the noise."""
    low, high = cost["roi_ci_low"], cost["roi_ci_high"]
    if math.isinf(low) or math.isinf(high):
        return "unbounded (extra cost within the noise)"
    return f"{percent(low)} to {percent(high)}"
