"""A non-linear B2B journey (`choice.p_loop_back_on_dissent`, `scenarios/b2b_non_linear.toml`):
a buying centre whose deciders favour different brands loops back to research."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats
from tiny_market import assert_moves_allowed, draws, place, tiny_market

from sim.journey.shelf import choose_at_shelf, deciders_disagree
from sim.market.moments import Moment
from sim.market.population import Role
from sim.model import JourneyModel
from sim.scenario.config import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
B2B = {"market": "b2b", "influencers_per_unit": 1, "end_users_per_unit": 1}


def centres_at_the_shelf(p_loop: float):
    """Four buying centres of buyer, influencer and end user, all at FMOT today, aware of both
    brands: centres 0 and 1 agree (both favour the focal brand), 2 and 3 disagree."""
    market = tiny_market(n=12, population=B2B, choice={"p_loop_back_on_dissent": p_loop})
    people = market.people
    people.aware[:] = True
    people.attitude[:] = np.array([1.0, 0.0], dtype=np.float32)
    influencers = np.flatnonzero(people.role & Role.INFLUENCER)
    dissenters = influencers[people.unit[influencers] >= 2]
    people.attitude[dissenters] = np.array([0.0, 1.0], dtype=np.float32)
    place(market, np.arange(market.units.n), Moment.FMOT, days=0)
    return market


def test_deciders_who_favour_different_brands_disagree():
    market = centres_at_the_shelf(1.0)
    units = np.arange(market.units.n)
    assert deciders_disagree(market, units).tolist() == [False, False, True, True]


def test_centres_that_disagree_loop_back_to_research_and_the_others_choose():
    market = centres_at_the_shelf(1.0)
    before = market.units.moment.copy()
    choose_at_shelf(market, draws("choice"))
    after = market.units.moment
    assert (after[2:] == Moment.ZMOT).all()
    assert (after[:2] != Moment.FMOT).all() and (after[:2] != Moment.ZMOT).all()
    assert_moves_allowed(before, after)


def test_a_strict_sequence_never_loops_back():
    """The negative control: with the chance at 0, disagreeing centres choose as well."""
    market = centres_at_the_shelf(0.0)
    choose_at_shelf(market, draws("choice"))
    assert not (market.units.moment == Moment.ZMOT).any()


def mean_researching(name: str, seed: int) -> float:
    """Mean people at ZMOT a day (members of researching centres), 3,000 people, 180 days."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    model = JourneyModel(scenario, population__n_consumers=3000, days=180, seed=seed).run()
    return float(model.daily()["people_zmot"].mean())


def test_looping_back_keeps_more_buying_centres_in_research():
    """Paired on four seeds, one-sided t-test at alpha = 0.01."""
    gains = [
        mean_researching("b2b_non_linear", s)
        - mean_researching("b2b_subscription_no_onboarding", s)
        for s in range(1, 5)
    ]
    assert stats.ttest_1samp(gains, 0.0, alternative="greater").pvalue < 0.01
