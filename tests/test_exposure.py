"""Exposure (`sim.journey.exposure.expose`): one way for ads, influencers, referral and word of
mouth to make a brand known and liked, with repeated exposures adding up."""

from __future__ import annotations

import numpy as np
from tiny_market import draws, tiny_market

from sim.journey.exposure import expose
from sim.strategies.coupons import discount_attitude
from sim.strategies.referral import Referral, ReferralSettings


def test_exposure_makes_the_brand_known_and_liked_by_the_gain():
    market = tiny_market(6)
    before, aware = market.people.attitude.copy(), market.people.aware.copy()
    expose(market, np.array([1, 4]), 0, 0.25)
    assert market.people.aware[[1, 4], 0].all()
    np.testing.assert_array_equal(market.people.aware[[0, 2, 3, 5]], aware[[0, 2, 3, 5]])
    np.testing.assert_allclose(market.people.attitude[[1, 4], 0] - before[[1, 4], 0], 0.25)
    np.testing.assert_array_equal(market.people.attitude[:, 1], before[:, 1])


def test_repeated_exposures_add_up():
    """Person 2 exposed three times gains three times (fancy-index `+=` would count once)."""
    market = tiny_market(6)
    before = float(market.people.attitude[2, 1])
    expose(market, np.array([2, 2, 2]), np.array([1, 1, 1]), np.array([0.1, 0.2, -0.05]))
    assert np.isclose(market.people.attitude[2, 1] - before, 0.25, atol=1e-6)


def test_nobody_exposed_changes_nothing():
    market = tiny_market(4)
    before = market.people.attitude.copy(), market.people.aware.copy()
    expose(market, np.zeros(0, dtype=np.int64), 0, 1.0)
    np.testing.assert_array_equal(market.people.attitude, before[0])
    np.testing.assert_array_equal(market.people.aware, before[1])


def test_a_friend_referred_twice_gains_twice(monkeypatch):
    """Two advocates who pick the same friend give that friend two referrals' worth of liking,
    as two word-of-mouth messages would (the strategies and word of mouth share `expose`), and
    one discount code: a friend holds one code at a time."""
    market = tiny_market(6)
    people = market.people
    people.stance[[0, 1]] = 1
    people.stance_brand[[0, 1]] = 0
    window = int(np.rint(market.scenario.feedback.feedback_days))
    people.talk_until[[0, 1]] = market.day - 1 + window
    referral = Referral(
        ReferralSettings(enabled=True, p_refer=1.0), 0, draws("strategy:focal:referral")
    )
    referral.setup(market)
    monkeypatch.setattr(
        type(market.graph), "random_contact", lambda self, who, pick: (np.full(len(who), 5), None)
    )
    before = float(people.attitude[5, 0])
    referral.on_day(market)
    gain = market.scenario.feedback.weight_wom
    code = discount_attitude(market, 0, referral.settings.reward_friend_usd)  # one code held
    assert np.isclose(people.attitude[5, 0] - before, 2 * gain + code, atol=1e-6)
    assert people.aware[5, 0]
