"""<ZMOT rule (`sim.journey.triggers.start_journeys`) on an 8-person hand-built market."""

from __future__ import annotations

import numpy as np
from tiny_market import (
    assert_moves_allowed,
    counted,
    draws,
    people_per_moment,
    place,
    snapshot,
    tiny_market,
)

from sim.journey.triggers import start_journeys
from sim.market.measures import TRIGGER_COLUMNS
from sim.market.moments import Moment
from sim.market.sources import Source


def waiting_market(need: float = 0.0, **overrides):
    """Everyone at <ZMOT with the same daily need chance, no stimuli."""
    market = tiny_market(**overrides)
    market.units.need_rate[:] = need
    return market


def test_no_need_and_no_stimulus_starts_nobody():
    market = waiting_market(need=0.0)
    before = snapshot(market)
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == before[0]).all()
    assert (market.units.until == before[1]).all()


def test_certain_need_starts_every_waiting_unit_and_only_them():
    market = waiting_market(need=1.0)
    place(market, [6], Moment.LOYALTY, days=5, brand=0)
    place(market, [7], Moment.SMOT, days=0, brand=1)
    before, _ = snapshot(market)
    people = people_per_moment(market).sum()
    start_journeys(market, draws("triggers"))
    after = market.units.moment
    assert (after[:6] == Moment.ZMOT).all()
    assert after[6] == Moment.LOYALTY and after[7] == Moment.SMOT
    assert_moves_allowed(before, after)
    assert people_per_moment(market).sum() == people
    assert counted(market, f"triggered_{Source.NEED.key}") == 6
    # a journey started by the unit's own need is credited to nobody yet
    assert (market.units.lead_source[:6] == Source.NEED).all()
    assert (market.units.lead_gain[:6] == 0).all()


def test_research_lasts_zero_days_or_more():
    market = waiting_market(need=1.0, research={"mean_days": 7.0})
    start_journeys(market, draws("triggers"))
    assert (market.units.until >= market.day).all()


def test_research_of_mean_zero_ends_today():
    market = waiting_market(need=1.0, research={"mean_days": 0.0})
    start_journeys(market, draws("triggers"))
    assert (market.units.until == market.day).all()
    assert (market.units.moment == Moment.ZMOT).all()


def test_certain_ad_starts_everyone_aware_and_credits_the_ad():
    market = waiting_market(need=0.0)
    market.people.aware[:, 0] = False
    market.today.add_broad(Source.ADS, 0, 1.0)
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == Moment.ZMOT).all()
    assert market.people.aware[:, 0].all()
    assert (market.units.lead_source == Source.ADS).all()
    assert counted(market, f"triggered_{Source.ADS.key}") == 8


def test_rival_ad_starts_journeys_without_crediting_the_focal_brand():
    market = waiting_market(need=0.0)
    market.today.add_broad(Source.ADS, 1, 1.0)
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == Moment.ZMOT).all()
    assert market.people.aware[:, 1].all()
    assert (market.units.lead_source == Source.NEED).all()
    assert (market.units.lead_gain == 0).all()


def test_certain_nudge_starts_only_the_nudged_unit():
    market = waiting_market(need=0.0)
    market.today.nudge(np.array([2, 5]), 0, Source.WORD_OF_MOUTH, 1.0)
    start_journeys(market, draws("triggers"))
    started = np.flatnonzero(market.units.moment == Moment.ZMOT)
    assert started.tolist() == [2, 5]
    assert (market.units.lead_source[started] == Source.WORD_OF_MOUTH).all()
    assert counted(market, f"triggered_{Source.WORD_OF_MOUTH.key}") == 2


def test_nudge_of_chance_zero_starts_nobody():
    market = waiting_market(need=0.0)
    market.today.nudge(np.arange(8), 0, Source.WORD_OF_MOUTH, 0.0)
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == Moment.PRE_ZMOT).all()


def test_nudge_to_a_unit_already_in_a_journey_moves_nothing():
    market = waiting_market(need=0.0)
    place(market, [3], Moment.FMOT, days=2)
    market.today.nudge(np.array([3]), 0, Source.WORD_OF_MOUTH, 1.0)
    start_journeys(market, draws("triggers"))
    assert market.units.moment[3] == Moment.FMOT
    assert market.units.until[3] == market.day + 2
    assert (np.delete(market.units.moment, 3) == Moment.PRE_ZMOT).all()


def test_unit_started_by_its_need_and_a_nudge_starts_once():
    market = waiting_market(need=1.0)
    market.today.nudge(np.arange(8), 0, Source.WORD_OF_MOUTH, 1.0)
    start_journeys(market, draws("triggers"))
    assert sum(counted(market, name) for name in TRIGGER_COLUMNS) == 8
    assert (market.units.moment == Moment.ZMOT).all()


def test_b2b_unit_starts_as_a_whole():
    market = tiny_market(n=8, population={"market": "b2b"})  # units of 6 and 2 people
    market.units.need_rate[:] = 1.0
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == Moment.ZMOT).all()
    assert people_per_moment(market)[Moment.ZMOT] == 8


def test_more_ads_start_more_journeys():
    started = []
    for chance in (0.0, 0.5, 1.0):
        market = tiny_market(n=400)
        market.units.need_rate[:] = 0.0
        market.today.add_broad(Source.ADS, 0, chance)
        start_journeys(market, draws("triggers"))
        started.append(int((market.units.moment == Moment.ZMOT).sum()))
    assert started[0] == 0 < started[1] < started[2] == 400


def test_in_a_new_category_only_units_aware_of_a_brand_start_by_need():
    """Nobody searches for what they do not know exists (`triggers.new_category`)."""
    market = waiting_market(need=1.0, triggers={"new_category": True})
    market.people.aware[:] = False
    market.people.aware[[1, 4], 0] = True  # heard of the focal brand
    market.people.aware[6, 1] = True  # heard of the rival
    start_journeys(market, draws("triggers"))
    started = (market.units.moment == Moment.ZMOT).nonzero()[0]
    assert started.tolist() == [1, 4, 6]
    assert counted(market, f"triggered_{Source.NEED.key}") == 3


def test_a_known_category_starts_unaware_units_by_need_too():
    """The negative control: with `new_category` off the same market starts everyone."""
    market = waiting_market(need=1.0)
    market.people.aware[:] = False
    start_journeys(market, draws("triggers"))
    assert (market.units.moment == Moment.ZMOT).all()
