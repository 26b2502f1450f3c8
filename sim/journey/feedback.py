"""UMOT: the user becomes an advocate or a critic, may post a review, then keeps the product.

Posting chances by satisfaction start from Chen, Zheng & Ceran (0.06 unsatisfied, 0.23
indifferent, 0.32 satisfied); extremes post more often and moderates much less (the
under-reporting bias of Hu, Pavlou & Zhang 2009), which gives the J-shaped distribution of
posted ratings while private ratings stay unimodal. Strategies may raise the chance
(review solicitation) or answer reviews (replying to critics).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.journey import kernels
from sim.journey.decisions import ReviewChance
from sim.market.keyed_draws import KeyedDraws, geometric_days
from sim.market.measures import STAR_COLUMNS
from sim.market.moments import Moment
from sim.market.state import Market
from sim.scenario.settings import Feedback

REVIEW_COLUMNS: tuple[str, ...] = ("reviews", "review_stars", "negative_reviews", *STAR_COLUMNS)
"""The daily columns `record_reviews` adds to, in the order of `kernels.review_tally`."""


def review_chance(market: Market, ratings: np.ndarray) -> np.ndarray:
    """Base chance of posting a review for each private rating (`posting_by_star`)."""
    return posting_by_star(market.scenario.feedback)[ratings]


def posting_by_star(fb: Feedback) -> np.ndarray:
    """Self-selected posting chance for 0 (none) and 1..5 stars: Chen, Zheng & Ceran's class
    rates, the extremes boosted (brag and moan) and the moderates under-reported, which makes
    posted ratings J-shaped while private ones are not (Hu, Pavlou & Zhang 2009). Made once
    per set of settings (`chances_by_star`), not on each day's ratings."""
    return chances_by_star(
        fb.p_review_unsatisfied,
        fb.p_review_indifferent,
        fb.p_review_satisfied,
        fb.moderate_reporting,
        fb.extremity_boost,
        fb.moan_boost,
    )


@lru_cache(maxsize=16)
def chances_by_star(
    unsatisfied: float,
    indifferent: float,
    satisfied: float,
    moderate: float,
    extremity: float,
    moan: float,
) -> np.ndarray:
    """`posting_by_star` from the settings' numbers (cached; read-only)."""
    by_star = np.array(
        [
            0.0,
            unsatisfied * extremity * moan,
            unsatisfied * moderate,
            indifferent * moderate,
            satisfied * moderate,
            satisfied * extremity,
        ]
    )
    chances = np.minimum(by_star, 1.0)
    chances.flags.writeable = False
    return chances


def post_reviews(
    market: Market,
    people: np.ndarray,
    brand: np.ndarray,
    ratings: np.ndarray,
    u: np.ndarray,
) -> None:
    """Some members post a review with their private rating (when their uniform `u` is below
    the chance); strategies may change the chance."""
    chance = review_chance(market, ratings)
    for strategy in market.strategies:
        chance = strategy.review_chance(market, people, brand, ratings, chance)
    posted = u < chance
    if "review" in market.deciders:  # people of a class that decides itself
        review_per_agent(market, people, brand, ratings, chance, u, posted)
    record_reviews(market, people[posted], brand[posted], ratings[posted])


def review_per_agent(market, people, brand, ratings, chance, u, posted) -> None:
    """Replace `posted` (in place) for people whose class decides (`Person.review`), given the
    chance after strategies and the uniform the vectorised rule used."""
    deciders, names = market.deciders["review"], market.brands.names
    chance = np.broadcast_to(chance, people.shape)
    for k in deciders.positions(people):
        view = ReviewChance(names[int(brand[k])], int(ratings[k]), float(chance[k]), float(u[k]))
        posted[k] = bool(deciders.agent(people[k]).review(view))


def record_reviews(market: Market, people: np.ndarray, brand: np.ndarray, stars: np.ndarray):
    """Add reviews to the brands' public record and let strategies respond to them."""
    if len(people) == 0:
        return
    market.brands.add_reviews(brand, stars.astype(np.int64) - 1)
    tally = kernels.review_tally(people, brand, stars, market.people.unit, market.units.flags)
    daily = market.daily
    for column, count in zip(REVIEW_COLUMNS, tally.tolist(), strict=True):
        if count:  # adding 0 changes no cell
            daily.add(column, count)
    for strategy in market.strategies:
        strategy.on_reviews(market, people, brand, stars)


def finish_feedback(market: Market, draws: KeyedDraws) -> None:
    """After UMOT: keep the product (loyalty loop) or, after a return, look for another one."""
    due = market.units_due(Moment.UMOT)
    if len(due) == 0:
        return
    key = draws.stream_key("duration", market.day)  # of the research, or until the next need
    back, u_back, kept, u_kept = kernels.drawn_after_feedback(
        due, key, market.units.flags, market.units.chosen
    )
    market.move(back, Moment.ZMOT, geometric_days(u_back, market.scenario.research.mean_days))
    market.move(kept, Moment.LOYALTY, next_need_days(market, u_kept))


def next_need_days(market: Market, u: np.ndarray) -> np.ndarray:
    """Days until each customer's need recurs, from a uniform each (never, when the
    repurchase cycle is 0)."""
    mean = market.scenario.loyalty.repurchase_days
    if mean <= 0:
        return np.full(len(u), np.iinfo(np.int32).max - market.day - 1, dtype=np.int64)
    if market.scenario.loyalty.fixed_cycle:
        return np.full(len(u), max(int(np.rint(mean)), 1), dtype=np.int64)
    return 1 + geometric_days(u, mean - 1)
