"""Review solicitation (UMOT): ask customers for a review some days after their purchase.

Karaman (2021, Management Science) finds that asking raises posting for everyone, most among
the moderately satisfied, which softens the J-shaped rating distribution (Hu, Pavlou & Zhang
2009); field experiments on "asking at the right time" find delayed requests beat immediate ones.
Here a request goes out `delay_days` after the purchase:

- it lands while the experience is fresh (the unit is at UMOT, private rating known): the
  customer posts with the channel's response rate, weighted by their stars;
- it lands before the product is judged (still at SMOT): the customer remembers it when they
  judge it, at `early_factor` of the response rate (too early: nothing to say yet);
- it lands after the feedback window (back in the loyalty loop): `late_factor` of the rate.

The response chance is added on top of spontaneous posting: P = 1 - (1 - base)(1 - request).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.journey.feedback import record_reviews
from sim.market.moments import Moment
from sim.market.population import Flag
from sim.market.state import Market
from sim.strategies.base import Calendar, Strategy, StrategySettings

CHANNELS: dict[str, tuple[float, float]] = {
    "email": (0.10, 0.05),
    "sms": (0.15, 0.03),
    "in_package": (0.05, 0.10),
}
"""Channel -> (response rate, cost per request in USD). Response rates: assumption after
vendor benchmarks of a few to ~15% for e-mail and SMS requests (not peer-reviewed). Costs
(assumption): an e-mail a few cents with the review platform's fee spread over requests, an SMS
about 3 cents to send, an insert card a print run of about 10 cents."""


class ReviewSolicitationSettings(StrategySettings):
    delay_days: int = Field(21, ge=0, le=365)
    """Days after purchase (assumption: after delivery + 14 days of use, so the experience is fresh)."""
    channel: Literal["email", "sms", "in_package"] = "email"
    """How the request is sent; sets the default response rate and cost (see `CHANNELS`)."""
    response_rate: float | None = Field(None, ge=0.0, le=1.0)
    """Share of fresh, moderately satisfied customers who answer; None = the channel's default."""
    cost_per_request_usd: float | None = Field(None, ge=0.0)
    """Cost per request sent; None = the channel's default."""
    star_weights: tuple[float, float, float, float, float] = (0.7, 0.9, 1.0, 1.0, 0.8)
    """Response multiplier for 1..5 stars: moderates answer most (Karaman 2021; shape assumption)."""
    early_factor: float = Field(0.4, ge=0.0, le=1.0)
    """Response multiplier for a request that arrives before the product is judged (assumption)."""
    late_factor: float = Field(0.5, ge=0.0, le=1.0)
    """Response multiplier for a request after the feedback window (assumption: memory fades)."""


class ReviewSolicitation(Strategy):
    """Send review requests `delay_days` after purchase; the asked post more."""

    name = "review_solicitation"
    moment = Moment.UMOT
    settings_type = ReviewSolicitationSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.calendar = Calendar()
        rate, cost = CHANNELS[settings.channel]
        self.response_rate = rate if settings.response_rate is None else settings.response_rate
        self.cost = cost if settings.cost_per_request_usd is None else settings.cost_per_request_usd
        self.asked_early = np.zeros(0, dtype=bool)
        self.requests = 0

    def setup(self, market: Market) -> None:
        self.asked_early = np.zeros(market.units.n, dtype=bool)

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        mine = units[brands == self.brand]
        self.asked_early[mine] = False
        if self.settings.delay_days == 0:
            self.send(market, mine)
        else:
            self.calendar.schedule(np.full(len(mine), market.day + self.settings.delay_days), mine)

    def acts_today(self, market: Market) -> bool:
        return self.calendar.has(market.day)

    def on_day(self, market: Market) -> None:
        self.send(market, self.calendar.pop(market.day))

    def send(self, market: Market, due: np.ndarray) -> None:
        """Requests to customers who still own the brand; each is answered by its timing."""
        due = due[market.units.brand[due] == self.brand]
        if len(due) == 0:
            return
        self.requests += len(due)
        market.spend(self.brand, len(due) * self.cost)
        moment = market.units.moment[due]
        self.asked_early[due[moment == Moment.SMOT]] = True
        self.answer(market, due[moment == Moment.UMOT], 1.0)
        self.answer(market, due[moment == Moment.LOYALTY], self.settings.late_factor)

    def answer(self, market: Market, units: np.ndarray, factor: float) -> None:
        """Members of units that have judged the product (and not reviewed it) may post now."""
        units = units[(market.units.flags[units] & Flag.REVIEWED) == 0]
        people, _ = market.members(units)
        stars = market.people.rating[people].astype(np.int64)
        people, stars = people[stars > 0], stars[stars > 0]
        chance = self.request_chance(stars) * factor
        posted = self.draws.uniform("answer", market.day, people) < chance
        brand = np.full(int(posted.sum()), self.brand, dtype=np.int64)
        record_reviews(market, people[posted], brand, stars[posted])

    def request_chance(self, stars: np.ndarray) -> np.ndarray:
        """Chance a request is answered, by private rating."""
        weights = np.asarray(self.settings.star_weights)
        return np.minimum(self.response_rate * weights[np.asarray(stars, dtype=np.int64) - 1], 1.0)

    def review_chance(self, market, people, brands, ratings, chance) -> np.ndarray:
        """Customers asked before they judged the product remember the request (weaker)."""
        asked = (brands == self.brand) & self.asked_early[market.people.unit[people]]
        if not asked.any():
            return chance
        extra = np.where(asked, self.request_chance(ratings) * self.settings.early_factor, 0.0)
        return 1.0 - (1.0 - chance) * (1.0 - extra)
