"""Run a scenario: one replication, or several on derived seeds (common random numbers).

Replication i of a scenario with seed s always uses the same derived seed, whatever the
scenario's strategies, so two scenarios run with the same base seed face the same markets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import JourneyModel
from sim.scenario.settings import Scenario


@dataclass
class RunResult:
    """What one replication produced."""

    scenario: str
    replication: int
    seed: int
    daily: pd.DataFrame
    cohorts: pd.DataFrame
    kpis: dict[str, float]
    funnel: pd.DataFrame | None = None
    """Buying units per moment over the window (`JourneyModel.funnel`)."""
    retention: pd.DataFrame | None = None
    """Kaplan-Meier retention by age (`JourneyModel.retention_curve`)."""

    def __repr__(self) -> str:
        return f"RunResult({self.scenario!r}, replication={self.replication}, seed={self.seed})"


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Independent seeds for replications 0..n-1, derived from the base seed."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def run_once(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    days: int | None = None,
    on_day: Callable[[int], None] | None = None,
) -> RunResult:
    """Build and run one model: its warm-up, then its window. `on_day(day)` is called after
    each day, warm-up days included (for progress bars)."""
    if days is not None and days != scenario.days:
        scenario = scenario.model_copy(update={"days": days})
    model = JourneyModel(scenario, seed=seed, with_agents=False, warm_up=False)
    model.warm_up(on_day)
    for day in range(1, scenario.days + 1):
        model.step()
        if on_day is not None:
            on_day(day)
    return RunResult(
        scenario=scenario.name,
        replication=replication,
        seed=seed,
        daily=model.daily(),
        cohorts=model.cohorts(),
        kpis=model.kpis(),
        funnel=model.funnel(),
        retention=model.retention_curve(),
    )


def run_replications(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    on_day: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """Run the scenario's replications one after another on derived seeds."""
    n = scenario.replications if replications is None else replications
    seeds = replication_seeds(scenario.seed if seed is None else seed, n)
    return [run_once(scenario, s, i, days, on_day) for i, s in enumerate(seeds)]
