"""UMOT rules (stances from `sim.journey.experience.settle_ratings`, `feedback.post_reviews`,
`finish_feedback`) on tiny hand-built markets."""

from __future__ import annotations

import numpy as np
from tiny_market import (
    assert_moves_allowed,
    counted,
    draws,
    people_per_moment,
    place,
    snapshot,
    tiny_market,
)

from sim.journey.experience import finish_experience, settle_ratings
from sim.journey.feedback import finish_feedback, post_reviews
from sim.market.moments import Moment
from sim.market.population import Flag

QUIET = {"p_review_unsatisfied": 0.0, "p_review_indifferent": 0.0, "p_review_satisfied": 0.0}
EAGER = {
    "p_review_unsatisfied": 1.0,
    "p_review_indifferent": 1.0,
    "p_review_satisfied": 1.0,
    "moderate_reporting": 1.0,
}


def rated(ratings, u_review: float, brand: int = 0, **overrides):
    """Units 0..k-1 (one person each) enter UMOT with the focal brand and the given ratings."""
    market = tiny_market(**overrides)
    due = np.arange(len(ratings))
    place(market, due, Moment.SMOT, days=0, brand=brand)
    members, position = market.members(due)
    used = market.units.chosen[due][position].astype(np.int64)
    latent = np.asarray(ratings, dtype=np.float64)  # end users rate exactly these stars
    user = np.ones(len(members), dtype=bool)
    ratings = settle_ratings(market, due, members, position, used, latent, user)
    post_reviews(market, members, used, ratings, np.full(len(due), u_review))
    return market


def test_stars_make_advocates_critics_or_neither():
    market = rated([1, 2, 3, 4, 5], u_review=0.999)
    people = market.people
    assert people.stance[:5].tolist() == [-1, -1, 0, 1, 1]
    assert people.stance_brand[:5].tolist() == [0, 0, -1, 0, 0]
    assert (people.talk_until[:5] == market.day + 7).all()
    assert (people.stance[5:] == 0).all()
    assert counted(market, "advocates") == 2
    assert counted(market, "critics") == 2


def test_nobody_posts_when_posting_chances_are_zero():
    market = rated([1, 2, 3, 4, 5], u_review=0.0, feedback=QUIET)
    assert market.brands.stars.sum() == 0
    assert counted(market, "reviews") == 0
    assert (market.units.flags & Flag.REVIEWED == 0).all()


def test_everybody_posts_their_private_rating_when_posting_is_certain():
    market = rated([1, 2, 3, 4, 5], u_review=0.999, feedback=EAGER)
    assert market.brands.stars[0].tolist() == [1, 1, 1, 1, 1]
    assert market.brands.stars[1].sum() == 0
    assert counted(market, "reviews") == 5
    assert counted(market, "review_stars") == 15
    assert counted(market, "negative_reviews") == 2
    assert ((market.units.flags[:5] & Flag.REVIEWED) > 0).all()
    assert (market.units.flags[5:] & Flag.REVIEWED == 0).all()


def test_rival_reviews_go_to_the_rival_and_not_the_focal_counts():
    market = rated([5, 5], u_review=0.0, brand=1)
    assert market.brands.stars[1, 4] == 2
    assert market.brands.stars[0].sum() == 0
    assert counted(market, "reviews") == 0


def test_posting_chance_by_stars_boosts_the_extremes_and_under_reports_the_moderates():
    # 1 star: 0.06 x 1.5 x 5 = 0.45; 2: 0.06 x 0.1 = 0.006; 3: 0.023; 4: 0.032; 5: 0.32 x 1.5
    cases = [(0.005, [1, 1, 1, 1, 1]), (0.01, [1, 0, 1, 1, 1]), (0.025, [1, 0, 0, 1, 1])]
    for u, expected in [*cases, (0.1, [1, 0, 0, 0, 1]), (0.46, [0, 0, 0, 0, 1]), (0.5, [0] * 5)]:
        market = rated([1, 2, 3, 4, 5], u_review=u)
        posted = market.brands.stars[0].tolist()
        assert posted == expected, u


def test_experience_with_zero_posting_chances_posts_no_review():
    market = tiny_market(brands={"focal": {"satisfaction_sd": 1.5}}, feedback=QUIET)
    place(market, range(8), Moment.SMOT, days=0, brand=0)
    finish_experience(market, draws("experience"))
    assert market.brands.stars.sum() == 0


def in_umot(returned=(), **overrides):
    """Units 0-5 end UMOT today owning the focal brand (some after a return); 6-7 in 2 days."""
    market = tiny_market(**overrides)
    place(market, range(6), Moment.UMOT, days=0, brand=0)
    place(market, [6, 7], Moment.UMOT, days=2, brand=0)
    returned = list(returned)
    market.units.flags[returned] = Flag.RETURNED | Flag.PROBLEM
    market.units.brand[returned] = -1
    return market


def test_kept_products_enter_the_loyalty_loop_and_returns_research_again():
    market = in_umot(returned=[1, 4])
    before, until = snapshot(market)
    people = people_per_moment(market).sum()
    finish_feedback(market, draws("feedback"))
    moment = market.units.moment
    assert moment[[0, 2, 3, 5]].tolist() == [Moment.LOYALTY] * 4
    assert moment[[1, 4]].tolist() == [Moment.ZMOT] * 2
    assert (moment[6:] == Moment.UMOT).all() and (market.units.until[6:] == until[6:]).all()
    assert (market.units.until[[0, 2, 3, 5]] > market.day).all()  # the need recurs later
    assert (market.units.until[[1, 4]] >= market.day).all()
    assert (market.units.chosen[:6] == -1).all() and (market.units.chosen[6:] == 0).all()
    assert (market.units.brand[[0, 2, 3, 5]] == 0).all()
    assert_moves_allowed(before, moment)
    assert people_per_moment(market).sum() == people


def test_a_fixed_cycle_brings_the_need_back_after_exactly_the_cycle():
    market = in_umot(loyalty={"fixed_cycle": True, "repurchase_days": 30})
    finish_feedback(market, draws("feedback"))
    assert (market.units.until[:6] == market.day + 30).all()


def test_a_cycle_of_zero_means_the_need_never_recurs():
    market = in_umot(loyalty={"repurchase_days": 0})
    finish_feedback(market, draws("feedback"))
    assert (market.units.until[:6] > market.day + 10**9).all()
