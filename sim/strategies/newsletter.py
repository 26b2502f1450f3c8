"""A newsletter to prospects (<ZMOT): e-mail to people on the list who are not customers.

Until now the brand's e-mail reached only customers (after a purchase). Prospects who know the
brand sign up for its newsletter (`p_subscribe`, drawn once per buying unit); every
`interval_days` the brand mails those who are not its customers. An opened newsletter keeps the
brand in mind (it is known, and liked `attitude_gain` more: `expose`); a click on an offer
starts the journey of a prospect at <ZMOT (research begins today, as with a refill offer: a
journey begun by the brand's e-mail). Rates are the average marketing e-mail's (Mailchimp
e-mail marketing benchmarks, 2019: 21.3% opened, 2.6% clicked across industries).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings, start_email_journeys


class NewsletterSettings(StrategySettings):
    p_subscribe: float = Field(0.1, ge=0.0, le=1.0)
    """Share of buying units on the brand's list; only those aware of the brand and not its
    customers are mailed (assumption)."""
    interval_days: int = Field(14, ge=1, le=365)
    """Days between newsletters (assumption: fortnightly)."""
    open_rate: float = Field(0.21, ge=0.0, le=1.0)
    """Share of newsletters opened: 21.3% across industries (Mailchimp benchmarks, 2019)."""
    click_rate: float = Field(0.12, ge=0.0, le=1.0)
    """Share of opened newsletters clicked: 2.6% of those sent over 21.3% opened (Mailchimp
    benchmarks, 2019)."""
    attitude_gain: float = Field(0.02, ge=0.0, le=5.0)
    """Attitude gain per newsletter opened (assumption: as an ad exposure, brand-sent)."""
    cost_per_email_usd: float = Field(0.01, ge=0.0)
    """Sending one newsletter (assumption: e-mail service fees are a fraction of a cent a
    message; the content is written once for the whole list)."""


class Newsletter(Strategy):
    """Fortnightly e-mail to prospects on the list: awareness, liking, and clicks that start journeys."""

    name = "newsletter"
    moment = Moment.PRE_ZMOT
    settings_type = NewsletterSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.subscribed = np.zeros(0, dtype=bool)
        self.emails = 0
        self.opened = 0
        self.journeys = 0

    def setup(self, market: Market) -> None:
        units = np.arange(market.units.n)
        self.subscribed = self.draws.bernoulli(self.settings.p_subscribe, "subscribe", 0, units)

    def acts_today(self, market: Market) -> bool:
        return (market.window_day - 1) % self.settings.interval_days == 0

    def on_day(self, market: Market) -> None:
        units = market.units
        buyers = units.start
        prospects = self.subscribed & (units.brand != self.brand)
        prospects &= market.people.aware[buyers, self.brand]
        mailed = np.flatnonzero(prospects)
        self.emails += len(mailed)
        market.spend(self.brand, len(mailed) * self.settings.cost_per_email_usd)
        u = self.draws.columns("newsletter", market.day, mailed, 3)  # open, click, research days
        opened = u[:, 0] < self.settings.open_rate
        self.opened += int(opened.sum())
        expose(market, buyers[mailed[opened]], self.brand, self.settings.attitude_gain)
        waiting = units.moment[mailed] == Moment.PRE_ZMOT
        clicked = opened & waiting & (u[:, 1] < self.settings.click_rate)
        self.start_journeys(market, mailed[clicked], u[clicked, 2])

    def start_journeys(self, market: Market, units: np.ndarray, u: np.ndarray) -> None:
        """Prospects who click start researching today."""
        self.journeys += len(units)
        start_email_journeys(self, market, units, u)
