"""The benchmark's figures against their targets: printed for people, written as JSON.

Figures for the target cases (100k and 1M consumers x 365 days) are listed even when a run
did not measure them (`--quick`, or other `--sizes`), as "not measured", so nothing is
silently missing from the verdicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.bench import targets as T
from sim.bench.agent_path import agent_path_figures
from sim.bench.chart import consumer_slope, day_slope, fixed_and_marginal
from sim.bench.crn import crn_figures, crn_table
from sim.bench.large import ten_million_figures
from sim.bench.screen import screen_figures
from sim.bench.targets import Figure
from sim.reports.store import write_json

TARGET_DAYS = 365
"""The targets are stated for one simulated year."""


def size_figures(sizes: list[dict[str, Any]]) -> list[Figure]:
    """Build, run, throughput and memory of each (variant, size), with targets where stated.

    Target cases that were not measured get their targeted figures only, as "not measured".
    """
    figures = []
    measured = {(r["variant"], r["n_consumers"], r["days"]): r for r in sizes}
    variants = list(dict.fromkeys(r["variant"] for r in sizes))
    wanted = [(v, n, TARGET_DAYS) for v in variants for n in (100_000, 1_000_000)]
    for key in measured:
        figures += case_figures(key, measured[key])
    for key in wanted:
        if key not in measured:
            figures += [f for f in case_figures(key, None) if f.target is not None]
    return figures + issue_12_size_figures(measured.get(("baseline", 1_000_000, TARGET_DAYS)))


def issue_12_size_figures(r: dict[str, Any] | None) -> list[Figure]:
    """The 1M-consumer year against issue 12's tighter bounds (10 s, 1 KB per consumer)."""
    name, slug = "baseline 1,000,000 x 365 d", "issue12.baseline.1000000x365"
    run = None if r is None else float(r["run_s"])
    memory = None if r is None else float(r["raw_bytes_per_consumer"])
    return [
        Figure(f"{slug}.run_s", f"{name}: run (issue 12)", run, "s", T.RUN_1M_S_V2),
        Figure(
            f"{slug}.raw_bytes_per_consumer",
            f"{name}: peak memory per consumer (issue 12)",
            memory,
            "B",
            T.BYTES_PER_CONSUMER_1M_V2,
        ),
    ]


def peer_figures(peer: dict[str, Any] | None) -> list[Figure]:
    """Engine vs Mesa's `virus_on_network` in one process, and a 2,000-consumer year."""
    get = (lambda field: None) if peer is None else (lambda field: float(peer[field]))
    where = "same process, CPU time, best of 3"
    if peer is not None:
        where = f"{peer['agents']:,} x {peer['steps']}, {where}"
    return [
        Figure("peer.engine_agent_steps_per_s", f"engine agent-steps per second ({where})", get("engine_agent_steps_per_s"), "steps/s"),
        Figure("peer.mesa_agent_steps_per_s", f"Mesa virus_on_network agent-steps per second ({where})", get("mesa_agent_steps_per_s"), "steps/s"),
        Figure("peer.ratio", "engine / Mesa virus_on_network agent-steps per second", get("ratio"), "x", T.PEER_RATIO),
        Figure("small_run.cpu_s", "2,000 consumers x 365 days, CPU time (best of 3)", get("small_run_cpu_s"), "s", T.SMALL_RUN_S),
    ]  # fmt: skip


def case_figures(key: tuple[str, int, int], r: dict[str, Any] | None) -> list[Figure]:
    """The figures of one case; values are None when the case was not measured."""
    variant, n, days = key
    at_target = days == TARGET_DAYS and n in (100_000, 1_000_000)
    is_1m = at_target and n == 1_000_000
    name = f"{variant} {n:,} x {days} d"
    slug = f"{variant}.{n}x{days}"

    def get(field: str) -> float | None:
        return None if r is None else float(r[field])

    run_target = (T.RUN_1M_S if is_1m else T.RUN_100K_S) if at_target else None
    return [
        Figure(f"{slug}.build_s", f"{name}: model build", get("build_s"), "s"),
        Figure(f"{slug}.run_s", f"{name}: run", get("run_s"), "s", run_target),
        Figure(
            f"{slug}.run_cpu_s",
            f"{name}: run, CPU time of the process",
            get("run_cpu_s"),
            "s",
            note="what the run costs the CPU; wall time above also counts waiting for a shared core",
        ),
        Figure(
            f"{slug}.agent_days_per_s",
            f"{name}: agent-days per second",
            get("agent_days_per_s"),
            "agent-days/s",
            T.AGENT_DAYS_PER_S_1M if is_1m else None,
        ),
        Figure(
            f"{slug}.raw_bytes_per_consumer",
            f"{name}: peak memory per consumer (whole process)",
            get("raw_bytes_per_consumer"),
            "B",
            T.BYTES_PER_CONSUMER_1M if is_1m else None,
            note="1 KB = 1,000 B; peak RSS / consumers",
        ),
        Figure(
            f"{slug}.net_bytes_per_consumer",
            f"{name}: peak memory per consumer (model only)",
            get("net_bytes_per_consumer"),
            "B",
            note="peak RSS minus the interpreter and imports, / consumers",
        ),
    ]


