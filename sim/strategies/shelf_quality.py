"""Product page / shelf quality at FMOT: the first 3-7 seconds (P&G 2006).

Photos, the sizes on offer, the price shown and availability make up `brands.shelf_quality`,
which enters the shelf choice as utility (`choice.weight_shelf`). A one-off redesign sets it.
"""

from __future__ import annotations

from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import set_lever


class ShelfQualitySettings(StrategySettings):
    photos: float = Field(0.9, ge=0.0, le=1.0)
    """Photo and video quality, 0-1 (assumption: professional photos and a video)."""
    sizes: float = Field(0.9, ge=0.0, le=1.0)
    """Sizes and variants shown clearly, 0-1 (assumption)."""
    price_shown: float = Field(1.0, ge=0.0, le=1.0)
    """Price and shipping shown up front, 0-1 (assumption)."""
    availability: float = Field(0.95, ge=0.0, le=1.0)
    """Share of visits where the product is in stock (assumption)."""
    redesign_cost_usd: float = Field(5000.0, ge=0.0)
    """One-off cost of the new page or shelf, billed on day 1 (assumption)."""


class ShelfQuality(Strategy):
    """Upgrade the product page once: shelf quality becomes the mean of its four parts."""

    name = "shelf_quality"
    moment = Moment.FMOT
    settings_type = ShelfQualitySettings

    def quality(self) -> float:
        """Shelf quality as the mean of photos, sizes, price shown and availability."""
        s = self.settings
        return (s.photos + s.sizes + s.price_shown + s.availability) / 4

    def setup(self, market: Market) -> None:
        set_lever(market, "shelf_quality", self.brand, self.quality())

    def on_day(self, market: Market) -> None:
        if market.window_day == 1:
            market.spend(self.brand, self.settings.redesign_cost_usd)
