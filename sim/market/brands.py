"""Brands as columns of levers (one entry per brand), plus the reviews each has collected.

Strategies change these levers (a better FAQ, faster service, more presence); the journey rules
read them. Review counts are what ZMOT research reads: one customer's UMOT is the next
prospect's ZMOT.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.market.book_kernels import post_reviews, review_summary
from sim.market.sources import PLATFORMS
from sim.scenario.settings import Scenario

LEVERS: tuple[str, ...] = (
    "quality",
    "satisfaction_sd",
    "p_problem",
    "price",
    "p_late_delivery",
    "p_damaged",
    "p_contact_service",
    "p_service_resolves",
    "p_onboarded",
    "shelf_quality",
    "faq_coverage",
    "influencer_presence",
    "in_stock",
)


@dataclass
class BrandTable:
    """Every brand's levers as float arrays indexed by brand (focal = 0)."""

    names: list[str]
    levers: dict[str, np.ndarray]
    presence: np.ndarray  # (brands, platforms) chance research on a platform finds the brand
    stars: np.ndarray = field(init=False)  # (brands, 5) reviews posted per star
    private_stars: np.ndarray = field(init=False)  # (brands, 5) private ratings of experiences
    replied: np.ndarray = field(init=False)  # negative reviews replied to, per brand
    recent_stars: np.ndarray = field(init=False)  # (brands, 5) stars, each aged by its half-life

    def __post_init__(self) -> None:
        # the lever arrays as plain attributes too (the same arrays, so in-place changes show):
        # `__getattr__` would be a Python call on every read, dozens a day
        self.__dict__.update({k: v for k, v in self.levers.items() if k not in self.__dict__})
        self.stars = np.zeros((len(self.names), 5), dtype=np.int64)
        self.private_stars = np.zeros((len(self.names), 5), dtype=np.int64)
        self.replied = np.zeros(len(self.names), dtype=np.int64)
        self.recent_stars = np.zeros((len(self.names), 5), dtype=np.float64)

    def __getattr__(self, name: str) -> np.ndarray:
        levers = self.__dict__.get("levers", {})
        if name in levers:
            return levers[name]
        raise AttributeError(name)

    @property
    def n(self) -> int:
        """Number of brands."""
        return len(self.names)

    def review_count(self) -> np.ndarray:
        """Reviews posted so far per brand."""
        return self.stars.sum(axis=1)

    def mean_rating(self) -> np.ndarray:
        """Mean posted rating per brand; 3 (neutral) where there are none (one compiled call
        rather than five numpy ones: research and the shelf read it every day)."""
        return review_summary(self.stars)[1]

    def seed_reviews(self, stock: np.ndarray) -> None:
        """Start with a stock of reviews per (brand, star): an established brand's past."""
        self.stars += stock
        self.recent_stars += stock

    def add_reviews(self, brand: np.ndarray, star_index: np.ndarray) -> None:
        """Post reviews (brand, star - 1), to the record and to its aging copy."""
        if pairs_of_ids(brand, star_index):  # one compiled pass, not two `np.add.at`
            post_reviews(self.stars, self.recent_stars, brand, star_index)
            return
        np.add.at(self.stars, (brand, star_index), 1)
        np.add.at(self.recent_stars, (brand, star_index), 1.0)

    def age_reviews(self, half_life_days: float) -> None:
        """One day older: every review's weight shrinks by 0.5 ** (1 / half-life)."""
        self.recent_stars *= 0.5 ** (1.0 / half_life_days)

    def read_reviews(self, half_life_days: float) -> tuple[np.ndarray, np.ndarray]:
        """(count, mean rating) per brand as research reads them: every review alike, or with
        the half-life on, recent ones weighed more; the rating is 3 (neutral) with none."""
        if half_life_days <= 0:
            return review_summary(self.stars)
        count = self.recent_stars.sum(axis=1)
        total = self.recent_stars @ np.arange(1, 6)
        return count, np.where(count > 0, total / np.where(count > 0, count, 1.0), 3.0)

    def negative_share(self) -> np.ndarray:
        """Share of reviews with 1-2 stars per brand."""
        count = self.review_count()
        return np.where(count > 0, self.stars[:, :2].sum(axis=1) / np.maximum(count, 1), 0.0)


def pairs_of_ids(a, b) -> bool:
    """Whether `a` and `b` are 1-d int64 arrays of one length (what `post_reviews` takes)."""
    arrays = isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    return arrays and a.ndim == 1 and a.shape == b.shape and a.dtype == b.dtype == np.int64


def build_brands(scenario: Scenario) -> BrandTable:
    """Lever columns from the scenario's brand tables, focal first."""
    names = scenario.brand_names
    brands = [scenario.brands[name] for name in names]
    levers = {
        lever: np.array([getattr(b, lever) for b in brands], dtype=np.float64) for lever in LEVERS
    }
    presence = np.array(
        [[getattr(b.presence, p.key) for p in PLATFORMS] for b in brands], dtype=np.float64
    )
    table = BrandTable(names=names, levers=levers, presence=presence)
    stock = np.array([b.initial_reviews for b in brands], dtype=np.int64)
    if stock.any():
        table.seed_reviews(stock)
    return table
