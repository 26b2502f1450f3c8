"""`JourneyModel`: the Mesa model whose step is one day of the customer journey."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.agents import AgentClasses, create_people
from sim.journey import kernels as journey_kernels
from sim.journey.day import RULES
from sim.market import book_kernels
from sim.market.brands import build_brands
from sim.market.keyed_draws import KeyedDraws
from sim.market.measures import DailyTable, cohort_table, in_window_days
from sim.market.moments import Moment
from sim.market.network import build_graph, placed_audiences
from sim.market.population import build_people, build_units, seed_base_opinions, unit_sizes
from sim.market.state import Market
from sim.market.streams import Streams
from sim.market.window_tally import WindowTally
from sim.reports.kpis import RunOutcome, compute_kpis
from sim.reports.survival import curve_table
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.memory_budget import check_market_fits
from sim.scenario.settings import Scenario
from sim.strategies import build_strategies


class JourneyModel(mesa.Model):
    """Buying units moving through <ZMOT, ZMOT, FMOT, SMOT, UMOT and the loyalty loop.

    The market first runs the scenario's `warmup_days` (no strategies, nothing measured), then
    the measured window of `days`; `step`, `run`, `days_run`, `daily` and the KPIs are about
    the window.

    Args:
        settings: a validated `Scenario`, or the path of a scenario file (loaded with
            `sim.scenario.config.load_scenario`); the scenario defaults when left out.
        seed: overrides the scenario's seed; one seed gives the market-building streams and
            every keyed draw of the day's rules and strategies (`sim.market.keyed_draws`).
            `rng` is the same (the name `mesa.batch_run` passes).
        with_agents: give `model.agents` a Mesa agent per person (views onto the columns),
            created on first use so that runs that never look pay nothing; `False`: none.
        agent_classes: role class -> your subclass, or {subclass: share}, e.g.
            `{Consumer: PriceShopper}` or `{Consumer: {PriceShopper: 0.1}}`; the engine calls
            the decision methods a subclass overrides for its people (`sim.agents`). Python
            only: a scenario file cannot name code.
        warm_up: run the warm-up now; `False` leaves it to `warm_up()` (or the first `step`),
            so that a caller can show its progress.
        **overrides: settings by key path with `__` for the dots, e.g.
            `JourneyModel("scenarios/baseline.toml", population__n_consumers=2000)`, so that
            `mesa.batch_run(JourneyModel, {"brands__focal__price": [80, 100]}, ...)` sweeps them.
    """

    def __init__(
        self,
        settings: Scenario | str | Path | None = None,
        seed: int | None = None,
        with_agents: bool = True,
        warm_up: bool = True,
        *,
        agent_classes: AgentClasses | None = None,
        rng: int | None = None,
        **overrides: Any,
    ):
        settings = scenario_with(settings, overrides)
        check_market_fits(settings, "scenario")  # one line, not a MemoryError
        seed = rng if rng is not None else settings.seed if seed is None else seed
        super().__init__(rng=seed)
        self.settings = settings
        self.streams = Streams(seed)
        self.draws = KeyedDraws(seed)
        journey_kernels.warm_up()  # compile or load every kernel now, not on day 1
        self.market = build_market(settings, self.streams)
        self.strategies = build_strategies(settings, self.draws)
        """The brands' strategies; they act from the window's first day on."""
        self._people_due = with_agents
        if agent_classes:  # custom deciders must be in place before the first day
            self._people_due = False
            check_market_fits(settings, "scenario", with_agents=True)
            create_people(self, agent_classes)
        self._collected: tuple[int, mesa.DataCollector] | None = None
        if settings.warmup_days == 0:
            self.switch_on_strategies()  # a launch: strategies set their levers before day 1
        if warm_up:
            self.warm_up()

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every person as a Mesa agent (`sim.agents`), created on first use."""
        self._create_people()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """The agents by class (`Consumer`, or `Buyer`, `Influencer` and `EndUser` in B2B)."""
        self._create_people()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes present."""
        self._create_people()
        return super().agent_types

    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's record of the run (what `mesa.batch_run` reads): every KPI of the days run so
        far, collected when asked rather than each day, since computing the KPIs costs more than
        a day of the market. Add your own `mesa.DataCollector` for agent reporters."""
        if self._collected is None or self._collected[0] != self.steps:
            values = self.kpis()
            reporters = {name: (lambda _model, v=value: v) for name, value in values.items()}
            collector = mesa.DataCollector(model_reporters=reporters)
            collector.collect(self)
            self._collected = (self.steps, collector)
        return self._collected[1]

    def _create_people(self) -> None:
        """Make the person agents once, after checking that they fit in memory."""
        if self._people_due:
            self._people_due = False
            check_market_fits(self.settings, "scenario", with_agents=True)
            create_people(self)

    def warm_up(self, on_day: Callable[[int], None] | None = None) -> None:
        """Run the warm-up days not run yet; `on_day(day)` after each (day <= 0: warm-up)."""
        while self.market.day < self.market.window_start:
            self._one_day()
            if on_day is not None:
                on_day(self.market.window_day - 1)

    def step(self) -> None:
        """One day of the measured window, in the order of the journey."""
        if self.market.day < self.market.window_start:
            self.warm_up()
        if self.days_run >= self.settings.days:
            raise RuntimeError(f"the scenario has {self.settings.days} days; make a new model")
        self._one_day()
        self.running = self.days_run < self.settings.days  # Mesa's batch_run stops on False

    def _one_day(self) -> None:
        """One simulated day, warm-up or window; strategies switch on as the window opens."""
        market, draws = self.market, self.draws
        market.daily.day = market.day - 1
        if market.day == market.window_start:
            self.switch_on_strategies()
        market.new_day()
        age_reviews(market)
        for strategy in market.strategies:
            if strategy.acts_today(market):  # nothing scheduled: no call
                strategy.on_day(market)
        for scope, rule in RULES:
            rule(market, draws.scope(scope))
        record_levels(market)
        market.day += 1
        market.daily.day = market.day - 1

    def switch_on_strategies(self) -> None:
        """Hand the strategies to the market and let each set its levers (once)."""
        if self.market.strategies:
            return
        self.market.strategies = self.strategies
        for strategy in self.strategies:
            strategy.setup(self.market)

    def run(self, days: int | None = None) -> JourneyModel:
        """Run `days` days of the window (default: the rest of it), after any warm-up left."""
        self.warm_up()
        remaining = self.settings.days - self.days_run
        for _ in range(remaining if days is None else min(days, remaining)):
            self.step()
        return self

    @property
    def days_run(self) -> int:
        """Days of the measured window simulated so far (the warm-up is not counted)."""
        return max(self.market.window_day - 1, 0)

    def daily(self, warmup: bool = False, since: int = 0) -> pd.DataFrame:
        """Measures per day of the window, numbered from 1; with `warmup`, the warm-up days
        too, numbered up to 0 (the last warm-up day is day 0). `since` skips the window's
        first `since` days (a class's market sends only its new days: building every day's
        table at each step cost more as the year went on)."""
        start = self.market.window_start - 1
        if warmup:
            return self.market.daily.frame(first_day=1 - start)
        return self.market.daily.frame(rows=self._window_rows(since), first_day=since + 1)

    def daily_numbers(self, since: int = 0) -> tuple[tuple[str, ...], np.ndarray]:
        """`daily(since=since)` as column names and one float array (the day first): what a
        class's markets' process hands over at each step, without building a DataFrame."""
        rows = self._window_rows(since)
        return ("day", *self.market.daily.columns), self.market.daily.numbers(rows, since + 1)

    def _window_rows(self, since: int) -> slice:
        """The daily table's rows of the window's days after the first `since`."""
        start = self.market.window_start - 1
        return slice(start + since, start + self.days_run)

    def cohorts(self) -> pd.DataFrame:
        """Focal-brand retention by acquisition cohort and age."""
        units, start = self.market.units, self.market.window_start
        acquired, churned = in_window_days(units.acquired_day, units.churn_day, start)
        return cohort_table(acquired, churned, self.days_run)

    def outcome(self) -> RunOutcome:
        """What the KPIs are computed from: the window's daily table, acquisition and first-loss
        days, and the window's counts of people and events."""
        units = self.market.units
        counts = self.market.tally.counts()
        return RunOutcome(
            self.daily(),
            units.acquired_day,
            units.churn_day,
            counts,
            window_start=self.market.window_start,
            unit_cost_usd=self.settings.brands["focal"].unit_cost_usd,
            discount_rate=self.settings.economics.discount_rate,
            clv_horizon_days=self.settings.economics.clv_horizon_days,
        )

    def retention_curve(self) -> pd.DataFrame:
        """Kaplan-Meier retention by age in days (0..365) with 95% bounds and the number at
        risk, over every customer the window observes (`sim.reports.survival`)."""
        return curve_table(self.outcome().survival())

    def kpis(self) -> dict[str, float]:
        """Every KPI of the days run so far (`sim.reports.kpis.KPI_DEFINITIONS`)."""
        return compute_kpis(self.outcome())

    def funnel(self) -> pd.DataFrame:
        """Buying units per moment over the window: at its start, entered, moved on, dropped
        out, at its end, and the median days of the stays that ended in it."""
        return self.market.tally.funnel(self.market.units.moment)

    def people_per_moment(self) -> dict[str, int]:
        """Today's count of people in each moment."""
        counts = moment_counts(self.market)
        return {m.label: int(counts[m]) for m in Moment}

    def open_window_with(self, settings: Scenario) -> None:
        """Measure the window on `settings` after a warm-up run on the model's own.

        Why: a classroom's levers are what the students change, so they act from the window's
        first day, as strategies do; run during the warm-up too, a market setting (say, how
        loud critics are) would have reshaped the market before day 1, and two strategies the
        class compares would no longer start from the same market. Call it when the warm-up is
        over and before the window's first day. The market's people, ties, initial customers
        and repurchase cycles stay as built: `settings` may change brands' levers and
        strategies, research, choice, experience, feedback and economics, nothing else.

        Raises:
            RuntimeError: not between the warm-up and the window's first day.
            ValueError: `settings` changes what the market was built from (names the key).
        """
        if self.market.day != self.market.window_start or self.market.strategies:
            raise RuntimeError("settings can change only between the warm-up and the window")
        for key in BUILT_FROM:
            if built_value(self.settings, key) != built_value(settings, key):
                raise ValueError(
                    f"{key}: cannot change when the window opens (the market is built)"
                )
        self.settings = self.market.scenario = settings
        brands = build_brands(settings)
        self.market.brands.levers.update(brands.levers)
        self.market.brands.presence[:] = brands.presence
        self.strategies = build_strategies(settings, self.draws)