def scaling_figures(sizes: list[dict[str, Any]]) -> list[Figure]:
    """Log-log slopes of run time against consumers (per variant) and days (largest run)."""
    figures = []
    for variant in dict.fromkeys(r["variant"] for r in sizes):
        for field, what in (("run_s", "run time"), ("run_cpu_s", "CPU time")):
            figures.append(
                Figure(
                    f"{variant}.slope_consumers{'_cpu' if field == 'run_cpu_s' else ''}",
                    f"{variant}: log-log slope of {what} vs consumers",
                    consumer_slope(sizes, variant, field),
                    target=T.LOG_LOG_SLOPE,
                )
            )
        fixed, marginal = fixed_and_marginal(sizes, variant)
        figures += [
            Figure(
                f"{variant}.fixed_ms_per_day",
                f"{variant}: fixed CPU cost per day, any size",
                fixed * 1e3,
                "ms",
                T.FIXED_MS_PER_DAY if variant == "baseline" else None,
                note="least squares: CPU s = fixed x days + marginal x agent-days",
            ),
            Figure(
                f"{variant}.marginal_ns_per_agent_day",
                f"{variant}: marginal CPU cost per agent-day",
                marginal * 1e9,
                "ns",
            ),
        ]
    largest = max((r for r in sizes if r["variant"] == "baseline"), key=lambda r: r["n_consumers"])
    for field, what, suffix in (("elapsed_by_day_s", "run", ""), ("cpu_by_day_s", "CPU", "_cpu")):
        figures.append(
            Figure(
                f"baseline.slope_days{suffix}",
                f"baseline: log-log slope of {what} time vs days ({largest['n_consumers']:,} consumers)",
                day_slope(largest, field),
                target=T.LOG_LOG_SLOPE,
                note="first 10% of days left out",
            )
        )
    return figures


def sweep_figures(sweep: dict[str, Any]) -> list[Figure]:
    """Runs per second with 1 and 2 workers and the scaling efficiency."""
    where = f"{sweep['n_consumers']:,} x {sweep['days']} d runs"
    return [
        Figure("sweep.rate_1", f"sweep, 1 worker ({where})", sweep["one_worker"]["runs_per_s"], "runs/s"),
        Figure("sweep.rate_2", f"sweep, 2 workers ({where})", sweep["two_workers"]["runs_per_s"], "runs/s"),
        Figure(
            "sweep.efficiency",
            "sweep scaling efficiency rate2 / (2 x rate1)",
            sweep["efficiency"],
            target=T.SWEEP_EFFICIENCY,
        ),
    ]  # fmt: skip


def startup_figures(startup: dict[str, Any]) -> list[Figure]:
    """Start-up of `mot run` and its parts."""
    parts = (
        "python_and_sim_import_s",
        "cli_import_s",
        "load_scenario_s",
        "build_model_s",
        "first_day_s",
    )
    where = startup["scenario_path"] or "Scenario() defaults"
    figures = [
        Figure(
            "startup.total_s",
            f"start-up of `mot run {where}` to the end of day 1",
            startup["total_s"],
            "s",
            T.STARTUP_S,
        )
    ]
    figures += [
        Figure(f"startup.{p}", f"start-up part: {p.removesuffix('_s').replace('_', ' ')}", startup[p], "s")
        for p in parts
    ]  # fmt: skip
    return figures


def end_to_end_figures(run: dict[str, Any] | None) -> list[Figure]:
    """A whole `mot run` of the scenario, wall time against its target and CPU time beside it."""
    run = run or {"scenario_path": None, "wall_s": None, "cpu_s": None}
    where = run["scenario_path"] or "(no scenario file)"
    return [
        Figure("end_to_end.wall_s", f"`mot run {where}` end to end", run["wall_s"], "s", T.RUN_END_TO_END_S),
        Figure("end_to_end.cpu_s", f"`mot run {where}` end to end, CPU time", run["cpu_s"], "s"),
    ]  # fmt: skip


