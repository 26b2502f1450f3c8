"""Replying to negative reviews (UMOT): recover some critics and earn readers' trust.

Proserpio & Zervas (2017, Marketing Science): hotels that start responding gain +0.12 stars
and +12% review volume; about 56% of hotels respond. Readers at ZMOT see a brand's replies
(the engine's `research.reply_rating_bonus`, scaled by the share of negative reviews replied
to). A fast, non-confrontational reply can turn a critic round: in the Twitter / Applied
Marketing Science study (2016, HBR 2018) customers answered within minutes valued the brand
more, so the chance of recovery halves with every `recovery_half_life_days` of delay.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Calendar, Strategy, StrategySettings


class ReplyToReviewsSettings(StrategySettings):
    share_replied: float = Field(0.56, ge=0.0, le=1.0)
    """Share of negative (1-2 star) reviews answered (Proserpio & Zervas 2017: ~56% of hotels)."""
    reply_days: int = Field(1, ge=0, le=365)
    """Days from the review to the reply (assumption: next working day)."""
    p_recover: float = Field(0.3, ge=0.0, le=1.0)
    """Chance a same-day reply turns a critic neutral (assumption after Twitter / AMS 2016)."""
    recovery_half_life_days: float = Field(2.0, gt=0.0)
    """Days of delay that halve the recovery chance (assumption: speed matters most)."""
    attitude_gain: float = Field(0.3, ge=0.0, le=5.0)
    """Attitude gain of a recovered critic (assumption)."""
    volume_gain: float = Field(0.12, ge=0.0, le=5.0)
    """Extra review posting when every negative review is answered (Proserpio & Zervas 2017: +12%)."""
    cost_per_reply_usd: float = Field(3.0, ge=0.0)
    """Staff time per reply (assumption: ~10 minutes of a $18/hour agent; for scale, an agent's
    customer-service e-mail cost $4.42 in ContactBabel's US benchmark, 2017)."""


class ReplyToReviews(Strategy):
    """Answer a share of negative reviews after `reply_days`; some critics come round."""

    name = "reply_to_reviews"
    moment = Moment.UMOT
    settings_type = ReplyToReviewsSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.calendar = Calendar()
        self.replies = 0
        self.critics_replied = 0
        self.recovered = 0

    def on_reviews(self, market, people, brands, stars) -> None:
        negative = people[(brands == self.brand) & (stars <= 2)]
        share = self.settings.share_replied
        chosen = negative[self.draws.bernoulli(share, "reply", market.day, negative)]
        if self.settings.reply_days == 0:
            self.reply(market, chosen)
        else:
            self.calendar.schedule(
                np.full(len(chosen), market.day + self.settings.reply_days), chosen
            )

    def acts_today(self, market: Market) -> bool:
        return self.calendar.has(market.day)

    def on_day(self, market: Market) -> None:
        self.reply(market, self.calendar.pop(market.day))

    def reply(self, market: Market, reviewers: np.ndarray) -> None:
        """Post replies: readers see them; some critics are won back."""
        if len(reviewers) == 0:
            return
        self.replies += len(reviewers)
        market.brands.replied[self.brand] += len(reviewers)
        market.spend(self.brand, len(reviewers) * self.settings.cost_per_reply_usd)
        people = market.people
        critic = (people.stance[reviewers] < 0) & (people.stance_brand[reviewers] == self.brand)
        chance = self.settings.p_recover * 0.5 ** (
            self.settings.reply_days / self.settings.recovery_half_life_days
        )
        self.critics_replied += int(critic.sum())
        won = reviewers[critic & self.draws.bernoulli(chance, "recover", market.day, reviewers)]
        self.recovered += len(won)
        people.stance[won] = 0
        people.stance_brand[won] = -1
        people.attitude[won, self.brand] += np.float32(self.settings.attitude_gain)

    def review_chance(self, market, people, brands, ratings, chance) -> np.ndarray:
        """Customers of a brand that answers its reviews post more (Proserpio & Zervas 2017)."""
        negatives = market.brands.stars[self.brand, :2].sum()
        if negatives == 0 or market.brands.replied[self.brand] == 0:
            return chance
        answered = min(market.brands.replied[self.brand] / negatives, 1.0)
        boost = 1.0 + self.settings.volume_gain * answered
        return np.where(brands == self.brand, np.minimum(chance * boost, 1.0), chance)
