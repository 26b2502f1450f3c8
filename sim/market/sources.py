"""Information sources and triggers: the places a prospect learns about brands.

The UMOT of one customer is part of the ZMOT of others: review sites and marketplaces show the
reviews earlier customers wrote, and friends pass on their own experience.
"""

from __future__ import annotations

from enum import IntEnum


class Source(IntEnum):
    """Triggers at <ZMOT and sources consulted at ZMOT; also used to attribute acquisitions."""

    NEED = 0
    ADS = 1
    WORD_OF_MOUTH = 2
    INFLUENCER = 3
    REFERRAL = 4
    SEARCH = 5
    SOCIAL_VIDEO = 6
    MARKETPLACE = 7
    REVIEW_SITES = 8
    BRAND_SITE = 9
    FRIENDS = 10

    @property
    def key(self) -> str:
        """Lower-case name used in scenario files and tables."""
        return self.name.lower()


RESEARCH_SOURCES: tuple[Source, ...] = (
    Source.SEARCH,
    Source.SOCIAL_VIDEO,
    Source.MARKETPLACE,
    Source.REVIEW_SITES,
    Source.BRAND_SITE,
    Source.FRIENDS,
    Source.INFLUENCER,
)
"""What ZMOT research consults (Google ZMOT 2011; TechCrunch 2022 on social video and marketplaces)."""

PLATFORMS: tuple[Source, ...] = (
    Source.SEARCH,
    Source.SOCIAL_VIDEO,
    Source.MARKETPLACE,
    Source.REVIEW_SITES,
    Source.BRAND_SITE,
)
"""Research sources on which a brand can be present (or absent) by its own choice."""

REVIEW_READING: frozenset[Source] = frozenset({Source.MARKETPLACE, Source.REVIEW_SITES})
"""Sources whose content is the reviews earlier customers posted."""

ACQUISITION_CHANNELS: dict[str, tuple[Source, ...]] = {
    "reviews": (Source.MARKETPLACE, Source.REVIEW_SITES),
    "word_of_mouth": (Source.WORD_OF_MOUTH, Source.FRIENDS, Source.REFERRAL),
    "ads": (Source.ADS,),
    "influencers": (Source.INFLUENCER,),
    "search_and_site": (Source.SEARCH, Source.BRAND_SITE, Source.SOCIAL_VIDEO),
    "own_need": (Source.NEED,),
}
"""Acquisition channels reported in the KPIs, each a group of sources."""
