"""Retention content and refills in the loyalty loop: stay useful between purchases.

Customers who opt in get non-promotional content (how-to, usage tips) every few weeks, which
keeps their attitude up, and a refill offer when their need recurs: accepting it sends them
straight to the shelf (FMOT) with no research, where rivals get less of a chance (the McKinsey
loyalty loop, Court et al. 2009; the domain brief: opt-in usage content, not promotions;
refills and related products).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.market.touch_log import EMAIL, record_stimuli
from sim.strategies.base import Strategy, StrategySettings


class RetentionContentSettings(StrategySettings):
    p_opt_in: float = Field(0.3, ge=0.0, le=1.0)
    """Share of buying units that opt in to the brand's content (assumption)."""
    interval_days: int = Field(30, ge=1, le=365)
    """Days between content e-mails (assumption: monthly)."""
    attitude_gain: float = Field(0.03, ge=0.0, le=5.0)
    """Attitude gain per content e-mail received (assumption: useful, not pushy)."""
    cost_per_email_usd: float = Field(0.02, ge=0.0)
    """Sending one content e-mail (assumption: e-mail service fees are a fraction of a cent a
    message; the rest is list and content upkeep, the content itself reused)."""
    refill_offers: bool = True
    """Offer a refill when the need recurs (assumption: replenishable products)."""
    p_accept_refill: float = Field(0.35, ge=0.0, le=1.0)
    """Chance an opted-in customer whose need recurs takes the refill offer (assumption)."""
    cost_per_offer_usd: float = Field(0.5, ge=0.0)
    """Sending one refill offer, including its handling and order processing (assumption)."""


class RetentionContent(Strategy):
    """Monthly content for opted-in customers; refill offers when their need recurs."""

    name = "retention_content"
    moment = Moment.LOYALTY
    settings_type = RetentionContentSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.opted_in = np.zeros(0, dtype=bool)
        self.emails = 0
        self.offers = 0
        self.refills = 0

    def setup(self, market: Market) -> None:
        units = np.arange(market.units.n)
        self.opted_in = self.draws.bernoulli(self.settings.p_opt_in, "opt_in", 0, units)

    def reachable(self, market: Market) -> np.ndarray:
        """Opted-in customers of the brand in the loyalty loop."""
        units = market.units
        return np.flatnonzero(
            self.opted_in & (units.brand == self.brand) & (units.moment == Moment.LOYALTY)
        )

    def on_day(self, market: Market) -> None:
        reachable = self.reachable(market)
        if (market.window_day - 1) % self.settings.interval_days == 0:
            self.send_content(market, reachable)
        if self.settings.refill_offers:
            self.offer_refills(market, reachable[market.units.until[reachable] <= market.day])

    def send_content(self, market: Market, units: np.ndarray) -> None:
        """Content e-mails to buyers; members warm to the brand."""
        self.emails += len(units)
        market.spend(self.brand, len(units) * self.settings.cost_per_email_usd)
        members, _ = market.members(units)
        market.people.attitude[members, self.brand] += np.float32(self.settings.attitude_gain)

    def offer_refills(self, market: Market, units: np.ndarray) -> None:
        """Customers whose need recurs today get an offer; takers go straight to the shelf."""
        self.offers += len(units)
        market.spend(self.brand, len(units) * self.settings.cost_per_offer_usd)
        accept = self.settings.p_accept_refill
        takers = units[self.draws.bernoulli(accept, "refill", market.day, units)]
        self.refills += len(takers)
        market.units.lead_source[takers] = Source.NEED
        record_stimuli(market, takers, EMAIL, self.brand)
        market.daily.add("direct_rebuys", len(takers))
        market.move(takers, Moment.FMOT)
