"""Seeding at <ZMOT: give the product to a few people so that they talk about it.

A seeding programme (product sampling to chosen people) sends the product free to `n_seeds`
people who own no brand yet, on `start_day`. Seeds live the product's SMOT like any buyer
(delivery, use, maybe a problem), form an opinion and talk; they become customers only if they
later pay for it. Whom to seed is the lever the literature studies: the network's
best-connected people (hubs), who reach more people with their word of mouth, against random
people. Seeding hubs won several times the referrals of random seeding in Hinz, Skiera, Barrot
& Becker's (2011, J. Marketing) field experiments; hubs adopt early and speed diffusion
(Goldenberg, Han, Lehmann & Hong 2009, J. Marketing); Libai, Muller & Peres (2013, J.
Marketing Research) measure the value of seeding by its acceleration of adoption. The brand
pays the product's cost of goods and a handling cost per seed.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.journey.shelf import start_experience
from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings


class SeedingSettings(StrategySettings):
    n_seeds: int = Field(50, ge=0, le=1_000_000)
    """People given the product (assumption: 0.5% of the default market of 10,000)."""
    seeds_from: Literal["hubs", "random"] = "hubs"
    """Whom to seed: the people with the most social ties (hubs; Hinz et al. 2011), or random
    people. In a mixed market (no ties) hubs are random people."""
    start_day: int = Field(1, ge=1)
    """Day of the measured window the products are sent (assumption: the first)."""
    cost_per_seed_usd: float = Field(5.0, ge=0.0)
    """Handling and shipping per seed, on top of the product's cost of goods (assumption)."""


class Seeding(Strategy):
    """Free products to chosen people who own no brand, once."""

    name = "seeding"
    moment = Moment.PRE_ZMOT
    settings_type = SeedingSettings
    markets = ("b2c",)
    """Seeding gives a product to a person; a B2B buying centre's trial is onboarding's."""

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.seeded = np.zeros(0, dtype=np.int64)

    def acts_today(self, market: Market) -> bool:
        return market.window_day == self.settings.start_day

    def on_day(self, market: Market) -> None:
        seeds = self.choose(market)
        self.seeded = seeds
        u = self.draws.columns("delivery", market.day, seeds, 3)
        market.units.brand[seeds] = self.brand
        market.units.chosen[seeds] = self.brand
        start_experience(market, seeds, np.full(len(seeds), self.brand), u)
        cost = market.scenario.brands[market.brands.names[self.brand]].unit_cost_usd
        market.spend(self.brand, len(seeds) * (cost + self.settings.cost_per_seed_usd))

    def choose(self, market: Market) -> np.ndarray:
        """The seeds: among units that own no brand and are not yet at the shelf, the
        best-connected first (ties broken by keyed draws) or a keyed random order."""
        units = market.units
        moment = units.moment
        open_ = (units.brand < 0) & ((moment == Moment.PRE_ZMOT) | (moment == Moment.ZMOT))
        candidates = np.flatnonzero(open_)
        order = self.draws.uniform("seed", market.day, candidates)
        if self.settings.seeds_from == "hubs":
            degree = market.graph.degree(units.start[candidates])
            ranked = np.lexsort((order, -degree))
        else:
            ranked = np.argsort(order, kind="stable")
        return candidates[ranked[: self.settings.n_seeds]]
