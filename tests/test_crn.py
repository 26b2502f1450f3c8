"""Common random numbers across arms: a strategy changes only what it touches.

Two arms of a comparison (no strategy vs a strategy) run in lockstep, one day at a time. With
keyed draws (`sim.market.keyed_draws`) a person the strategy did not reach makes the same draws in
both arms, so on each day the only people whose state may differ are those the strategy acted
on, those who already differed, and people within two ties of them (a friend asked at research,
then a message sent after buying differently: the longest chain the day's order allows; a
social influencer's followers count as tied to them). With
one stream per rule drawn in cohort order, a change in who is in one cohort shifts everybody's
later draws, and the difference spreads to the whole market in a few days.

Reviews are switched off in these markets: a review changes the public rating every researcher
reads, a real effect that reaches everyone and would hide the property tested here.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from helpers import small_scenario

from sim.market.population import People, Units
from sim.model import JourneyModel
from sim.runner import run_once
from sim.strategies import REGISTRY

NO_REVIEWS = {
    "p_review_unsatisfied": 0.0,
    "p_review_indifferent": 0.0,
    "p_review_satisfied": 0.0,
}


def person_state(market) -> np.ndarray:
    """One row per person: every person column and their unit's columns, as float64."""
    people, units = market.people, market.units
    columns = []
    for f in fields(People):
        column = getattr(people, f.name).astype(np.float64)
        columns.append(column.reshape(people.n, -1))
    for f in fields(Units):
        column = getattr(units, f.name).astype(np.float64)
        columns.append(column[people.unit].reshape(people.n, -1))
    return np.hstack(columns)


def differing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """People whose rows differ (NaN-safe)."""
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same.all(axis=1)


def within_two_ties(market, who: np.ndarray) -> np.ndarray:
    """`who` (a mask over people) and everyone one or two ties away; a social influencer's
    audience counts as tied to them (a post reaches every follower)."""
    graph, reach = market.graph, who.copy()
    source = np.repeat(np.arange(graph.n), graph.degree())
    target = graph.contacts.astype(np.int64)
    posts = np.repeat(market.influencers, np.diff(market.audience_start))
    source = np.concatenate([source, posts])
    target = np.concatenate([target, market.audience.astype(np.int64)])
    for _ in range(2):
        reach[target[reach[source]]] = True
        reach |= np.isin(market.people.unit, market.people.unit[reach])  # whole buying units
    return reach


def lockstep(strategy: dict, days: int, seed: int = 11) -> dict[str, int]:
    """Run both arms day by day; assert untouched people stay identical; return counts."""
    plain = JourneyModel(scenario({}), seed=seed, with_agents=False)
    treated = JourneyModel(scenario(strategy), seed=seed, with_agents=False)
    (component,) = treated.market.strategies
    acted = {}

    def on_day_then_snapshot(market, original=component.on_day):
        original(market)
        acted["state"] = person_state(market)

    component.on_day = on_day_then_snapshot
    counts = {"days_with_action": 0, "max_differing": 0, "untouched_checked": 0}
    for _ in range(days):
        before = person_state(plain.market)  # the plain arm has no strategy to act
        acted["state"] = person_state(treated.market)  # as it stays on days it does not act
        treated.step()
        plain.step()
        touched = differing(acted["state"], before)  # differed already, or acted on today
        reach = within_two_ties(treated.market, touched)
        now = differing(person_state(treated.market), person_state(plain.market))
        assert not (now & ~reach).any(), f"day {plain.market.day - 1}: untouched people differ"
        counts["days_with_action"] += int(touched.any())
        counts["max_differing"] = max(counts["max_differing"], int(now.sum()))
        counts["untouched_checked"] += int((~reach).sum())
    return counts


def scenario(strategies: dict):
    return small_scenario(
        feedback=NO_REVIEWS, brands={"focal": {"strategies": strategies}, "rival": {}}
    )


def test_a_follow_up_email_leaves_everyone_it_did_not_reach_unchanged():
    """With one stream per rule this fails on day 25 (checked on the engine before keyed draws)."""
    strategy = {"follow_up_email": {"open_rate": 0.6, "p_resolves": 1.0, "attitude_gain": 0.5}}
    counts = lockstep(strategy, days=60)
    assert counts["days_with_action"] > 40 and counts["max_differing"] > 20
    assert counts["untouched_checked"] > 15_000  # people-days outside the reach, all identical


def test_refill_offers_that_change_the_shelf_cohort_leave_the_others_unchanged():
    """Takers go straight to the shelf the day they accept. With draws in cohort order every
    later unit at the shelf would get another unit's Gumbel noise (that engine fails on day 2)."""
    offers = {"p_opt_in": 0.5, "p_accept_refill": 0.8, "attitude_gain": 0.0}
    counts = lockstep({"retention_content": offers}, days=60)
    assert counts["days_with_action"] > 40 and counts["max_differing"] > 20
    assert counts["untouched_checked"] > 15_000


def test_market_building_draws_are_the_same_whatever_the_strategies():
    """People, units, ties and audiences are drawn before any strategy exists."""
    everything = {name: {} for name, cls in REGISTRY.items() if "b2c" in cls.markets}
    plain = JourneyModel(small_scenario(), seed=4, with_agents=False).market
    busy = JourneyModel(
        small_scenario(brands={"focal": {"strategies": everything}, "rival": {}}),
        seed=4,
        with_agents=False,
    ).market
    assert len(busy.strategies) == len(everything)
    assert not differing(person_state(plain), person_state(busy)).any()
    for name in ("start", "contacts", "strong"):
        assert np.array_equal(getattr(plain.graph, name), getattr(busy.graph, name))
    assert np.array_equal(plain.influencers, busy.influencers)
    assert np.array_equal(plain.audience, busy.audience)


INERT = {
    "follow_up_email": {"open_rate": 0.0, "attitude_gain": 0.0, "cost_per_email_usd": 0.0},
    "advertising": {"reach_daily": 0.0, "cpm_usd": 0.0},
    "referral": {"p_refer": 0.0},
    "reply_to_reviews": {"share_replied": 0.0, "volume_gain": 0.0},
    "review_solicitation": {"response_rate": 0.0, "cost_per_request_usd": 0.0, "early_factor": 0.0},
    "retention_content": {"p_opt_in": 0.0},
    "win_back": {"open_rate": 0.0, "cost_per_offer_usd": 0.0},
    "seeding": {"n_seeds": 0, "cost_per_seed_usd": 0.0},
    "newsletter": {"open_rate": 0.0, "cost_per_email_usd": 0.0},
    "live_chat": {"hours_coverage": 0.0},
}


@pytest.mark.parametrize("name", sorted(INERT))
def test_an_inert_strategy_changes_nothing(name):
    """A strategy that draws but does nothing leaves every daily number exactly as it was."""
    plain = run_once(small_scenario(days=90), seed=9).daily
    inert = small_scenario(days=90, brands={"focal": {"strategies": {name: INERT[name]}}})
    assert run_once(inert, seed=9).daily.equals(plain)
