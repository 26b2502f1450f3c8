"""SMOT rule (`sim.journey.experience.finish_experience`) on an 8-person hand-built market."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_market import (
    assert_moves_allowed,
    counted,
    draws,
    people_per_moment,
    place,
    snapshot,
    tiny_market,
)

from sim.journey.experience import finish_experience
from sim.market.moments import Moment
from sim.market.population import Flag

SURE = {"satisfaction_sd": 0.0, "quality": 4.0}
"""A brand every user rates exactly at its quality."""


def using_market(flags: int = 0, focal: dict | None = None, experience: dict | None = None):
    """Units 0-5 end their SMOT with the focal brand today; units 6-7 in three days."""
    market = tiny_market(brands={"focal": {**SURE, **(focal or {})}}, experience=experience or {})
    place(market, range(6), Moment.SMOT, days=0, brand=0)
    place(market, [6, 7], Moment.SMOT, days=3, brand=0)
    market.units.flags[:] = flags
    market.units.acquired_day[:] = 0
    return market


def test_only_due_units_move_on_to_umot_for_the_feedback_window():
    market = using_market()
    before, until = snapshot(market)
    people = people_per_moment(market).sum()
    finish_experience(market, draws("experience"))
    after = market.units.moment
    assert (after[:6] == Moment.UMOT).all()
    assert (market.units.until[:6] == market.day + 7).all()
    assert (after[6:] == Moment.SMOT).all() and (market.units.until[6:] == until[6:]).all()
    assert_moves_allowed(before, after)
    assert people_per_moment(market).sum() == people


def test_trouble_free_use_rates_the_brand_at_its_quality():
    market = using_market()
    attitude = market.people.attitude[:, 0].copy()
    finish_experience(market, draws("experience"))
    assert (market.units.satisfaction[:6] == 4.0).all()
    assert (market.people.rating[:6] == 4).all()
    assert (market.people.rating[6:] == 0).all()  # not rated yet
    # one star above neutral moves attitude by weight_own_experience / 2
    assert market.people.attitude[:6, 0] == pytest.approx(attitude[:6] + 0.4)
    assert (market.people.attitude[6:, 0] == attitude[6:]).all()
    assert counted(market, "experiences") == 6


def test_unresolved_problem_with_certain_return_returns_every_due_unit():
    market = using_market(
        Flag.PROBLEM,
        focal={"p_contact_service": 0.0},
        experience={"p_return_if_unresolved": 1.0, "penalty_problem": 2.0},
    )
    finish_experience(market, draws("experience"))
    assert ((market.units.flags[:6] & Flag.RETURNED) > 0).all()
    assert (market.units.brand[:6] == -1).all()
    assert (market.units.brand[6:] == 0).all()
    assert (market.units.satisfaction[:6] == 2.0).all()  # quality 4 - problem 2
    assert counted(market, "returns") == 6
    assert counted(market, "revenue_usd") == -6 * 50.0
    assert (market.units.churn_day[:6] == market.day).all()


def test_no_return_when_the_return_chance_is_zero():
    market = using_market(
        Flag.PROBLEM, focal={"p_contact_service": 0.0}, experience={"p_return_if_unresolved": 0.0}
    )
    finish_experience(market, draws("experience"))
    assert (market.units.flags & Flag.RETURNED == 0).all()
    assert (market.units.brand == 0).all()
    assert counted(market, "returns") == 0


def test_certain_service_resolves_every_problem_and_earns_the_recovery_bonus():
    market = using_market(
        Flag.PROBLEM,
        focal={"p_contact_service": 1.0, "p_service_resolves": 1.0},
        experience={"p_return_if_unresolved": 1.0, "recovery_bonus": 0.25},
    )
    finish_experience(market, draws("experience"))
    assert ((market.units.flags[:6] & Flag.RESOLVED) > 0).all()
    assert (market.units.flags[6:] & Flag.RESOLVED == 0).all()  # not due: not served yet
    assert (market.units.flags & Flag.RETURNED == 0).all()
    assert (market.units.satisfaction[:6] == 4.25).all()
    assert counted(market, "resolved") == 6


def test_late_delivery_costs_its_penalty():
    market = using_market(Flag.LATE, experience={"penalty_late": 0.75})
    finish_experience(market, draws("experience"))
    assert (market.units.satisfaction[:6] == 3.25).all()
    assert (market.units.flags & Flag.RETURNED == 0).all()  # lateness alone is no trouble


def test_ratings_stay_between_one_and_five_stars():
    market = using_market(
        Flag.PROBLEM | Flag.DAMAGED | Flag.LATE,
        focal={"quality": 1.0, "p_contact_service": 0.0},
        experience={"p_return_if_unresolved": 0.0},
    )
    finish_experience(market, draws("experience"))
    assert (market.units.satisfaction[:6] == 1.0).all()
    assert (market.people.rating[:6] == 1).all()


def test_higher_quality_gives_higher_satisfaction():
    means = []
    for quality in (2.0, 3.0, 4.5):
        market = using_market(focal={"quality": quality, "satisfaction_sd": 0.7})
        finish_experience(market, draws("experience"))
        means.append(float(market.units.satisfaction[:6].mean()))
    assert means == sorted(means) and means[0] < means[-1]


@pytest.mark.parametrize(("p_onboarded", "expected"), [(1.0, 4.25), (0.0, 3.75)])
def test_b2b_satisfaction_is_the_end_users_mean_and_onboarding_moves_it(p_onboarded, expected):
    market = tiny_market(
        population={"market": "b2b"},  # one unit of 6 (buyer, 2 influencers, 3 end users), one of 2
        brands={"focal": {**SURE, "p_onboarded": p_onboarded}},
        experience={"onboarding_gain": 0.25},
    )
    place(market, [0, 1], Moment.SMOT, days=0, brand=0)
    finish_experience(market, draws("experience"))
    assert (market.units.satisfaction == expected).all()
    assert (market.people.rating == np.rint(expected)).all()  # non-users take the unit mean
    assert people_per_moment(market)[Moment.UMOT] == 8