BUILT_FROM: tuple[str, ...] = (
    "seed",
    "days",
    "warmup_days",
    "population",
    "network",
    "loyalty",
    "brand_names",
    "initial_share",
    "initial_awareness",
    "initial_reviews",
)
"""Settings the market is built from (people, ties, day-0 customers and their next needs):
`JourneyModel.open_window_with` refuses to change them."""


def built_value(settings: Scenario, key: str):
    """A setting of `BUILT_FROM` (per-brand ones as a tuple over the brands)."""
    if key in ("initial_share", "initial_awareness", "initial_reviews"):
        return tuple(getattr(settings.brands[b], key) for b in settings.brand_names)
    return getattr(settings, key)


def scenario_with(settings: Scenario | str | Path | None, overrides: dict[str, Any]) -> Scenario:
    """The model's settings: a `Scenario`, a scenario file or the defaults, with keyword
    overrides (`a__b=1` sets `a.b`) validated like a file's keys."""
    if settings is None:
        settings = Scenario()
    elif not isinstance(settings, Scenario):
        settings = load_scenario(Path(settings))
    if not overrides:
        return settings
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    return with_overrides(settings, dotted, "JourneyModel(...)")


def build_market(settings: Scenario, streams: Streams) -> Market:
    """People, buying units, brands and the social graph for a scenario."""
    sizes = unit_sizes(settings)
    people = build_people(settings, sizes, streams["population"])
    units = build_units(settings, sizes, streams["population"])
    seed_base_opinions(people, units, settings.experience.weight_own_experience)
    graph = build_graph(settings.network, people.n, streams["network"])
    influencers, start, followers = placed_audiences(settings.population, graph, streams["network"])
    return Market(
        scenario=settings,
        people=people,
        units=units,
        brands=build_brands(settings),
        graph=graph,
        influencers=influencers,
        audience_start=start,
        audience=followers,
        daily=DailyTable(settings.warmup_days + settings.days, settings.brand_names),
        window_start=settings.warmup_days + 1,
        tally=WindowTally(units.n, people.n, window_start=settings.warmup_days + 1),
    )


def age_reviews(market: Market) -> None:
    """Reviews a day older at dawn, when the scenario lets them age (a half-life > 0)."""
    half_life = market.scenario.research.review_half_life_days
    if half_life > 0:
        market.brands.age_reviews(half_life)


def moment_counts(market: Market) -> np.ndarray:
    """People per moment (a unit counts once per member)."""
    units = market.units
    weights = None if market.scenario.population.market == "b2c" else units.size
    return np.bincount(units.moment, weights=weights, minlength=len(Moment))


def record_levels(market: Market) -> None:
    """End-of-day levels: people per moment, customers per brand, the public rating (one
    compiled pass writing today's row, `book_kernels.record_levels`)."""
    daily, units = market.daily, market.units
    size = NO_SIZES if market.scenario.population.market == "b2c" else units.size
    row = daily.table[daily.day]
    book_kernels.record_levels(
        units.moment, units.brand, size, market.brands.stars, row, daily.levels
    )


NO_SIZES = np.zeros(0, dtype=np.int16)
"""Unit sizes as `record_levels` passes them in B2C: none (a unit is one person)."""
