"""Follow-up e-mail after delivery (SMOT): catches problems before they become critics.

An e-mail `delay_days` after delivery asks whether everything arrived well. Opened by a share of
customers; an open problem it catches is resolved with `p_resolves` (service recovery). Customers
who answer a satisfaction survey become more attached (Dholakia & Morwitz 2002: surveyed bank
customers were over 3x as likely to open accounts and under half as likely to defect a year on).
An e-mail that arrives after the experience is judged can no longer prevent a critic.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.market.moments import Moment
from sim.market.population import Flag
from sim.market.state import Market
from sim.strategies.base import Calendar, Strategy, StrategySettings


class FollowUpEmailSettings(StrategySettings):
    delay_days: int = Field(3, ge=0, le=365)
    """Days after delivery (assumption; the domain brief's example: 3 days)."""
    open_rate: float = Field(0.4, ge=0.0, le=1.0)
    """Share of e-mails opened (assumption; typical e-commerce transactional open rates)."""
    p_resolves: float = Field(0.8, ge=0.0, le=1.0)
    """Chance an open problem reported by reply gets resolved (assumption)."""
    attitude_gain: float = Field(0.1, ge=0.0, le=5.0)
    """Attitude gain of customers who open it (assumption after Dholakia & Morwitz 2002)."""
    cost_per_email_usd: float = Field(0.05, ge=0.0)
    """Sending and handling cost per e-mail (assumption: e-mail service fees are a fraction of
    a cent a message; most of the $0.05 is handling the replies that report a problem)."""


class FollowUpEmail(Strategy):
    """E-mail customers `delay_days` after delivery; resolve the problems they report."""

    name = "follow_up_email"
    moment = Moment.SMOT
    settings_type = FollowUpEmailSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.calendar = Calendar()
        self.emails = 0

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        mine = units[brands == self.brand]
        exp = market.scenario.experience
        late = (market.units.flags[mine] & Flag.LATE) > 0
        delivered = market.day + np.rint(exp.delivery_days + late * exp.late_extra_days)
        self.calendar.schedule(delivered.astype(np.int64) + self.settings.delay_days, mine)

    def acts_today(self, market: Market) -> bool:
        return self.calendar.has(market.day)

    def on_day(self, market: Market) -> None:
        units = market.units
        due = self.calendar.pop(market.day)
        due = due[units.brand[due] == self.brand]  # still a customer (not returned or lost)
        if len(due) == 0:
            return
        self.emails += len(due)
        market.spend(self.brand, len(due) * self.settings.cost_per_email_usd)
        day = market.day
        opened = due[self.draws.bernoulli(self.settings.open_rate, "opened", day, due)]
        buyers = units.start[opened]
        market.people.attitude[buyers, self.brand] += np.float32(self.settings.attitude_gain)
        still_using = opened[units.moment[opened] == Moment.SMOT]
        flags = units.flags[still_using]
        open_trouble = ((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & (
            (flags & Flag.RESOLVED) == 0
        )
        caught = still_using[open_trouble]
        fixed = caught[self.draws.bernoulli(self.settings.p_resolves, "resolves", day, caught)]
        units.flags[fixed] |= np.uint8(Flag.RESOLVED)
