"""Advertising at <ZMOT: reach, frequency of exposure and cost per thousand impressions.

Every day each person sees the brand's ad `frequency` times with chance `reach_daily` (a draw
keyed by the person and the day, so the people an ad reaches are the same in every arm that
runs it, and nobody else's draws move): they learn the brand and like it a little more with
each exposure, and each person at <ZMOT starts a journey
with chance reach x (1 - (1 - `triggers.p_trigger_ad`) ^ frequency) (the Bass 1969 innovation
term p when word of mouth is off). Impressions are paid per thousand (CPM).

Wear-out (off by default): repeated exposure to the same advertising buys less each time
(Pechmann & Stewart 1988, a review of wear-in and wear-out; Naik, Mantrala & Sawyer 1998,
Marketing Science: effectiveness falls with repetition and recovers while the ad is off air).
With `wear_out` w > 0 each exposure's attitude gain and trigger chance are multiplied by
(1 - w)^S, S the exposures the person still remembers (each fading with a half-life of
`memory_half_life_days`), and journeys start only among the people an ad reached (keyed nudges,
`Source.ADS`) instead of as a hazard on everyone at <ZMOT, since wear-out is per person.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings


class AdvertisingSettings(StrategySettings):
    reach_daily: float = Field(0.02, ge=0.0, le=1.0)
    """Share of people who see an ad each day (assumption)."""
    frequency: int = Field(1, ge=1, le=100)
    """Exposures per person reached per day (assumption: one)."""
    attitude_gain: float = Field(0.02, ge=0.0, le=5.0)
    """Attitude gain per exposure (assumption: ads are trusted less than friends)."""
    cpm_usd: float = Field(10.0, ge=0.0)
    """Cost per thousand impressions: Meta (Facebook/Instagram) ads averaged $9.56 for US
    accounts across industries (Narrative BI 2024 benchmark) and $11.17 in AdStage's analysis of
    8.8 billion impressions; $10 sits between them (assumption within sourced benchmarks)."""
    wear_out: float = Field(0.0, ge=0.0, lt=1.0)
    """Share of an exposure's effect lost per earlier exposure still remembered (wear-out:
    Pechmann & Stewart 1988; Naik, Mantrala & Sawyer 1998). 0 = no wear-out, the model before
    it existed (assumption: off, so existing results stand)."""
    memory_half_life_days: float = Field(30.0, gt=0.0, le=3650.0)
    """Days after which half of a person's remembered exposures are forgotten, restoring the
    ad's effect (assumption: a month)."""


class Advertising(Strategy):
    """Daily ad exposures: awareness, a little liking, and needs started."""

    name = "advertising"
    moment = Moment.PRE_ZMOT
    settings_type = AdvertisingSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.impressions = 0
        self.remembered = np.zeros(0, dtype=np.float64)
        self.last_seen = np.zeros(0, dtype=np.int64)

    def setup(self, market: Market) -> None:
        self.remembered = np.zeros(market.people.n, dtype=np.float64)
        self.last_seen = np.zeros(market.people.n, dtype=np.int64)

    def on_day(self, market: Market) -> None:
        if self.settings.wear_out > 0:
            self.wearing_day(market)
            return
        reach, frequency = self.settings.reach_daily, self.settings.frequency
        p_trigger = 1.0 - (1.0 - market.scenario.triggers.p_trigger_ad) ** frequency
        market.today.add_broad(Source.ADS, self.brand, reach * p_trigger)
        everyone = np.arange(market.people.n)
        seen = np.flatnonzero(self.draws.bernoulli(reach, "seen", market.day, everyone))
        expose(market, seen, self.brand, self.settings.attitude_gain * frequency)
        self.impressions += len(seen) * frequency
        market.spend(self.brand, len(seen) * frequency / 1000 * self.settings.cpm_usd)

    def wearing_day(self, market: Market) -> None:
        """A day of ads with wear-out: each person's effect shrinks with what they remember."""
        s, day = self.settings, market.day
        everyone = np.arange(market.people.n)
        seen = np.flatnonzero(self.draws.bernoulli(s.reach_daily, "seen", day, everyone))
        fade = 0.5 ** ((day - self.last_seen[seen]) / s.memory_half_life_days)
        remembered = self.remembered[seen] * fade
        keep = (1.0 - s.wear_out) ** (remembered[:, None] + np.arange(s.frequency)[None, :])
        expose(market, seen, self.brand, s.attitude_gain * keep.sum(axis=1))
        p_trigger = market.scenario.triggers.p_trigger_ad
        chance = 1.0 - np.prod(1.0 - p_trigger * keep, axis=1)
        market.today.nudge(seen, self.brand, Source.ADS, chance)
        self.remembered[seen] = remembered + s.frequency
        self.last_seen[seen] = day
        self.impressions += len(seen) * s.frequency
        market.spend(self.brand, len(seen) * s.frequency / 1000 * s.cpm_usd)
