"""The strategies issue 17 added or mended move their measure the right way.

Same method as `test_strategies.py`: paired seeds (common random numbers) in a small
focal-only market, where no rival brand can tip the market, and a one-sided 95% paired t bound
that must exclude 0. Each test compares the strategy against the same market without it (or
with its lever at 0), so the answer is clear by construction.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_strategies import SEEDS, assert_positive, scenario, totals

from sim.model import JourneyModel
from sim.strategies.coupons import Coupons, discount_attitude


def paired(measure: str, on: dict, off: dict, **spec) -> np.ndarray:
    """Per-seed differences of `measure` between two strategy tables on the same seeds."""
    arm_on = json.dumps(dict(spec, strategies=on), sort_keys=True)
    arm_off = json.dumps(dict(spec, strategies=off), sort_keys=True)
    return np.array([totals(arm_on, s)[measure] - totals(arm_off, s)[measure] for s in SEEDS])


def fresh_market(strategies: dict | None = None):
    """A small market, built and set up but not run."""
    return JourneyModel(scenario(strategies), seed=1, with_agents=False).market


def test_a_discount_pulls_at_the_shelf_as_its_price_cut_would():
    market = fresh_market()
    choice = market.scenario.choice
    gain = discount_attitude(market, 0, 10.0)  # $10 off $50
    assert choice.weight_attitude * gain == pytest.approx(
        choice.price_sensitivity * np.log2(50 / 40)
    )
    assert discount_attitude(market, 0, 0.0) == 0.0


def test_a_code_adds_its_pull_until_used_or_expired():
    market = fresh_market()
    people = np.array([3, 5, 5, 9])
    before = market.people.attitude[:, 0].copy()
    coupons = Coupons(market.people.n, 0)
    granted = coupons.grant(market, people, 0.25, valid_days=2)
    assert list(granted) == [3, 5, 9]  # one code a person
    assert market.people.attitude[5, 0] == pytest.approx(before[5] + 0.25)
    assert market.people.aware[[3, 5, 9], 0].all()
    coupons.withdraw(market, np.array([3]))  # used
    assert market.people.attitude[3, 0] == pytest.approx(before[3])
    market.day += 2
    coupons.expire(market)  # valid through day + 2: still held
    assert coupons.holding(np.array([5, 9]), market.day).all()
    market.day += 1
    coupons.expire(market)
    assert not coupons.holding(np.array([5, 9]), market.day).any()
    assert market.people.attitude[[5, 9], 0] == pytest.approx(before[[5, 9]])


def test_the_friends_reward_wins_more_referred_customers():
    base = {"p_refer": 1.0, "reward_referrer_usd": 10.0}
    rewarded = {"referral": dict(base, reward_friend_usd=25.0)}
    unrewarded = {"referral": dict(base, reward_friend_usd=0.0)}
    assert_positive(paired("new_customers", rewarded, unrewarded, days=200))


def test_referral_programme_wins_customers():
    assert_positive(paired("new_customers", {"referral": {"p_refer": 1.0}}, {}, days=200))


def test_win_back_offers_bring_lost_customers_back():
    offers = {"win_back": {"open_rate": 1.0, "p_reactivate": 0.5, "delay_days": 5}}
    assert_positive(paired("customers_end", offers, {}, days=200))
    model = JourneyModel(scenario(offers, days=200), seed=2, with_agents=False)
    model.run()
    (win_back,) = model.market.strategies
    assert win_back.offers > 20 and win_back.reactivated > 5 and win_back.redeemed > 0


def test_a_newsletter_to_prospects_wins_customers():
    newsletter = {"newsletter": {"p_subscribe": 1.0}}
    assert_positive(paired("new_customers", newsletter, {}, days=150))


def test_live_chat_wins_customers_within_its_hours():
    chat = {"live_chat": {"p_ask": 1.0, "hours_coverage": 1.0}}
    assert_positive(paired("new_customers", chat, {}, days=150))


def test_a_complete_faq_leaves_nobody_to_chat_with():
    model = JourneyModel(
        scenario({"live_chat": {"p_ask": 1.0}}, days=60, faq_coverage=1.0),
        seed=3,
        with_agents=False,
    )
    model.run()
    assert model.market.strategies[0].asked == 0


def test_worn_out_ads_start_fewer_journeys():
    fresh = {"advertising": {"reach_daily": 0.2}}
    worn = {"advertising": {"reach_daily": 0.2, "wear_out": 0.5}}
    assert_positive(paired("triggered_ads", fresh, worn))
    assert_positive(paired("new_customers", fresh, worn))


def test_wear_out_shrinks_each_remembered_exposure():
    table = {"reach_daily": 1.0, "frequency": 2, "wear_out": 0.5, "attitude_gain": 0.1}
    market = fresh_market({"advertising": table})
    (ads,) = market.strategies
    before = market.people.attitude[:, 0].copy()
    ads.on_day(market)  # everyone seen twice: 0.1 + 0.1 x 0.5
    assert market.people.attitude[:, 0] - before == pytest.approx(np.full(len(before), 0.15))
    market.day += 30  # one half-life later: 2 remembered -> 1
    middle = market.people.attitude[:, 0].copy()
    ads.on_day(market)  # 0.1 x (0.5 + 0.25)
    assert market.people.attitude[:, 0] - middle == pytest.approx(np.full(len(before), 0.075))
