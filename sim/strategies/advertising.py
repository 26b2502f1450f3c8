"""Advertising at <ZMOT: reach, frequency of exposure and cost per thousand impressions.

Every day each person sees the brand's ad `frequency` times with chance `reach_daily` (a draw
keyed by the person and the day, so the people an ad reaches are the same in every arm that
runs it, and nobody else's draws move): they learn the brand and like it a little more with
each exposure, and each person at <ZMOT starts a journey
with chance reach x (1 - (1 - `triggers.p_trigger_ad`) ^ frequency) (the Bass 1969 innovation
term p when word of mouth is off). Impressions are paid per thousand (CPM).
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


class Advertising(Strategy):
    """Daily ad exposures: awareness, a little liking, and needs started."""

    name = "advertising"
    moment = Moment.PRE_ZMOT
    settings_type = AdvertisingSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.impressions = 0

    def on_day(self, market: Market) -> None:
        reach, frequency = self.settings.reach_daily, self.settings.frequency
        p_trigger = 1.0 - (1.0 - market.scenario.triggers.p_trigger_ad) ** frequency
        market.today.add_broad(Source.ADS, self.brand, reach * p_trigger)
        everyone = np.arange(market.people.n)
        seen = np.flatnonzero(self.draws.bernoulli(reach, "seen", market.day, everyone))
        expose(market, seen, self.brand, self.settings.attitude_gain * frequency)
        self.impressions += len(seen) * frequency
        market.spend(self.brand, len(seen) * frequency / 1000 * self.settings.cpm_usd)
