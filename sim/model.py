"""`JourneyModel`: the Mesa model whose step is one day of the customer journey."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim.agents import create_people
from sim.brands import build_brands
from sim.experience import finish_experience
from sim.feedback import finish_feedback
from sim.keyed_draws import KeyedDraws
from sim.kpis import RunOutcome, compute_kpis
from sim.loyalty import recur_needs
from sim.market import Market
from sim.measures import DailyTable, cohort_table
from sim.memory_budget import check_market_fits
from sim.moments import Moment
from sim.network import audiences, build_graph
from sim.population import build_people, build_units, seed_base_opinions, unit_sizes
from sim.research import finish_research
from sim.settings import Scenario
from sim.shelf import choose_at_shelf
from sim.strategies import build_strategies
from sim.streams import Streams
from sim.triggers import start_journeys
from sim.window_tally import WindowTally
from sim.word_of_mouth import spread_word_of_mouth


class JourneyModel(mesa.Model):
    """Buying units moving through <ZMOT, ZMOT, FMOT, SMOT, UMOT and the loyalty loop.

    Args:
        settings: a validated `Scenario` (see `sim.config.load_scenario`).
        seed: overrides the scenario's seed; one seed gives the market-building streams and
            every keyed draw of the day's rules and strategies (`sim.keyed_draws`).
        with_agents: create a Mesa agent per person (views onto the columns).
    """

    def __init__(self, settings: Scenario, seed: int | None = None, with_agents: bool = True):
        check_market_fits(settings, "scenario", with_agents)  # one line, not a MemoryError
        seed = settings.seed if seed is None else seed
        super().__init__(rng=seed)
        self.settings = settings
        self.streams = Streams(seed)
        self.draws = KeyedDraws(seed)
        self.market = build_market(settings, self.streams)
        self.market.strategies = build_strategies(settings, self.draws)
        for strategy in self.market.strategies:
            strategy.setup(self.market)
        if with_agents:
            create_people(self)

    def step(self) -> None:
        """One day, in the order of the journey."""
        market, draws = self.market, self.draws
        if market.day > self.settings.days:
            raise RuntimeError(f"the scenario has {self.settings.days} days; make a new model")
        market.daily.day = market.day - 1
        market.new_day()
        for strategy in market.strategies:
            strategy.on_day(market)
        start_journeys(market, draws.scope("triggers"))
        finish_research(market, draws.scope("research"))
        choose_at_shelf(market, draws.scope("choice"))
        finish_experience(market, draws.scope("experience"))
        finish_feedback(market, draws.scope("feedback"))
        recur_needs(market, draws.scope("loyalty"))
        spread_word_of_mouth(market, draws.scope("word_of_mouth"))
        record_levels(market)
        market.day += 1
        market.daily.day = market.day - 1

    def run(self, days: int | None = None) -> JourneyModel:
        """Run `days` days (default: the rest of the scenario's days)."""
        remaining = self.settings.days - self.market.day + 1
        for _ in range(remaining if days is None else min(days, remaining)):
            self.step()
        return self

    @property
    def days_run(self) -> int:
        """Days simulated so far."""
        return self.market.day - 1

    def daily(self) -> pd.DataFrame:
        """Measures per day (one row per simulated day)."""
        return self.market.daily.frame()

    def cohorts(self) -> pd.DataFrame:
        """Focal-brand retention by acquisition cohort and age."""
        units = self.market.units
        return cohort_table(units.acquired_day, units.churn_day, self.days_run)

    def outcome(self) -> RunOutcome:
        """What the KPIs are computed from: the window's daily table, acquisition and first-loss
        days, and the window's counts of people and events."""
        units = self.market.units
        counts = self.market.tally.counts(units.acquired_day)
        return RunOutcome(self.daily(), units.acquired_day, units.churn_day, counts)

    def kpis(self) -> dict[str, float]:
        """Every KPI of the days run so far (`sim.kpis.KPI_DEFINITIONS`)."""
        return compute_kpis(self.outcome())

    def funnel(self) -> pd.DataFrame:
        """Buying units per moment over the window: at its start, entered, moved on, dropped
        out, at its end, and the median days of the stays that ended in it."""
        return self.market.tally.funnel(self.market.units.moment)

    def people_per_moment(self) -> dict[str, int]:
        """Today's count of people in each moment."""
        counts = moment_counts(self.market)
        return {m.label: int(counts[m]) for m in Moment}


def build_market(settings: Scenario, streams: Streams) -> Market:
    """People, buying units, brands and the social graph for a scenario."""
    sizes = unit_sizes(settings)
    people = build_people(settings, sizes, streams["population"])
    units = build_units(settings, sizes, streams["population"])
    seed_base_opinions(people, units, settings.experience.weight_own_experience)
    graph = build_graph(settings.network, people.n, streams["network"])
    pop = settings.population
    influencers, start, followers = audiences(
        people.n, pop.n_social_influencers, pop.influencer_audience, streams["network"]
    )
    return Market(
        scenario=settings,
        people=people,
        units=units,
        brands=build_brands(settings),
        graph=graph,
        influencers=influencers,
        audience_start=start,
        audience=followers,
        daily=DailyTable(settings.days, settings.brand_names),
        tally=WindowTally(units.n, people.n),
    )


def moment_counts(market: Market) -> np.ndarray:
    """People per moment (a unit counts once per member)."""
    units = market.units
    weights = None if market.scenario.population.market == "b2c" else units.size
    return np.bincount(units.moment, weights=weights, minlength=len(Moment))


def record_levels(market: Market) -> None:
    """End-of-day levels: people per moment, customers per brand, the public rating."""
    daily, brands = market.daily, market.brands
    counts = moment_counts(market)
    for moment in Moment:
        daily.set(f"people_{moment.name.lower()}", counts[moment])
    owners = np.bincount(market.units.brand[market.units.brand >= 0], minlength=brands.n)
    for index, name in enumerate(brands.names):
        daily.set(f"customers_{name}", owners[index])
    daily.set("customers", owners[0])
    reviews = brands.review_count()[0]
    daily.set("review_count", reviews)
    daily.set("mean_rating", brands.mean_rating()[0] if reviews else np.nan)
