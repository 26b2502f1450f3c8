"""Win-back offers in the loyalty loop: money off for customers the brand has lost.

A customer who switched to a rival, returned the product or left the category gets an offer
`delay_days` later (if still lost). Opened with `open_rate`, it is a code for `discount_usd`
off, valid `valid_days` (`sim.strategies.coupons`: it pulls at the shelf as that price cut
would); a lapsed customer who had left the category restarts the need with `p_reactivate`
(a journey begun by the brand's e-mail, as a refill offer's is). Lost customers are easier to
sell to than new prospects (20-40% vs 5-20%: Griffin & Lowenstein 2001, in Farris et al.'s
Marketing Metrics), and a price offer wins back more of them, but for a shorter second tenure
(Thomas, Blattberg & Fox 2004, J. Marketing Research; Kumar, Bhagwat & Zhang 2015,
J. Marketing). The brand pays per offer sent and the discount on each purchase made with a code.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Calendar, Strategy, StrategySettings, start_email_journeys
from sim.strategies.coupons import Coupons, discount_attitude


class WinBackSettings(StrategySettings):
    delay_days: int = Field(30, ge=0, le=365)
    """Days from losing a customer to the offer (assumption: a month, once the loss is clear)."""
    open_rate: float = Field(0.2, ge=0.0, le=1.0)
    """Share of offers opened: about the 21% average open rate of marketing e-mail across
    industries (Mailchimp e-mail marketing benchmarks, 2019); assumption within it."""
    discount_usd: float = Field(10.0, ge=0.0)
    """Money off the next purchase (assumption: 20% of the default $50 price)."""
    valid_days: int = Field(60, ge=1, le=3650)
    """Days the offer's code stays valid (assumption)."""
    p_reactivate: float = Field(0.1, ge=0.0, le=1.0)
    """Chance an opened offer restarts the need of a customer who left the category
    (assumption)."""
    cost_per_offer_usd: float = Field(0.05, ge=0.0)
    """Sending one offer (assumption: as the follow-up e-mail)."""


class WinBack(Strategy):
    """Offers to lapsed customers: a discount code, and a nudge back into the category."""

    name = "win_back"
    moment = Moment.LOYALTY
    settings_type = WinBackSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.customers = np.zeros(0, dtype=bool)
        self.offers_due = Calendar()
        self.coupons = Coupons(0, brand)
        self.offers = 0
        self.opened = 0
        self.reactivated = 0
        self.redeemed = 0

    def setup(self, market: Market) -> None:
        self.customers = market.units.brand == self.brand
        self.coupons = Coupons(market.people.n, self.brand)

    def on_day(self, market: Market) -> None:
        self.coupons.expire(market)
        now = market.units.brand == self.brand
        lapsed = np.flatnonzero(self.customers & ~now)
        self.customers = now
        day = np.full(len(lapsed), market.day + self.settings.delay_days)
        self.offers_due.schedule(day, lapsed)
        due = self.offers_due.pop(market.day)
        self.send(market, due[market.units.brand[due] != self.brand])

    def send(self, market: Market, units: np.ndarray) -> None:
        """Offers to lost customers: openers get a code; those out of the category may return."""
        self.offers += len(units)
        market.spend(self.brand, len(units) * self.settings.cost_per_offer_usd)
        day = market.day
        units = units[self.draws.bernoulli(self.settings.open_rate, "opened", day, units)]
        self.opened += len(units)
        gain = discount_attitude(market, self.brand, self.settings.discount_usd)
        self.coupons.grant(market, market.units.start[units], gain, self.settings.valid_days)
        waiting = units[market.units.moment[units] == Moment.PRE_ZMOT]
        u = self.draws.columns("reactivate", day, waiting, 2)
        back = u[:, 0] < self.settings.p_reactivate
        self.start_journeys(market, waiting[back], u[back, 1])

    def start_journeys(self, market: Market, units: np.ndarray, u: np.ndarray) -> None:
        """Lapsed customers the offer brings back into the category research from today."""
        self.reactivated += len(units)
        start_email_journeys(self, market, units, u)

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        buyers = market.units.start[units]
        used = self.coupons.holding(buyers, market.day) & (brands == self.brand)
        self.redeemed += int(used.sum())
        market.spend(self.brand, int(used.sum()) * self.settings.discount_usd)
        self.coupons.withdraw(market, buyers)  # a decision made: the code is used or lapses
