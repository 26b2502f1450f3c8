"""Customer service speed at SMOT: reachable, fast service resolves problems in time.

A customer with a problem contacts service with chance `brands.p_contact_service` (more channels
- chat, social, phone with published hours - make contact easier). A problem counts as resolved
only if it is fixed before the experience is judged: with a mean resolution time of
`resolution_days` (exponential) and `experience.use_days` of use, the chance is
`p_fixable x (1 - exp(-use_days / resolution_days))`. Fast replies pay (Twitter / Applied
Marketing Science 2016: a reply within 6 minutes, customers pay ~$20 more). Staffing is paid
per day.
"""

from __future__ import annotations

import math

from pydantic import Field

from sim.market import Market
from sim.moments import Moment
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import set_lever


class CustomerServiceSettings(StrategySettings):
    p_contact: float = Field(0.75, ge=0.0, le=1.0)
    """Chance a customer with a problem gets in touch (assumption: chat and social added)."""
    resolution_days: float = Field(1.0, gt=0.0, le=365.0)
    """Mean days to resolve a reported problem (assumption: a fast team)."""
    p_fixable: float = Field(0.9, ge=0.0, le=1.0)
    """Share of problems service can fix at all (assumption)."""
    cost_per_day_usd: float = Field(400.0, ge=0.0)
    """Extra staffing per day for the faster service (assumption: ~2 agents)."""


class CustomerService(Strategy):
    """Faster, easier-to-reach service: more problems resolved before the product is judged."""

    name = "customer_service"
    moment = Moment.SMOT
    settings_type = CustomerServiceSettings

    def p_resolves(self, use_days: float) -> float:
        """Chance a reported problem is fixed within the days of use."""
        s = self.settings
        return s.p_fixable * (1.0 - math.exp(-max(use_days, 1.0) / s.resolution_days))

    def setup(self, market: Market) -> None:
        use_days = market.scenario.experience.use_days
        set_lever(market, "p_service_resolves", self.brand, self.p_resolves(use_days))
        set_lever(market, "p_contact_service", self.brand, self.settings.p_contact)

    def on_day(self, market: Market) -> None:
        market.spend(self.brand, self.settings.cost_per_day_usd)
