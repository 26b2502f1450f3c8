"""FAQ and how-to content at ZMOT: answer the questions prospects ask before they buy.

Researchers who land on the brand's site find an answer to their question with chance
`brands.faq_coverage` (an answered question helps, an unanswered one hurts: see
`sim.journey.research`). How-to videos and articles make the brand easier to find on the platforms
they are published on (the domain brief: findability on each platform, FAQ answering every
pre-purchase question including price, how-to and case studies).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings
from sim.strategies.billing import is_billing_day, set_lever

Platform = Literal["search", "social_video", "marketplace", "review_sites", "brand_site"]


class FaqContentSettings(StrategySettings):
    coverage: float = Field(0.9, ge=0.0, le=1.0)
    """Share of pre-purchase questions answered after the work (assumption: 'every question' is the aim)."""
    n_questions: int = Field(50, ge=1, le=10_000)
    """Distinct pre-purchase questions prospects ask (assumption)."""
    cost_per_answer_usd: float = Field(150.0, ge=0.0)
    """Writing one answer, billed once on day 1 (assumption: ~3 hours of a writer)."""
    howto_platforms: list[Platform] = Field(default_factory=lambda: ["search", "social_video"])
    """Platforms where how-to content is published (assumption: articles and short videos)."""
    presence_gain: float = Field(0.15, ge=0.0, le=1.0)
    """Presence gained on each how-to platform (assumption)."""
    cost_per_platform_month_usd: float = Field(500.0, ge=0.0)
    """Producing how-to content for one platform for a month (assumption)."""


class FaqContent(Strategy):
    """Write the missing answers once; keep how-to content flowing on chosen platforms."""

    name = "faq_content"
    moment = Moment.ZMOT
    settings_type = FaqContentSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.answers_written = 0

    def setup(self, market: Market) -> None:
        before = set_lever(market, "faq_coverage", self.brand, self.settings.coverage)
        gap = max(self.settings.coverage - before, 0.0)
        self.answers_written = round(gap * self.settings.n_questions)
        from sim.market.sources import PLATFORMS

        keys = [p.key for p in PLATFORMS]
        for platform in set(self.settings.howto_platforms):
            column = keys.index(platform)
            presence = market.brands.presence[self.brand, column]
            market.brands.presence[self.brand, column] = min(
                presence + self.settings.presence_gain, 1.0
            )

    def on_day(self, market: Market) -> None:
        if market.window_day == 1:
            market.spend(self.brand, self.answers_written * self.settings.cost_per_answer_usd)
        if is_billing_day(market.window_day):
            platforms = len(set(self.settings.howto_platforms))
            market.spend(self.brand, platforms * self.settings.cost_per_platform_month_usd)
