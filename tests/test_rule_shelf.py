"""FMOT rule (`sim.journey.shelf.choose_at_shelf`) on an 8-person hand-built market.

"Certain" choices use the outside option's extreme utilities (-50: always buy a brand one
knows, +50: always walk away); the logit's Gumbel noise overturns a 50-utility gap with a
chance of about e^-50.
"""

from __future__ import annotations

from tiny_market import (
    assert_moves_allowed,
    counted,
    draws,
    people_per_moment,
    place,
    snapshot,
    tiny_market,
)

from sim.journey.shelf import choose_at_shelf
from sim.market.moments import Moment
from sim.market.population import Flag

BUY = {"walk_away_utility": -50.0}
WALK = {"walk_away_utility": 50.0}
CLEAN = {"p_problem": 0.0, "p_damaged": 0.0, "p_late_delivery": 0.0}


def at_shelf(choice=BUY, focal=None, aware=(True, False), owner: int | None = None):
    """Units 0-5 face the shelf today (aware of the brands flagged), 6-7 in two days."""
    market = tiny_market(choice=choice, brands={"focal": {**CLEAN, **(focal or {})}})
    place(market, range(6), Moment.FMOT, days=0, brand=owner)
    place(market, [6, 7], Moment.FMOT, days=2, brand=owner)
    market.units.chosen[:] = -1
    market.people.aware[:] = aware
    if owner == 0:
        market.units.acquired_day[:] = 0
    return market


def choose(market):
    """Apply the rule once; check conservation, allowed moves and that non-due units stay."""
    before, until = snapshot(market)
    people = people_per_moment(market).sum()
    choose_at_shelf(market, draws("choice"))
    assert_moves_allowed(before, market.units.moment)
    assert people_per_moment(market).sum() == people
    assert (market.units.moment[6:] == Moment.FMOT).all()
    assert (market.units.until[6:] == until[6:]).all()
    return market


def test_units_that_know_no_brand_walk_away():
    market = choose(at_shelf(aware=(False, False)))
    assert (market.units.moment[:6] == Moment.PRE_ZMOT).all()
    assert counted(market, "walk_aways") == 6
    assert counted(market, "purchases") == 0


def test_units_knowing_only_the_focal_brand_buy_it_and_start_using_it():
    market = choose(at_shelf())
    units = market.units
    assert (units.moment[:6] == Moment.SMOT).all()
    assert (units.until[:6] == market.day + 3 + 14).all()  # delivery + use
    assert (units.brand[:6] == 0).all() and (units.chosen[:6] == 0).all()
    assert (units.acquired_day[:6] == market.day).all()
    assert (units.focal_purchases[:6] == 1).all()
    assert (units.flags[:6] == 0).all()
    assert counted(market, "purchases") == counted(market, "new_customers") == 6
    assert counted(market, "revenue_usd") == 6 * 50.0


def test_every_purchase_has_a_problem_when_its_chance_is_one():
    market = choose(at_shelf(focal={"p_problem": 1.0}))
    assert ((market.units.flags[:6] & Flag.PROBLEM) > 0).all()
    assert (market.units.flags[6:] == 0).all()
    assert counted(market, "problems") == 6


def test_late_deliveries_add_their_extra_days():
    market = choose(at_shelf(focal={"p_late_delivery": 1.0}))
    assert ((market.units.flags[:6] & Flag.LATE) > 0).all()
    assert (market.units.until[:6] == market.day + 3 + 14 + 4).all()
    assert counted(market, "late_deliveries") == 6


def test_a_rejected_brand_is_never_bought():
    market = at_shelf()
    market.people.rejected[:, 0] = True
    choose(market)
    assert (market.units.moment[:6] == Moment.PRE_ZMOT).all()
    assert counted(market, "purchases") == 0


def test_an_owner_who_walks_away_leaves_the_brand():
    market = choose(at_shelf(choice=WALK, owner=0))
    assert (market.units.brand[:6] == -1).all() and (market.units.brand[6:] == 0).all()
    assert counted(market, "left_category") == 6
    assert (market.units.churn_day[:6] == market.day).all()


def test_an_owner_who_buys_the_rival_is_a_switcher():
    market = choose(at_shelf(aware=(False, True), owner=0))
    assert (market.units.brand[:6] == 1).all()
    assert counted(market, "switched") == 6
    assert counted(market, "rival_purchases") == 6 and counted(market, "purchases") == 0
    assert (market.units.churn_day[:6] == market.day).all()
