"""Influencer campaign at <ZMOT: pay social influencers to post about the brand.

Influencers are people with an audience (`market.influencers`, `market.followers_of`). A hired
influencer's post reaches every follower: they learn the brand, like it a little more
(`research.weight_influencer`) and may start a need (`triggers.p_trigger_influencer`). While the
campaign runs, influencer content that researchers come across features the brand more often.
Fees scale with audience size, as influencer rate cards do (a price per follower per post).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.strategies.base import Strategy, WindowSettings


class InfluencerCampaignSettings(WindowSettings):
    n_influencers: int = Field(3, ge=0, le=100_000)
    """Influencers hired; capped at the market's `population.n_social_influencers` (assumption)."""
    posts_per_week: float = Field(1.0, gt=0.0, le=7.0)
    """Sponsored posts per influencer per week (assumption)."""
    start_day: int = Field(1, ge=1)
    """First day of the campaign (assumption: from the start)."""
    end_day: int = Field(3650, ge=1)
    """Last day of the campaign (assumption: runs all along)."""
    presence_gain: float = Field(0.2, ge=0.0, le=1.0)
    """Extra chance influencer content seen at ZMOT features the brand while it runs (assumption)."""
    fee_per_follower_usd: float = Field(0.01, ge=0.0)
    """Fee per follower per post: the industry rule of thumb of about one cent per follower per
    sponsored post, $100 per 10,000 followers (USA Today's interviews with influencers and
    platform founders, 2019; influencer rate guides)."""


class InfluencerCampaign(Strategy):
    """Hired influencers post every few days; each post nudges their whole audience."""

    name = "influencer_campaign"
    moment = Moment.PRE_ZMOT
    settings_type = InfluencerCampaignSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.hired = np.zeros(0, dtype=np.int64)
        self.posts = 0
        self.followers_reached = 0
        self.presence_before = 0.0

    def setup(self, market: Market) -> None:
        n = min(self.settings.n_influencers, len(market.influencers))
        # a keyed random order of the influencers: hiring more keeps the first ones hired
        order = np.argsort(self.draws.uniform("hire", 0, market.influencers), kind="stable")
        self.hired = market.influencers[order[:n]].astype(np.int64)
        self.presence_before = float(market.brands.influencer_presence[self.brand])

    def running(self, day: int) -> bool:
        """The campaign is on today."""
        return self.settings.start_day <= day <= self.settings.end_day

    def posting_today(self, day: int) -> bool:
        """Posts go out every 7 / posts_per_week days from the start day."""
        interval = max(round(7 / self.settings.posts_per_week), 1)
        return self.running(day) and (day - self.settings.start_day) % interval == 0

    def on_day(self, market: Market) -> None:
        presence = market.brands.influencer_presence
        boosted = min(self.presence_before + self.settings.presence_gain, 1.0)
        presence[self.brand] = boosted if self.running(market.window_day) else self.presence_before
        if not self.posting_today(market.window_day):
            return
        chance = market.scenario.triggers.p_trigger_influencer
        gain = np.float32(market.scenario.research.weight_influencer)
        for influencer in self.hired:
            followers = market.followers_of(int(influencer))
            expose(market, followers, self.brand, gain)
            market.today.nudge(followers, self.brand, Source.INFLUENCER, chance)
            market.spend(self.brand, len(followers) * self.settings.fee_per_follower_usd)
            self.posts += 1
            self.followers_reached += len(followers)
