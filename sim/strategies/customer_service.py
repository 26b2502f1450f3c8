"""Customer service speed at SMOT: reachable, fast service resolves problems in time.

A customer with a problem contacts service with chance `brands.p_contact_service` (more channels
- chat, social, phone with published hours - make contact easier). A problem counts as resolved
only if it is fixed before the experience is judged: with a mean resolution time of
`resolution_days` (exponential) and `experience.use_days` of use, the chance is
`p_fixable x (1 - exp(-use_days / resolution_days))`. Fast replies pay (Twitter / Applied
Marketing Science 2016: a reply within 6 minutes, customers pay ~$20 more). Service is paid per
contact (Gartner 2019: live channels cost $8.01 a contact), booked for the expected contacts of
each day's customers with an open problem, plus an optional fixed cost per day.
"""

from __future__ import annotations

import math

from pydantic import Field

from sim.market.moments import Moment
from sim.market.population import Flag
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import set_lever


class CustomerServiceSettings(StrategySettings):
    p_contact: float = Field(0.75, ge=0.0, le=1.0)
    """Chance a customer with a problem gets in touch (assumption: chat and social added)."""
    resolution_days: float = Field(1.0, gt=0.0, le=365.0)
    """Mean days to resolve a reported problem (assumption: a fast team)."""
    p_fixable: float = Field(0.9, ge=0.0, le=1.0)
    """Share of problems service can fix at all (assumption)."""
    cost_per_contact_usd: float = Field(8.01, ge=0.0)
    """Cost of one contact handled by the faster team: live channels (phone, chat, e-mail)
    averaged $8.01 a contact in Gartner's 2019 Customer Service and Support Leader poll
    (self-service: $0.10). The baseline's own service is in the unit cost; every contact the
    strategy's team handles is booked to it (an upper bound on its extra cost)."""
    cost_per_day_usd: float = Field(0.0, ge=0.0)
    """Fixed cost per day of keeping the faster team (assumption: none beyond the contacts)."""


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

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.contacts = 0.0
        """Expected contacts handled so far: what the per-contact cost is booked on."""

    def on_day(self, market: Market) -> None:
        contacts = self.contacts_today(market)
        self.contacts += contacts
        cost = self.settings.cost_per_day_usd + contacts * self.settings.cost_per_contact_usd
        market.spend(self.brand, cost)

    def contacts_today(self, market: Market) -> float:
        """Expected contacts today: this brand's customers whose use is judged today with an
        open problem or damage, times their chance of getting in touch."""
        units = market.units
        due = market.units_due(Moment.SMOT)
        flags = units.flags[due[units.chosen[due] == self.brand]]
        trouble = ((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & ((flags & Flag.RESOLVED) == 0)
        return float(trouble.sum()) * float(market.brands.p_contact_service[self.brand])
