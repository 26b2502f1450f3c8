"""Each strategy moves its own measure the right way, and its cost is booked exactly.

Mechanism tests are paired over seeds (common random numbers): the same seeds with and without
the strategy, and a one-sided 95% t-interval on the per-seed differences that must exclude 0.
They run in a focal-only market: with two identical brands the market tips to one of them by
chance (positive word of mouth feedback), which would swamp any one lever's effect.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from scipy import stats

from sim.market.keyed_draws import KeyedDraws
from sim.model import JourneyModel
from sim.runner import run_once
from sim.scenario.config import ScenarioError, validate_scenario
from sim.strategies import REGISTRY

SEEDS = tuple(range(6))
"""6 paired seeds: enough for effects of a few paired SDs (one-sided t_{0.95, 5} = 2.02)."""


def scenario(
    strategies: dict | None = None, market: str = "b2c", days: int = 150, n: int = 1000, **brand
):
    """A small focal-only market, optionally with strategies switched on."""
    focal = dict(brand, strategies=strategies or {})
    raw = {
        "days": days,
        "population": {"n_consumers": n if market == "b2c" else 3 * n, "market": market},
        "brands": {"focal": focal},
    }
    return validate_scenario(raw, "test")


@functools.cache
def totals(frozen: str, seed: int) -> dict:
    """KPIs and daily totals of one run (cached: baselines are shared between tests)."""
    result = run_once(scenario(**json.loads(frozen)), seed)
    total = result.daily.sum(numeric_only=True)
    rates = {
        # per-purchase rates: how many people buy drifts from run to run (word of mouth feeds
        # on itself), so a lever acting on each buyer shows more clearly per purchase
        "critic_share": total["critics"] / (total["critics"] + total["advocates"]),
        "reviews_per_purchase": total["reviews"] / total["purchases"],
    }
    return {**total.to_dict(), **result.kpis, **rates}


def assert_positive(diff: np.ndarray) -> None:
    """The one-sided 95% paired t lower bound of the mean difference is above 0."""
    half = stats.t.ppf(0.95, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
    assert diff.mean() - half > 0, f"paired differences {diff}"


def assert_moves(measure: str, strategies: dict, direction: int, **spec) -> None:
    """`measure` moves in `direction` with the strategies on, paired over `SEEDS`."""
    on = json.dumps(dict(spec, strategies=strategies), sort_keys=True)
    off = json.dumps(dict(spec, strategies={}), sort_keys=True)
    diff = [totals(on, s)[measure] - totals(off, s)[measure] for s in SEEDS]
    assert_positive(direction * np.array(diff))


def test_follow_up_email_leaves_fewer_critics():
    assert_moves("critic_share", {"follow_up_email": {}}, -1)


def test_review_solicitation_raises_reviews():
    assert_moves("reviews_per_purchase", {"review_solicitation": {}}, +1)


def test_delayed_review_requests_beat_immediate_ones():
    def spec(delay_days: int) -> str:
        table = {"delay_days": delay_days, "response_rate": 0.5}
        return json.dumps({"strategies": {"review_solicitation": table}}, sort_keys=True)

    late, early = spec(21), spec(0)
    measure = "reviews_per_purchase"
    assert_positive(np.array([totals(late, s)[measure] - totals(early, s)[measure] for s in SEEDS]))


def test_review_requests_reach_the_moderates_most():
    settings = REGISTRY["review_solicitation"].settings_type()
    strategy = REGISTRY["review_solicitation"](settings, 0, KeyedDraws(0))
    chance = strategy.request_chance(np.arange(1, 6))
    assert chance[2] == chance.max() and chance[0] < chance[2] and chance[4] < chance[2]


def test_fast_replies_recover_critics_at_the_stated_rate():
    strategies = {"reply_to_reviews": {"share_replied": 1.0, "reply_days": 2, "p_recover": 0.6}}
    model = JourneyModel(
        scenario(strategies, days=150, n=3000, p_problem=0.3), seed=5, with_agents=False
    )
    model.run()
    (reply,) = model.market.strategies
    n, p = reply.critics_replied, 0.6 * 0.5 ** (2 / 2.0)  # half-life 2 days halves the chance
    assert n > 30
    # binomial: recovered ~ Bin(n, p); 4 SDs keep false alarms below 1 in 10,000
    assert abs(reply.recovered - n * p) < 4 * math.sqrt(n * p * (1 - p))


def test_replies_raise_the_rating_readers_see_and_review_volume():
    from sim.journey.research import reviews_pull

    model = JourneyModel(scenario({"reply_to_reviews": {}}), seed=1, with_agents=False)
    market = model.market
    market.brands.stars[0] = [30, 20, 20, 40, 90]
    silent = reviews_pull(market)[0]
    market.brands.replied[0] = 50  # every negative review answered
    assert reviews_pull(market)[0] > silent
    (reply,) = market.strategies
    chance = np.full(4, 0.2)
    boosted = reply.review_chance(market, np.arange(4), np.zeros(4, int), np.full(4, 1), chance)
    assert boosted == pytest.approx(0.2 * 1.12)  # Proserpio & Zervas 2017: +12% volume


def cohort_market(strategies: dict, seed: int, **brand):
    """A fresh market (strategies set up) and 600 of its units, for one-rule experiments."""
    model = JourneyModel(scenario(strategies, **brand), seed=seed, with_agents=False)
    market = model.market
    units = np.flatnonzero(market.units.moment == 0)[:600]
    return market, units


def shelf_purchases(strategies: dict, seed: int, **brand) -> int:
    """Focal purchases when 600 units face the shelf today, on fixed keyed draws."""
    from sim.journey.shelf import choose_at_shelf

    market, units = cohort_market(strategies, seed, **brand)
    market.people.aware[market.units.start[units], 0] = True
    market.move(units, 2)  # Moment.FMOT, due today
    choose_at_shelf(market, KeyedDraws(seed).scope("choice"))
    return int((market.units.chosen[units] == 0).sum())


def research_attitude(strategies: dict, seed: int, **brand) -> float:
    """Mean focal attitude of 600 researchers after consulting sources, on fixed keyed draws."""
    from sim.journey.research import consult

    market, units = cohort_market(strategies, seed, **brand)
    buyers = market.units.start[units]
    consult(market, buyers, units, KeyedDraws(seed).scope("research"))
    return float(market.people.attitude[buyers, 0].mean())


# The next three tests share the rule's random draws between the two arms (common random
# numbers at the draw level), so a lever that helps can only add buyers or attitude; the
# paired t-bound over seeds then checks the mean gain is real, not one lucky draw.


def test_shelf_quality_wins_more_buyers_at_the_shelf():
    diff = [
        shelf_purchases({"shelf_quality": {}}, s, shelf_quality=0.2)
        - shelf_purchases({}, s, shelf_quality=0.2)
        for s in SEEDS
    ]
    assert_positive(np.array(diff, dtype=float))


def test_faq_content_lifts_researchers_attitude():
    diff = [research_attitude({"faq_content": {}}, s) - research_attitude({}, s) for s in SEEDS]
    assert_positive(np.array(diff))


def test_platform_presence_lifts_researchers_attitude():
    diff = [
        research_attitude({"platform_presence": {}}, s) - research_attitude({}, s) for s in SEEDS
    ]
    assert_positive(np.array(diff))


def test_advertising_starts_journeys():
    assert_moves("triggered_ads", {"advertising": {"reach_daily": 0.2}}, +1)


def test_influencer_campaign_starts_journeys():
    assert_moves("triggered_influencer", {"influencer_campaign": {"n_influencers": 10}}, +1)


def test_onboarding_cuts_b2b_critics():
    assert_moves("critic_share", {"onboarding": {"p_onboarded": 1.0}}, -1, market="b2b")


def test_faster_customer_service_resolves_more_problems():
    assert_moves("resolved", {"customer_service": {}}, +1)


def test_retention_content_brings_customers_back():
    strategies = {"retention_content": {"p_opt_in": 1.0, "p_accept_refill": 0.8}}
    assert_moves("repeat_purchase_rate", strategies, +1, days=200)
    assert_moves("direct_rebuys", strategies, +1, days=200)


def test_referral_programme_starts_journeys():
    assert_moves("triggered_referral", {"referral": {"p_refer": 1.0}}, +1)


def test_quality_crisis_makes_critics():
    assert_moves("critic_share", {"quality_crisis": {}}, +1)


def run_model(strategies: dict, days: int = 120, market: str = "b2c", brand: str = "focal"):
    """A model run for `days`, with the strategies on the given brand (cost checks)."""
    raw = {
        "days": days,
        "population": {"n_consumers": 1500, "market": market},
        "brands": {"focal": {}, "rival": {}},
    }
    raw["brands"][brand] = {"strategies": strategies}
    model = JourneyModel(validate_scenario(raw, "test"), seed=3, with_agents=False)
    return model.run()


COSTS = {
    "follow_up_email": ({"cost_per_email_usd": 0.07}, lambda s, d: s.emails * 0.07),
    "review_solicitation": ({"channel": "sms"}, lambda s, d: s.requests * 0.03),
    # every negative review answered: a small market posts only a few in 120 days
    "reply_to_reviews": (
        {"cost_per_reply_usd": 4.0, "share_replied": 1.0},
        lambda s, d: s.replies * 4.0,
    ),
    "faq_content": (
        {"coverage": 0.8, "n_questions": 50, "howto_platforms": ["search"]},
        lambda s, d: 20 * 150.0 + math.ceil(d / 30) * 500.0,
    ),
    "platform_presence": ({"social_video": None}, lambda s, d: math.ceil(d / 30) * 3 * 1000.0),
    "advertising": ({"frequency": 3}, lambda s, d: s.impressions / 1000 * 10.0),
    "influencer_campaign": ({}, lambda s, d: s.followers_reached * 0.01),
    "shelf_quality": ({"redesign_cost_usd": 1234.0}, lambda s, d: 1234.0),
    "onboarding": ({}, lambda s, d: s.new_accounts * 300.0 + s.renewals * 50.0),
    "customer_service": (
        {"cost_per_day_usd": 250.0, "cost_per_contact_usd": 9.0},
        lambda s, d: d * 250.0 + s.contacts * 9.0,
    ),
    "retention_content": ({}, lambda s, d: s.emails * 0.02 + s.offers * 0.5),
    "referral": ({"p_refer": 1.0}, lambda s, d: s.rewarded * 20.0),
    "quality_crisis": ({"recall_cost_usd": 777.0, "end_day": 90}, lambda s, d: 777.0),
    "newsletter": ({"p_subscribe": 1.0, "cost_per_email_usd": 0.03}, lambda s, d: s.emails * 0.03),
    "live_chat": ({"p_ask": 1.0, "cost_per_chat_usd": 5.0}, lambda s, d: s.answered * 5.0),
    "seeding": ({"n_seeds": 30, "cost_per_seed_usd": 4.0}, lambda s, d: len(s.seeded) * 29.0),
    "win_back": (
        {"open_rate": 1.0, "discount_usd": 7.0, "delay_days": 5},
        lambda s, d: s.offers * 0.05 + s.redeemed * 7.0,
    ),
}


MARKET_OF = {"onboarding": "b2b"}
"""Strategies checked in a B2B market (they are refused in B2C)."""


def test_every_strategy_has_a_cost_check():
    assert set(COSTS) == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(COSTS))
def test_cost_is_actions_times_unit_cost(name):
    settings, expected = COSTS[name]
    days = 120
    model = run_model({name: settings}, days, market=MARKET_OF.get(name, "b2c"))
    (strategy,) = model.market.strategies
    booked = model.daily()["strategy_cost_usd"].sum()
    assert booked == pytest.approx(expected(strategy, days), rel=1e-9)
    if name not in ("shelf_quality", "platform_presence", "quality_crisis"):
        assert booked > 0, "the strategy acted at least once in 120 days"


def test_competitor_strategies_act_but_are_not_billed_to_the_focal_brand():
    model = run_model({"advertising": {"reach_daily": 0.2}}, brand="rival")
    daily = model.daily()
    assert daily["strategy_cost_usd"].sum() == 0
    assert daily["triggered_ads"].sum() > 0
    assert model.market.people.aware[:, 1].mean() > model.market.people.aware[:, 0].mean()


def test_quality_crisis_restores_the_problem_rate():
    model = run_model({"quality_crisis": {"start_day": 10, "end_day": 20, "p_problem": 0.9}}, 30)
    assert model.market.brands.p_problem[0] == pytest.approx(0.08)


def test_b2c_onboarding_is_refused_not_billed_for_nothing():
    raw = {"brands": {"focal": {"strategies": {"onboarding": {}}}}}
    with pytest.raises(ScenarioError, match=r"strategies.onboarding: acts in B2B markets only"):
        validate_scenario(raw, "x.toml")
    raw["brands"]["focal"]["strategies"]["onboarding"]["enabled"] = False  # switched off: fine
    validate_scenario(raw, "x.toml")


def test_bad_strategy_settings_name_the_key():
    raw = {"brands": {"focal": {"strategies": {"quality_crisis": {"start_day": 9, "end_day": 3}}}}}
    with pytest.raises(ScenarioError, match=r"brands.focal.strategies.quality_crisis"):
        validate_scenario(raw, "x.toml")
