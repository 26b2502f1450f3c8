"""Running the scenarios of a comparison: every replication on its shared seed, in chunks.

Jobs are (scenario, replication, seed); replication i of every scenario gets the same seed
(`sim.runner.replication_seeds`), which is what makes the comparison paired. Chunks of jobs go
to a `ProcessPoolExecutor` whose workers fork from a server that has already imported the
engine (the 'forkserver' context: fast, and safe next to the progress bar's thread) and that
end with `mot` however it ends (`sim.reliability.process_hygiene`); one worker runs in-process. Each job
returns only what the comparison needs, not daily tables.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.reliability.process_hygiene import run_in_chunks
from sim.reports.kpis import daily_profit
from sim.runner import run_once
from sim.scenario.settings import Scenario

CURVE_STEP_DAYS = 5
"""Ages of the retention curves compared: every 5 days (a daily curve adds rows, not detail)."""


def run_chunk(jobs: list[tuple[Scenario, int, int]]) -> list[dict]:
    """Run (scenario, replication, seed) jobs in a worker; return what the comparison needs."""
    return [run_job(scenario, replication, seed) for scenario, replication, seed in jobs]


def run_job(scenario: Scenario, replication: int, seed: int) -> dict:
    """One replication: its KPIs, cumulative acquisitions per day and Kaplan-Meier retention
    by age (every `CURVE_STEP_DAYS` days)."""
    result = run_once(scenario, seed, replication)
    curve = result.retention.iloc[::CURVE_STEP_DAYS].dropna(subset=["retention"])
    unit_cost = scenario.brands["focal"].unit_cost_usd
    return {
        "scenario": scenario.name,
        "replication": replication,
        "seed": seed,
        "kpis": result.kpis,
        "cumulative_new": np.cumsum(result.daily["new_customers"].to_numpy()),
        "wom_negative": result.daily["wom_negative"].to_numpy(),
        "profit_usd": daily_profit(result.daily, unit_cost).to_numpy(),
        "retention": dict(zip(curve["age_days"], curve["retention"], strict=True)),
    }


def simulate(
    scenarios: list[Scenario],
    seeds: list[int],
    workers: int,
    quiet: bool,
    prepare: Callable[[Scenario, int], Scenario] | None = None,
) -> list[dict]:
    """Every (scenario, replication) on its shared seed, in chunks over `workers` processes;
    `prepare(scenario, replication)` may change a replication's settings first (the same way
    for every scenario, so that pairs stay paired, e.g. a posterior draw per replication)."""
    prepare = prepare or (lambda scenario, _: scenario)
    jobs = [(prepare(s, i), i, seed) for i, seed in enumerate(seeds) for s in scenarios]
    return run_in_chunks(
        jobs,
        run_chunk,
        workers=workers,
        quiet=quiet,
        verb="comparing",
        preload=["sim.comparison.runs"],
    )


def tidy_runs(outputs: list[dict], order: list[str]) -> pd.DataFrame:
    """runs.parquet: one row per scenario (in `order`), replication and KPI."""
    rows = [
        (o["scenario"], o["replication"], o["seed"], kpi, value)
        for o in outputs
        for kpi, value in o["kpis"].items()
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "replication", "seed", "kpi", "value"])
    rank = frame["scenario"].map({name: i for i, name in enumerate(order)})
    frame = frame.assign(rank=rank).sort_values(["rank", "replication"], kind="stable")
    return frame.drop(columns="rank").reset_index(drop=True)


def tidy_curves(outputs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(daily curves, retention by age) per scenario and replication.

    Daily curves: cumulative new customers, negative word of mouth and profit after strategy
    costs per day.
    """
    daily = pd.concat(
        pd.DataFrame(
            {
                "scenario": o["scenario"],
                "replication": o["replication"],
                "day": np.arange(1, len(o["cumulative_new"]) + 1),
                "cumulative_new_customers": o["cumulative_new"],
                "wom_negative": o["wom_negative"],
                "profit_usd": o["profit_usd"],
            }
        )
        for o in outputs
    )
    retention = pd.DataFrame(
        [
            (o["scenario"], o["replication"], int(age), share)
            for o in outputs
            for age, share in o["retention"].items()
        ],
        columns=["scenario", "replication", "age_days", "retention"],
    )
    return daily.reset_index(drop=True), retention
