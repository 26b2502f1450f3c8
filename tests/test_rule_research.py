"""ZMOT rule (`sim.journey.research.finish_research`) on an 8-person hand-built market."""

from __future__ import annotations

from tiny_market import (
    assert_moves_allowed,
    draws,
    people_per_moment,
    place,
    snapshot,
    tiny_market,
)

from sim.journey.research import finish_research
from sim.market.moments import Moment
from sim.market.population import Role

NOWHERE = {"search": 0.0, "social_video": 0.0, "marketplace": 0.0, "review_sites": 0.0}
ABSENT = {"presence": {**NOWHERE, "brand_site": 0.0}, "influencer_presence": 0.0}


def researching(mean_sources: float = 10.4, **overrides):
    """Units 0-5 end their research today, 6-7 in four days."""
    market = tiny_market(research={"mean_sources": mean_sources}, **overrides)
    place(market, range(6), Moment.ZMOT, days=0)
    place(market, [6, 7], Moment.ZMOT, days=4)
    return market


def test_due_researchers_go_to_the_shelf_today_and_others_keep_researching():
    market = researching()
    before, until = snapshot(market)
    people = people_per_moment(market).sum()
    finish_research(market, draws("research"))
    assert (market.units.moment[:6] == Moment.FMOT).all()
    assert (market.units.until[:6] == market.day).all()
    assert (market.units.moment[6:] == Moment.ZMOT).all()
    assert (market.units.until[6:] == until[6:]).all()
    assert_moves_allowed(before, market.units.moment)
    assert people_per_moment(market).sum() == people


def test_consulting_no_source_changes_no_mind():
    market = researching(mean_sources=0.0)
    attitude, aware = market.people.attitude.copy(), market.people.aware.copy()
    finish_research(market, draws("research"))
    assert (market.people.attitude == attitude).all()
    assert (market.people.aware == aware).all()
    assert (market.units.moment[:6] == Moment.FMOT).all()


def test_brands_absent_everywhere_are_neither_found_nor_liked_more():
    # nobody owns a brand, so asking friends finds nothing either
    market = researching(mean_sources=20.0, brands={"focal": ABSENT, "rival": ABSENT})
    attitude, aware = market.people.attitude.copy(), market.people.aware.copy()
    finish_research(market, draws("research"))
    assert (market.people.attitude == attitude).all()
    assert (market.people.aware == aware).all()


def test_only_buyers_and_influencers_research_in_b2b():
    market = tiny_market(population={"market": "b2b"}, research={"mean_sources": 20.0})
    place(market, [0, 1], Moment.ZMOT, days=0)
    attitude = market.people.attitude.copy()
    finish_research(market, draws("research"))
    users_only = market.people.role == Role.END_USER
    assert users_only.any()
    assert (market.people.attitude[users_only] == attitude[users_only]).all()
    assert (market.units.moment == Moment.FMOT).all()
