"""What the benchmark runs: the baseline scenario at a size, with or without every strategy.

The workload is the full baseline behaviour (`scenarios/baseline.toml` when it exists, else the
`Scenario()` defaults); only the number of consumers and days change between sizes, so the
figures measure the model people actually run, not a reduced one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.config import load_scenario, validate_scenario, with_overrides
from sim.scenario.settings import Scenario
from sim.strategies import REGISTRY

BASELINE = Path("scenarios/baseline.toml")
"""The lead's baseline scenario, relative to the working directory (the repository root)."""

VARIANTS: tuple[str, ...] = ("baseline", "strategies", "agents")
"""baseline: as `mot run` runs it (no Mesa agent objects); strategies: every registered
strategy switched on for the focal brand; agents: baseline plus one Mesa agent per person."""


@dataclass(frozen=True)
class Workload:
    """One benchmark case: a scenario file (or defaults), a size, a length and a variant."""

    n_consumers: int
    days: int
    variant: str = "baseline"
    scenario_path: str | None = None
    base_json: str | None = None
    """The base scenario as loaded once at the start (JSON): every case of a benchmark runs
    the same settings even if the file changes on disk while it runs."""

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.n_consumers < 1 or self.days < 1:
            raise ValueError("n_consumers and days must be >= 1")

    @property
    def with_agents(self) -> bool:
        """Whether the model creates a Mesa agent per person."""
        return self.variant == "agents"

    @property
    def agent_days(self) -> int:
        """Consumers x days: the unit of work the throughput figures count."""
        return self.n_consumers * self.days

    def scenario(self) -> Scenario:
        """The validated scenario this case runs."""
        source = self.scenario_path or "<defaults>"
        if self.base_json is not None:
            base = validate_scenario(json.loads(self.base_json), source)
        else:
            base = base_scenario(self.scenario_path)
        sizes = {"population.n_consumers": self.n_consumers, "days": self.days}
        # no warm-up: every case times its `days` alone, from the scenario's initial state
        scenario = with_overrides(base, {**sizes, "warmup_days": 0}, source)
        return with_all_strategies(scenario) if self.variant == "strategies" else scenario


def default_scenario_path() -> str | None:
    """`scenarios/baseline.toml` if it exists here, else None (the `Scenario()` defaults)."""
    return str(BASELINE) if BASELINE.is_file() else None


def base_scenario(path: str | None) -> Scenario:
    """The scenario file at `path`, or the defaults when `path` is None."""
    return load_scenario(path) if path else Scenario()


def with_all_strategies(scenario: Scenario) -> Scenario:
    """`scenario` with every strategy in `REGISTRY` that acts in its market enabled for the
    focal brand (B2B-only onboarding is refused in B2C).

    A strategy the scenario already configures keeps its settings and is switched on; the
    others get their defaults (an empty table).
    """
    market = scenario.population.market
    names = sorted(name for name, cls in REGISTRY.items() if market in cls.markets)
    overrides = {f"brands.focal.strategies.{name}.enabled": True for name in names}
    return with_overrides(scenario, overrides, "<all strategies>")


SAMPLE_RUNS = 64
"""Runs of the sensitivity screen timed by default (of 1,664) to project the whole: about a
minute or two on two cores (`sim.bench.screen`)."""
SCREEN_WORKERS = 2
"""Worker processes for the screen, as `mot sweep` uses by default (this machine's cores)."""

FULL_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000)
"""Consumers per size in a full run (issue 8)."""
QUICK_SIZES: tuple[int, ...] = (2_000, 5_000)
"""A smoke run's sizes: seconds, not minutes (not for the targets)."""


@dataclass(frozen=True)
class BenchPlan:
    """What a benchmark run measures.

    Attributes:
        sizes: consumers per size; every variant runs at each.
        days: days per size run (the targets assume 365).
        variants: subset of `workload.VARIANTS`.
        profile_size: consumers of the profiled run (cost per rule).
        sweep_size, sweep_days, sweep_runs: the small runs timed with 1 and 2 workers.
        crn_replications, crn_days, crn_consumers: the CRN efficiency comparison (baseline vs
            follow-up e-mail); days and consumers None = the scenario files' own (the target
            case, issue 12); 0 replications = not measured.
        peer_agents, peer_steps: the engine vs Mesa's `virus_on_network` (issue 12: 10k x 365).
        end_to_end: time a whole `mot run` of the scenario file (issue 12); off in `quick`.
        scenario_path: the scenario file, or None for `Scenario()` defaults.
        screen_path: the sensitivity screen's experiment file, or None (not measured).
        screen_sample: runs of the screen timed to project the whole (`sim.bench.screen`);
            0 = not measured (`quick`).
        screen_workers: worker processes for the screen, as `mot sweep` uses by default.
        full_screen: also run and time the whole screen (`--full-screen`; 20-80 min here).
        ten_million: also run 10M consumers x 365 days (`--ten-million`; ~7-10 GB).
    """

    sizes: tuple[int, ...] = FULL_SIZES
    days: int = 365
    variants: tuple[str, ...] = VARIANTS
    profile_size: int = 100_000
    sweep_size: int = 10_000
    sweep_days: int = 365
    sweep_runs: int = 12
    crn_replications: int = 12
    crn_days: int | None = None
    crn_consumers: int | None = None
    scenario_path: str | None = None
    base_json: str | None = None
    peer_agents: int = 10_000
    peer_steps: int = 365
    end_to_end: bool = True
    screen_path: str | None = None
    screen_sample: int = SAMPLE_RUNS
    screen_workers: int = SCREEN_WORKERS
    full_screen: bool = False
    ten_million: bool = False

    @classmethod
    def quick(cls, scenario_path: str | None, base_json: str | None = None) -> BenchPlan:
        """A smoke run of a few seconds that exercises every measurement."""
        return cls(
            sizes=QUICK_SIZES,
            days=60,
            profile_size=QUICK_SIZES[-1],
            sweep_size=QUICK_SIZES[0],
            sweep_days=60,
            sweep_runs=4,
            crn_replications=4,
            crn_days=60,
            crn_consumers=QUICK_SIZES[0],
            peer_agents=QUICK_SIZES[0],
            peer_steps=30,
            end_to_end=False,
            screen_sample=0,
            scenario_path=scenario_path,
            base_json=base_json,
        )

    def workloads(self) -> list[Workload]:
        """Every (variant, size) case, smallest first within each variant."""
        return [
            self.workload(n, self.days, variant)
            for variant in self.variants
            for n in sorted(self.sizes)
        ]

    def workload(self, n_consumers: int, days: int, variant: str = "baseline") -> Workload:
        """A case of this plan's scenario."""
        return Workload(n_consumers, days, variant, self.scenario_path, self.base_json)