def all_figures(results: dict[str, Any]) -> list[Figure]:
    """Every figure of a benchmark run, in the order they are printed."""
    return (
        size_figures(results["sizes"])
        + scaling_figures(results["sizes"])
        + sweep_figures(results["sweep"])
        + startup_figures(results["startup"])
        + end_to_end_figures(results.get("end_to_end"))
        + crn_figures(results.get("crn"))
        + peer_figures(results.get("peer"))
        + agent_path_figures(results.get("agent_path"))
        + screen_figures(results.get("screen"), results.get("full_screen"))
        + ten_million_figures(results.get("ten_million"))
    )


def print_report(results: dict[str, Any], figures: list[Figure]) -> None:
    """The size table, every targeted figure with its verdict, the other figures, cost tables."""
    print(
        "\nSizes (one fresh process each; bytes per consumer: raw = peak RSS, net = peak minus"
        " imports,\n  build_net = net peak by the end of the build, end_net = net RSS after the run):"
    )
    print(format_table(size_table(results["sizes"])))
    print("\nTargets (issues 8 and 12):")
    for figure in (f for f in figures if f.target is not None):
        print(f"  {figure.line()}")
    print("\nOther figures:")
    for figure in (f for f in figures if f.target is None and not f.key.count(".") > 1):
        print(f"  {figure.line()}")
    costs = results["costs"]
    print(
        f"\nCost per rule over a {costs['variant']} run of {costs['n_consumers']:,} consumers x "
        f"{costs['days']} days (under cProfile, {costs['profiled_run_s']:.2f} s):"
    )
    print(format_table(pd.DataFrame(costs["rules"])))
    print("\nHot spots (self time anywhere in the run):")
    print(format_table(pd.DataFrame(costs["hot_spots"])))
    crn = results.get("crn")
    if crn is not None:
        print(
            f"\nCRN efficiency, {crn['treatment']} vs {crn['reference']} ({crn['replications']}"
            f" replications x {crn['days']} d x {crn['n_consumers']:,} consumers, "
            f"{crn['wall_s']:.0f} s; ratio = (Var A + Var B) / Var(B - A)):"
        )
        print(format_table(crn_table(crn)))
    passed = sum(f.verdict == "PASS" for f in figures)
    missed = [f.label for f in figures if f.verdict == "MISS"]
    print(f"\n{passed} targets met, {len(missed)} missed" + (":" if missed else "."))
    for label in missed:
        print(f"  MISS {label}")


def size_table(sizes: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per measured (variant, size): every per-size figure, rounded for reading."""
    table = pd.DataFrame(sizes)
    table = table[
        ["variant", "n_consumers", "days", "build_s", "run_s", "run_cpu_s", "agent_days_per_s"]
        + ["raw_bytes_per_consumer", "net_bytes_per_consumer"]
        + ["build_peak_net_bytes_per_consumer", "end_net_bytes_per_consumer", "peak_rss_kib"]
    ].copy()
    table["peak_MiB"] = table.pop("peak_rss_kib") / 1024
    table["agent_days_per_s"] = table["agent_days_per_s"].map("{:,.3g}".format)
    names = {
        "raw_bytes_per_consumer": "raw_B",
        "net_bytes_per_consumer": "net_B",
        "build_peak_net_bytes_per_consumer": "build_net_B",
        "end_net_bytes_per_consumer": "end_net_B",
    }
    table = table.rename(columns=names)
    return table.round(
        {"build_s": 3, "run_s": 3, "run_cpu_s": 3, "peak_MiB": 0} | dict.fromkeys(names.values(), 0)
    )


def format_table(table: pd.DataFrame) -> str:
    """A table with shares as percentages and seconds to 3 decimals, indented."""
    shown = table.copy()
    for column in shown.columns:
        if column == "share":
            shown[column] = shown[column].map("{:.1%}".format)
        elif "seconds" in column:
            shown[column] = shown[column].map("{:.3f}".format)
    return "\n".join(f"  {line}" for line in shown.to_string(index=False).splitlines())


def write_results(results: dict[str, Any], figures: list[Figure], out: Path) -> Path:
    """`bench.json`: every figure with its verdict, plus the raw measurements."""
    return write_json(out / "bench.json", {"figures": [f.to_dict() for f in figures], **results})
