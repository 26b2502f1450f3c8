"""A quality crisis (market event at SMOT): a batch of bad units between two days.

Not a strategy but a component of the same shape: between `start_day` and `end_day` the
brand's chance of a product problem rises to `p_problem`, then returns to normal. Goldenberg,
Libai, Moldovan & Muller (2007, IJRM) show that a small share of dissatisfied customers cuts
a brand's value substantially through negative word of mouth (their baseline: 15% bad units).
"""

from __future__ import annotations

from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, WindowSettings
from sim.strategies.billing import set_lever


class QualityCrisisSettings(WindowSettings):
    start_day: int = Field(60, ge=1)
    """First day bad units ship (assumption)."""
    end_day: int = Field(120, ge=1)
    """Last day bad units ship (assumption: two months to find and fix the cause)."""
    p_problem: float = Field(0.4, ge=0.0, le=1.0)
    """Chance a unit sold in the crisis has a problem (assumption; Goldenberg et al. 2007: 15% bad units overall)."""
    recall_cost_usd: float = Field(0.0, ge=0.0)
    """One-off cost booked when the crisis ends (assumption: none by default)."""


class QualityCrisis(Strategy):
    """Raise the brand's problem rate from `start_day` to `end_day`, then restore it."""

    name = "quality_crisis"
    moment = Moment.SMOT
    settings_type = QualityCrisisSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.normal_p_problem: float | None = None

    def on_day(self, market: Market) -> None:
        if market.window_day == self.settings.start_day:
            self.normal_p_problem = set_lever(
                market, "p_problem", self.brand, self.settings.p_problem
            )
        elif market.window_day == self.settings.end_day + 1 and self.normal_p_problem is not None:
            set_lever(market, "p_problem", self.brand, self.normal_p_problem)
            market.spend(self.brand, self.settings.recall_cost_usd)
