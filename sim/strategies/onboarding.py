"""Onboarding at SMOT: help end users get going (B2B: well-onboarded clients renew).

In a B2B market each end user is well onboarded with chance `brands.p_onboarded`, which adds or
takes `experience.onboarding_gain` stars (Kriss 2014, HBR: subscribers with the best experience
had a 74% chance of staying a year vs 43% for the worst). B2C consumers onboard themselves, so
the engine applies onboarding to B2B buying centres only, and a B2C scenario that switches the
programme on is refused (it used to be accepted and billed for no effect; docs/model.md).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import set_lever


class OnboardingSettings(StrategySettings):
    p_onboarded: float = Field(0.9, ge=0.0, le=1.0)
    """Chance an end user is well onboarded with the programme (assumption)."""
    cost_per_new_account_usd: float = Field(300.0, ge=0.0)
    """Onboarding sessions for a buying unit's first purchase of the brand (assumption)."""
    cost_per_renewal_usd: float = Field(50.0, ge=0.0)
    """Refresher onboarding for new end users at each later purchase or renewal (assumption)."""


class Onboarding(Strategy):
    """Onboard new accounts (refreshers at renewals); more end users end up well onboarded."""

    name = "onboarding"
    moment = Moment.SMOT
    settings_type = OnboardingSettings
    markets = ("b2b",)

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.ever_bought = np.zeros(0, dtype=bool)
        self.new_accounts = 0
        self.renewals = 0

    def setup(self, market: Market) -> None:
        set_lever(market, "p_onboarded", self.brand, self.settings.p_onboarded)
        self.ever_bought = market.units.brand == self.brand

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        mine = units[brands == self.brand]
        new = int((~self.ever_bought[mine]).sum())
        self.ever_bought[mine] = True
        self.new_accounts += new
        self.renewals += len(mine) - new
        market.spend(
            self.brand,
            new * self.settings.cost_per_new_account_usd
            + (len(mine) - new) * self.settings.cost_per_renewal_usd,
        )
