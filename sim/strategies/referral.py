"""Referral programme (UMOT -> <ZMOT): advocates pass a code to a friend; both get a reward.

A fresh advocate of the brand (4-5 stars) passes a referral code to one contact with chance
`p_refer`: rewards raise the likelihood of recommending, most of all to weak ties (Ryu & Feick
2007, J. Marketing, four experiments). The friend learns the brand, hears a friend's
recommendation (`feedback.weight_wom`) and may start a need (`p_trigger_referral`, source
`Source.REFERRAL`). The friend's reward is money off the first purchase while the code is
valid: it pulls at the shelf as that price cut would (`sim.strategies.coupons`), whether the
friend is at <ZMOT or a rival's customer whose need recurs. If the friend becomes a new
customer of the brand while the code is valid, the brand pays the reward to both.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.coupons import Coupons, discount_attitude


class ReferralSettings(StrategySettings):
    p_refer: float = Field(0.25, ge=0.0, le=1.0)
    """Chance a fresh advocate passes a code to a friend: rewards raise referral likelihood
    (Ryu & Feick 2007); the value is an assumption."""
    p_trigger_referral: float = Field(0.15, ge=0.0, le=1.0)
    """Chance a code (a recommendation plus an incentive) starts the friend's need (assumption:
    above a plain positive message's `triggers.p_trigger_wom`, 0.1)."""
    reward_referrer_usd: float = Field(10.0, ge=0.0)
    """Reward to the advocate per friend who becomes a customer (assumption)."""
    reward_friend_usd: float = Field(10.0, ge=0.0)
    """Reward to the new customer, as money off the first purchase (assumption: a
    double-sided programme; Ryu & Feick 2007 find rewarding the receiver matters for strong ties)."""
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
        self.coupons = Coupons(0, brand)
        self.codes = 0
        self.rewarded = 0

    def setup(self, market: Market) -> None:
        self.referred_on = np.full(market.units.n, -1, dtype=np.int64)
        self.ever_bought = market.units.brand == self.brand
        self.coupons = Coupons(market.people.n, self.brand)

    def on_day(self, market: Market) -> None:
        self.coupons.expire(market)
        friend = self.friends_referred(market)
        if len(friend) == 0:
            return
        self.codes += len(friend)
        self.referred_on[market.people.unit[friend]] = market.day
        weight_wom = market.scenario.feedback.weight_wom
        expose(market, friend, self.brand, weight_wom)  # twice picked: twice
        discount = discount_attitude(market, self.brand, self.settings.reward_friend_usd)
        self.coupons.grant(market, friend, discount, self.settings.code_valid_days)
        market.today.nudge(friend, self.brand, Source.REFERRAL, self.settings.p_trigger_referral)

    def friends_referred(self, market: Market) -> np.ndarray:
        """Today's codes: one contact of each referring fresh advocate, if never a customer."""
        people, day = market.people, market.day
        window = int(np.rint(market.scenario.feedback.feedback_days))
        fresh = (
            (people.stance > 0)
            & (people.stance_brand == self.brand)
            & (people.talk_until == day - 1 + window)
        )
        advocates = np.flatnonzero(fresh)
        advocates = advocates[self.draws.bernoulli(self.settings.p_refer, "refer", day, advocates)]
        pick = self.draws.uniform("friend", day, advocates)
        friend, _ = market.graph.random_contact(advocates, pick)
        friend = friend[friend >= 0]
        return friend[~self.ever_bought[people.unit[friend]]]

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        members, _ = market.members(units)
        self.coupons.withdraw(market, members)  # a decision made: the code is used or lapses
        mine = units[brands == self.brand]
        first = mine[~self.ever_bought[mine]]
        self.ever_bought[mine] = True
        since = market.day - self.referred_on[first]
        valid = first[(self.referred_on[first] >= 0) & (since <= self.settings.code_valid_days)]
        self.rewarded += len(valid)
        reward = self.settings.reward_referrer_usd + self.settings.reward_friend_usd
        market.spend(self.brand, len(valid) * reward)
