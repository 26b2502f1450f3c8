"""Platform presence at ZMOT: be findable where prospects look.

Research consults search engines, social video, marketplaces and review sites by age-group
habits (nearly 40% of US 18-24s use TikTok or Instagram instead of Search/Maps; 55% of product
searches start on Amazon: TechCrunch 2022). A brand that invests on a platform is found there
more often; each platform it works on costs a monthly fee.
"""

from __future__ import annotations

from pydantic import Field

from sim.market.moments import Moment
from sim.market.sources import PLATFORMS
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import is_billing_day

Presence = float | None


class PlatformPresenceSettings(StrategySettings):
    search: Presence = Field(0.95, ge=0.0, le=1.0)
    """Chance search finds the brand (assumption: SEO and search ads); None = unchanged."""
    social_video: Presence = Field(0.7, ge=0.0, le=1.0)
    """Chance social video finds the brand (assumption: a channel and short videos); None = unchanged."""
    marketplace: Presence = Field(0.95, ge=0.0, le=1.0)
    """Chance a marketplace search finds the brand (assumption: listed on the main ones); None = unchanged."""
    review_sites: Presence = Field(0.9, ge=0.0, le=1.0)
    """Chance review sites list the brand (assumption: claimed profiles); None = unchanged."""
    cost_per_platform_month_usd: float = Field(1000.0, ge=0.0)
    """Fees and staff per platform worked on, per month (assumption)."""


class PlatformPresence(Strategy):
    """Raise presence on the chosen platforms; pay a monthly fee per platform."""

    name = "platform_presence"
    moment = Moment.ZMOT
    settings_type = PlatformPresenceSettings

    def targets(self) -> dict[int, float]:
        """Presence column -> target for every platform this strategy works on."""
        keys = [p.key for p in PLATFORMS]
        return {
            keys.index(key): value
            for key in ("search", "social_video", "marketplace", "review_sites")
            if (value := getattr(self.settings, key)) is not None
        }

    def setup(self, market: Market) -> None:
        for column, value in self.targets().items():
            market.brands.presence[self.brand, column] = value

    def on_day(self, market: Market) -> None:
        if is_billing_day(market.window_day):
            fee = len(self.targets()) * self.settings.cost_per_platform_month_usd
            market.spend(self.brand, fee)
