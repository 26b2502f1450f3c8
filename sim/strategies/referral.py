"""Referral programme (UMOT -> <ZMOT): advocates pass a code to a friend; both get a reward.

A fresh advocate of the brand (4-5 stars) passes a referral code to one contact with chance
`p_refer`. The friend learns the brand, hears a friend's recommendation (`feedback.weight_wom`)
and may start a need (`p_trigger_referral`, source `Source.REFERRAL`). If the friend becomes a
new customer of the brand while the code is valid, the brand pays the reward to both.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings


class ReferralSettings(StrategySettings):
    p_refer: float = Field(0.25, ge=0.0, le=1.0)
    """Chance a fresh advocate passes a code to a friend (assumption)."""
    p_trigger_referral: float = Field(0.15, ge=0.0, le=1.0)
    """Chance a code (a recommendation plus an incentive) starts the friend's need (assumption)."""
    reward_referrer_usd: float = Field(10.0, ge=0.0)
    """Reward to the advocate per friend who becomes a customer (assumption)."""
    reward_friend_usd: float = Field(10.0, ge=0.0)
    """Reward to the new customer (assumption: a double-sided programme)."""
    code_valid_days: int = Field(60, ge=1, le=3650)
    """Days a code stays valid (assumption)."""


class Referral(Strategy):
    """Fresh advocates refer one friend each; rewards paid per referred new customer."""

    name = "referral"
    moment = Moment.UMOT
    settings_type = ReferralSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.referred_on = np.zeros(0, dtype=np.int64)
        self.ever_bought = np.zeros(0, dtype=bool)
        self.codes = 0
        self.rewarded = 0

    def setup(self, market: Market) -> None:
        self.referred_on = np.full(market.units.n, -1, dtype=np.int64)
        self.ever_bought = market.units.brand == self.brand

    def on_day(self, market: Market) -> None:
        people = market.people
        window = int(np.rint(market.scenario.feedback.feedback_days))
        fresh = (
            (people.stance > 0)
            & (people.stance_brand == self.brand)
            & (people.talk_until == market.day - 1 + window)
        )
        advocates = np.flatnonzero(fresh)
        day = market.day
        advocates = advocates[self.draws.bernoulli(self.settings.p_refer, "refer", day, advocates)]
        pick = self.draws.uniform("friend", day, advocates)
        friend, _ = market.graph.random_contact(advocates, pick)
        friend = friend[friend >= 0]
        friend = friend[~self.ever_bought[people.unit[friend]]]
        if len(friend) == 0:
            return
        self.codes += len(friend)
        self.referred_on[people.unit[friend]] = market.day
        expose(
            market, friend, self.brand, market.scenario.feedback.weight_wom
        )  # twice picked: twice
        market.today.nudge(friend, self.brand, Source.REFERRAL, self.settings.p_trigger_referral)

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        mine = units[brands == self.brand]
        first = mine[~self.ever_bought[mine]]
        self.ever_bought[mine] = True
        since = market.day - self.referred_on[first]
        valid = first[(self.referred_on[first] >= 0) & (since <= self.settings.code_valid_days)]
        self.rewarded += len(valid)
        reward = self.settings.reward_referrer_usd + self.settings.reward_friend_usd
        market.spend(self.brand, len(valid) * reward)
