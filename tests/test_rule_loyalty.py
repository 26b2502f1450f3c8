"""Loyalty-loop rule (`sim.journey.loyalty.recur_needs`) on an 8-person hand-built market."""

from __future__ import annotations

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

from sim.journey.loyalty import recur_needs
from sim.market.moments import Moment
from sim.market.sources import Source


def loyal_market(satisfaction: float = 4.0, **loyalty):
    """Units 0-5 own a brand (0-3 the focal one) and their need recurs today; 6-7 in 10 days."""
    market = tiny_market(loyalty=loyalty)
    place(market, range(4), Moment.LOYALTY, days=0, brand=0)
    place(market, [4, 5], Moment.LOYALTY, days=0, brand=1)
    place(market, [6, 7], Moment.LOYALTY, days=10, brand=0)
    market.units.satisfaction[:] = satisfaction
    market.units.acquired_day[[0, 1, 2, 3, 6, 7]] = 0
    market.units.lead_source[:] = Source.ADS
    return market


def run(market):
    """Apply the rule once; check conservation, allowed moves and that non-due units stay."""
    before, until = snapshot(market)
    people = people_per_moment(market).sum()
    recur_needs(market, draws("loyalty"))
    assert_moves_allowed(before, market.units.moment)
    assert people_per_moment(market).sum() == people
    assert (market.units.moment[6:] == Moment.LOYALTY).all()
    assert (market.units.until[6:] == until[6:]).all()
    return market


def test_certain_leaving_sends_every_due_customer_out_of_the_category():
    market = run(loyal_market(p_leave_category=1.0))
    assert (market.units.moment[:6] == Moment.PRE_ZMOT).all()
    assert (market.units.brand[:6] == -1).all()
    assert (market.units.brand[6:] == 0).all()
    assert counted(market, "left_category") == 4  # focal customers only
    assert (market.units.churn_day[:4] == market.day).all()
    assert (market.units.churn_day[4:] == -1).all()


def test_satisfied_customers_rebuy_directly_when_that_is_certain():
    market = run(loyal_market(4.0, p_leave_category=0.0, p_rebuy_direct_satisfied=1.0))
    assert (market.units.moment[:6] == Moment.FMOT).all()
    assert (market.units.until[:6] == market.day).all()  # at the shelf today
    assert (market.units.brand[:6] == [0, 0, 0, 0, 1, 1]).all()  # still owners at the shelf
    assert counted(market, "direct_rebuys") == 6
    assert counted(market, "left_category") == 0


def test_satisfied_customers_research_when_direct_rebuying_is_off():
    market = run(loyal_market(4.0, p_leave_category=0.0, p_rebuy_direct_satisfied=0.0))
    assert (market.units.moment[:6] == Moment.ZMOT).all()
    assert (market.units.until[:6] >= market.day).all()
    assert counted(market, "direct_rebuys") == 0


@pytest.mark.parametrize(("p_indifferent", "moment"), [(1.0, Moment.FMOT), (0.0, Moment.ZMOT)])
def test_three_star_customers_follow_the_indifferent_chance(p_indifferent, moment):
    market = run(
        loyal_market(
            3.0,
            p_leave_category=0.0,
            p_rebuy_direct_satisfied=0.0,
            p_rebuy_direct_indifferent=p_indifferent,
        )
    )
    assert (market.units.moment[:6] == moment).all()


def test_unhappy_customers_never_rebuy_directly():
    market = run(
        loyal_market(
            2.0,
            p_leave_category=0.0,
            p_rebuy_direct_satisfied=1.0,
            p_rebuy_direct_indifferent=1.0,
        )
    )
    assert (market.units.moment[:6] == Moment.ZMOT).all()


def test_a_recurring_need_credits_the_unit_itself():
    market = run(loyal_market(p_leave_category=0.0))
    assert (market.units.lead_source[:6] == Source.NEED).all()
    assert (market.units.lead_gain[:6] == 0).all()
    assert (market.units.lead_source[6:] == Source.ADS).all()


def test_more_satisfaction_means_more_direct_rebuys():
    rebuys = []
    for satisfaction in (2.0, 3.0, 4.5):
        market = tiny_market(n=400, loyalty={"p_leave_category": 0.0})
        place(market, range(400), Moment.LOYALTY, days=0, brand=0)
        market.units.satisfaction[:] = satisfaction
        recur_needs(market, draws("loyalty"))
        rebuys.append(int((market.units.moment == Moment.FMOT).sum()))
    assert rebuys[0] == 0 < rebuys[1] < rebuys[2]
