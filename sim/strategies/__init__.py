"""Strategies brands can run, by the name used in scenario files.

`REGISTRY` maps a scenario key (`[brands.<brand>.strategies.<name>]`) to its component class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from sim.strategies.advertising import Advertising
from sim.strategies.base import Calendar, Strategy, StrategySettings
from sim.strategies.customer_service import CustomerService
from sim.strategies.faq_content import FaqContent
from sim.strategies.follow_up_email import FollowUpEmail
from sim.strategies.influencer_campaign import InfluencerCampaign
from sim.strategies.live_chat import LiveChat
from sim.strategies.newsletter import Newsletter
from sim.strategies.onboarding import Onboarding
from sim.strategies.platform_presence import PlatformPresence
from sim.strategies.quality_crisis import QualityCrisis
from sim.strategies.referral import Referral
from sim.strategies.reply_to_reviews import ReplyToReviews
from sim.strategies.retention_content import RetentionContent
from sim.strategies.review_solicitation import ReviewSolicitation
from sim.strategies.seeding import Seeding
from sim.strategies.shelf_quality import ShelfQuality
from sim.strategies.win_back import WinBack

if TYPE_CHECKING:
    from sim.market.keyed_draws import KeyedDraws
    from sim.scenario.settings import Scenario

REGISTRY: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        FollowUpEmail,
        ReviewSolicitation,
        ReplyToReviews,
        FaqContent,
        PlatformPresence,
        Advertising,
        InfluencerCampaign,
        ShelfQuality,
        Onboarding,
        CustomerService,
        RetentionContent,
        Referral,
        QualityCrisis,
        WinBack,
        Newsletter,
        LiveChat,
        Seeding,
    )
}

__all__ = ["REGISTRY", "Calendar", "Strategy", "StrategySettings", "build_strategies"]


def validate_strategies(scenario: Scenario, source: str) -> None:
    """Check every strategy table of every brand; raise `ScenarioError` naming the key."""
    from sim.errors import ScenarioError, describe_first_error

    for brand_name, brand in scenario.brands.items():
        for name, table in brand.strategies.items():
            where = f"brands.{brand_name}.strategies.{name}"
            if name not in REGISTRY:
                known = ", ".join(sorted(REGISTRY))
                raise ScenarioError(f"{source}: {where}: unknown strategy (known: {known})")
            try:  # a bad value first, named by its key; then whether it acts in this market
                REGISTRY[name].settings_type.model_validate(table)
            except ValidationError as exc:
                raise ScenarioError(f"{source}: {where}.{describe_first_error(exc)}") from None
            markets = REGISTRY[name].markets
            if scenario.population.market not in markets and table.get("enabled", True):
                only = " and ".join(m.upper() for m in markets)
                raise ScenarioError(
                    f"{source}: {where}: acts in {only} markets only "
                    f"(population.market is {scenario.population.market!r}; docs/model.md)"
                )


def build_strategies(scenario: Scenario, draws: KeyedDraws) -> list[Strategy]:
    """The enabled strategies of every brand, each with its own scope of keyed draws."""
    built: list[Strategy] = []
    for index, brand_name in enumerate(scenario.brand_names):
        for name, table in scenario.brands[brand_name].strategies.items():
            cls = REGISTRY[name]
            settings = cls.settings_type.model_validate(table)
            if settings.enabled:
                scope = draws.scope(f"strategy:{brand_name}:{name}")
                built.append(cls(settings, index, scope))
    return built
