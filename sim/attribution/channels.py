"""The channels attributed: which touches belong to each, and what switching one off means.

A channel is what a marketer would see in their journey data: a group of touch codes of the
touch log (`sim.market.touch_log`). "direct" stands for a conversion with no touch of the
brand at all (a loyal customer rebuying, a prospect who already knew the brand), as web
analytics report it.

Switching a channel off removes every touch of the focal brand in it, and nothing else, so
the paired difference is the channel's incrementality (the simulation's counterfactual of a
Markov removal): strategies through their `enabled` key, organic channels through
`brands.focal.silenced_sources` (`sim.market.silenced_sources`). The rival is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.sources import Source
from sim.market.touch_log import CODE_NAMES, EMAIL
from sim.scenario.config import with_overrides
from sim.scenario.settings import Scenario

TOUCH_CODES: dict[str, tuple[int, ...]] = {
    "ads": (Source.ADS,),
    "influencers": (Source.INFLUENCER,),
    "referral": (Source.REFERRAL,),
    "email": (EMAIL,),
    "word_of_mouth": (Source.WORD_OF_MOUTH, Source.FRIENDS),
    "reviews": (Source.MARKETPLACE, Source.REVIEW_SITES),
    "search_and_site": (Source.SEARCH, Source.SOCIAL_VIDEO, Source.BRAND_SITE),
}
"""Touch codes of each channel: stimuli (an ad, a message, a post, a code, an e-mail) and
research sources (influencer content and friends join their stimulus's channel)."""

CHANNELS: tuple[str, ...] = (*TOUCH_CODES, "direct")
"""Channels in table order; "direct" is a conversion whose journey never touched the brand."""
DIRECT = CHANNELS.index("direct")

LABELS: dict[str, str] = {
    "ads": "Ads",
    "influencers": "Influencers",
    "referral": "Referral programme",
    "email": "E-mail (refill offers)",
    "word_of_mouth": "Word of mouth",
    "reviews": "Reviews (marketplaces, review sites)",
    "search_and_site": "Search, social video, brand site",
    "direct": "Direct (no touch)",
}


@dataclass(frozen=True)
class Switch:
    """How a channel is switched off for the focal brand."""

    strategies: tuple[str, ...]
    """Focal strategies disabled (`enabled = false`), where the scenario runs them."""
    sources: tuple[str, ...]
    """Sources added to `brands.focal.silenced_sources`."""
    meaning: str
    """What "off" means, in plain words."""


SWITCHES: dict[str, Switch] = {
    "ads": Switch(("advertising",), (), "the brand's advertising stops"),
    "influencers": Switch(
        ("influencer_campaign",),
        ("influencer",),
        "no sponsored posts, and influencer content seen in research never features the brand",
    ),
    "referral": Switch(("referral",), (), "the referral programme stops"),
    "email": Switch(("retention_content",), (), "retention e-mails and refill offers stop"),
    "word_of_mouth": Switch(
        (),
        ("word_of_mouth", "friends"),
        "nobody hears a message or post about the brand; friends asked in research say nothing",
    ),
    "reviews": Switch(
        (),
        ("marketplace", "review_sites"),
        "marketplaces and review sites show nothing about the brand (no listing, no reviews)",
    ),
    "search_and_site": Switch(
        (),
        ("search", "social_video", "brand_site"),
        "search, social video and the brand's own site show nothing about it",
    ),
}
"""The switch of every channel but "direct" (which has none: it is the absence of a touch)."""


def channel_of_code() -> np.ndarray:
    """Channel index of each touch code (-1 for the unit's own need, which is no channel)."""
    table = np.full(len(CODE_NAMES), -1, dtype=np.int64)
    for index, channel in enumerate(TOUCH_CODES):
        table[list(TOUCH_CODES[channel])] = index
    return table


def switched_off(scenario: Scenario, channel: str) -> Scenario | None:
    """The scenario with `channel` off for the focal brand, or None when that changes nothing
    (a strategy the scenario does not run): the channel's incrementality is then exactly 0."""
    switch = SWITCHES[channel]
    focal = scenario.brands["focal"]
    overrides: dict[str, object] = {}
    for name in switch.strategies:
        table = focal.strategies.get(name)
        if table is not None and table.get("enabled", True):
            overrides[f"brands.focal.strategies.{name}.enabled"] = False
    missing = [s for s in switch.sources if s not in focal.silenced_sources]
    if missing:
        overrides["brands.focal.silenced_sources"] = [*focal.silenced_sources, *missing]
    if not overrides:
        return None
    return with_overrides(scenario, overrides, f"{channel} switched off")
