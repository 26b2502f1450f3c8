"""An existing stock of reviews (`brands.<b>.initial_reviews`) and reviews that age
(`research.review_half_life_days`): the UMOT items of issue 17."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from tiny_market import tiny_market

from sim.journey.research import reviews_pull
from sim.model import BUILT_FROM, JourneyModel, age_reviews
from sim.scenario.config import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
GOOD_STOCK = [8, 4, 8, 30, 150]


def test_a_stock_of_reviews_is_on_the_record_from_day_0():
    market = tiny_market(brands={"focal": {"initial_reviews": GOOD_STOCK}})
    brands = market.brands
    assert brands.review_count().tolist() == [200, 0]
    assert brands.mean_rating()[0] == pytest.approx(910 / 200)
    pull = reviews_pull(market)
    assert pull[0] > 0 and pull[1] == 0.0  # good reviews pull; none is neutral


def test_without_a_stock_or_a_half_life_reviews_read_as_before():
    """The negative control: the defaults seed nothing, and with the half-life off research
    reads the plain record (count and mean of every review), however old."""
    market = tiny_market()
    brands = market.brands
    assert not brands.stars.any() and not brands.recent_stars.any()
    brands.add_reviews(np.array([0, 0, 1]), np.array([4, 0, 2]))
    for _ in range(30):
        age_reviews(market)  # off: nothing ages
    count, rating = brands.read_reviews(market.scenario.research.review_half_life_days)
    assert count.tolist() == brands.review_count().tolist() == [2, 1]
    assert rating.tolist() == brands.mean_rating().tolist() == [3.0, 3.0]


def test_a_review_weighs_half_after_one_half_life():
    market = tiny_market(research={"review_half_life_days": 10.0})
    market.brands.add_reviews(np.array([0]), np.array([4]))
    for _ in range(10):
        age_reviews(market)
    assert market.brands.recent_stars[0, 4] == pytest.approx(0.5)
    assert market.brands.stars[0, 4] == 1  # the record itself keeps every review


def test_with_recency_fresh_good_reviews_outweigh_an_old_bad_stock():
    """Old 1-star stock, then 20 fresh 5-star reviews: with a 30-day half-life and the stock
    a year old, research reads a higher rating (and pull) than when all reviews count alike."""
    stock = {"brands": {"focal": {"initial_reviews": [100, 0, 0, 0, 0]}}}
    aged = tiny_market(research={"review_half_life_days": 30.0}, **stock)
    plain = tiny_market(**stock)
    for market in (aged, plain):
        for _ in range(365):
            age_reviews(market)
        market.brands.add_reviews(np.zeros(20, dtype=np.int64), np.full(20, 4))
    assert reviews_pull(aged)[0] > 0 > reviews_pull(plain)[0]


def new_customers(scenario: str, seed: int) -> int:
    """Focal new customers over half a year of the launch at 2,000 consumers."""
    model = JourneyModel(
        load_scenario(SCENARIOS / scenario), population__n_consumers=2000, days=180, seed=seed
    )
    return int(model.run().daily()["new_customers"].sum())


def test_a_stock_of_good_reviews_wins_more_customers_at_a_launch():
    """Paired on four seeds (same people, same draws), the stock of good reviews against
    none: a one-sided paired t-test at alpha = 0.01."""
    gains = [
        new_customers("established_reviews.toml", s) - new_customers("launch.toml", s)
        for s in range(1, 5)
    ]
    assert stats.ttest_1samp(gains, 0.0, alternative="greater").pvalue < 0.01


def test_the_stock_is_built_in_and_recency_runs():
    """The stock is what the market is built from; the recency scenario loads and ages."""
    assert "initial_reviews" in BUILT_FROM
    model = JourneyModel(
        load_scenario(SCENARIOS / "review_recency.toml"), population__n_consumers=500, days=30
    )
    brands = model.run().market.brands
    assert (brands.recent_stars.sum(axis=1) < brands.review_count()).all()
