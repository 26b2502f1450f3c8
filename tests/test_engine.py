"""The journey engine: allowed moves, conservation, reproducibility, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim import JourneyModel, Moment
from sim.market.moments import is_allowed
from sim.market.state import Market
from sim.runner import run_once


@pytest.fixture
def move_log(monkeypatch):
    """Record every (before, after) moment pair the rules apply."""
    pairs: set[tuple[int, int]] = set()
    original = Market.move

    def logged(self, units, moment, days=0):
        for before in np.unique(self.units.moment[units]):
            pairs.add((int(before), int(moment)))
        original(self, units, moment, days)

    monkeypatch.setattr(Market, "move", logged)
    return pairs


@pytest.mark.parametrize("market", ["b2c", "b2b"])
def test_only_allowed_moves_happen(move_log, market):
    model = JourneyModel(small_scenario(population={"market": market}), seed=3)
    model.run()
    assert move_log, "the rules moved nobody"
    bad = [(Moment(a).label, Moment(b).label) for a, b in move_log if not is_allowed(a, b)]
    assert not bad
    # the whole journey is exercised, not only part of it
    assert {m for pair in move_log for m in pair} == set(Moment)


@pytest.mark.parametrize("kind", ["small_world", "scale_free", "cliques", "mixed"])
def test_people_are_conserved_every_day(kind):
    scenario = small_scenario(network={"kind": kind}, population={"market": "b2b"})
    daily = run_once(scenario, seed=5).daily
    people = daily[[c for c in daily.columns if c.startswith("people_")]].sum(axis=1)
    assert (people == scenario.population.n_consumers).all()


def test_same_seed_same_run_and_different_seed_different_run():
    scenario = small_scenario()
    first, again, other = (run_once(scenario, seed=s).daily for s in (11, 11, 12))
    assert first.equals(again)
    assert not first.equals(other)


def test_mesa_agents_are_views_onto_the_columns():
    model = JourneyModel(small_scenario(population={"market": "b2b"}), seed=1)
    model.run(30)
    assert len(model.agents) == model.market.people.n
    by_moment = model.agents.groupby(lambda agent: agent.moment.label).count()
    assert by_moment == {k: v for k, v in model.people_per_moment().items() if v}
    agent = next(iter(model.agents))
    agent_units = model.market.people.unit[agent.row]
    assert agent.moment == Moment(model.market.units.moment[agent_units])


def test_no_problems_when_p_problem_is_zero_and_all_when_one():
    zero = {"p_problem": 0.0, "p_damaged": 0.0}
    one = {"p_problem": 1.0, "p_damaged": 0.0}
    none = run_once(small_scenario(brands={"focal": zero}), seed=2).daily
    every = run_once(small_scenario(brands={"focal": one}), seed=2).daily
    assert none["problems"].sum() == 0
    assert none["returns"].sum() == 0
    assert every["problems"].sum() == every["purchases"].sum() > 0


def test_no_reviews_when_posting_chances_are_zero():
    quiet = {"p_review_unsatisfied": 0.0, "p_review_indifferent": 0.0, "p_review_satisfied": 0.0}
    daily = run_once(small_scenario(feedback=quiet), seed=4).daily
    assert daily["reviews"].sum() == 0
    assert daily["experiences"].sum() > 0


def test_everyone_reviews_when_posting_chances_are_one():
    loud = {
        "p_review_unsatisfied": 1.0,
        "p_review_indifferent": 1.0,
        "p_review_satisfied": 1.0,
        "moderate_reporting": 1.0,
    }
    daily = run_once(small_scenario(feedback=loud), seed=4).daily
    assert daily["reviews"].sum() == daily["experiences"].sum() > 0


def test_certain_exit_means_nobody_rebuys_directly():
    daily = run_once(small_scenario(loyalty={"p_leave_category": 1.0}), seed=6).daily
    assert daily["direct_rebuys"].sum() == 0
    assert daily["left_category"].sum() > 0


def test_no_stimulus_no_journeys():
    scenario = small_scenario(
        population={"p_need_daily": 0.0},
        brands={"focal": {"initial_share": 0.0}, "rival": {"initial_share": 0.0}},
    )
    daily = run_once(scenario, seed=1).daily
    assert daily["people_pre_zmot"].eq(scenario.population.n_consumers).all()
    assert daily["purchases"].sum() == daily["rival_purchases"].sum() == 0


def test_review_rates_match_settings_within_binomial_tolerance():
    """Posted / private ratings per star ~ Binomial(n, p_star): within 4 SD for each star.

    Four stars tested at 4 SD: family-wise false-alarm chance < 5 x 6.3e-5.
    """
    feedback = {"extremity_boost": 1.0, "moan_boost": 1.0, "moderate_reporting": 1.0}
    scenario = small_scenario(feedback=feedback, population={"n_consumers": 5000}, days=240)
    model = JourneyModel(scenario, seed=8, with_agents=False).run()
    brands = model.market.brands
    posted, private = brands.stars.sum(axis=0), brands.private_stars.sum(axis=0)
    fb = scenario.feedback
    p = np.array(
        [fb.p_review_unsatisfied] * 2 + [fb.p_review_indifferent] + [fb.p_review_satisfied] * 2
    )
    tested = private >= 50
    assert tested.sum() >= 3
    sd = np.sqrt(private * p * (1 - p))
    z = (posted - private * p) / sd
    assert np.all(np.abs(z[tested]) < 4), z


def test_switching_on_a_do_nothing_strategy_changes_no_other_draw():
    """Common random numbers: a strategy draws from its own stream only."""
    inert = {"open_rate": 0.0, "attitude_gain": 0.0, "cost_per_email_usd": 0.0}
    plain = run_once(small_scenario(), seed=9).daily
    with_strategy = small_scenario(brands={"focal": {"strategies": {"follow_up_email": inert}}})
    assert run_once(with_strategy, seed=9).daily.equals(plain)


def test_the_daily_table_since_a_day_is_the_rest_of_the_whole_table():
    model = JourneyModel(small_scenario(days=20, warmup_days=5, seed=3), with_agents=False)
    for _ in range(12):
        model.step()
    whole = model.daily()
    rest = model.daily(since=9)
    assert list(rest["day"]) == [10, 11, 12]
    pd.testing.assert_frame_equal(rest, whole.iloc[9:].reset_index(drop=True))
