"""The engine's shortcuts give exactly the arrays of the general code they skip.

Why: a day's fixed cost is mostly numpy call overhead, so the engine takes shortcuts where a
day or a market allows (docs/performance.md): one-member units without the member arithmetic,
starts by need alone on days without broad stimuli, influencers found by a lookup. Each must leave every result byte-identical.
"""

from __future__ import annotations

import numpy as np

from sim.market.keyed_draws import KeyedDraws
from sim.market.streams import Streams
from sim.model import build_market
from tests.helpers import small_scenario
from tests.test_journey_kernels import broad_starts, need_starts


def test_members_of_one_member_units_equal_the_general_path():
    market = build_market(small_scenario(population={"n_consumers": 300}), Streams(3))
    assert market._one_member
    units = np.array([5, 0, 17, 17, 299])
    fast = market.members(units)
    market._one_member = False
    general = market.members(units)
    for a, b in zip(fast, general, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_starts_by_need_equal_competing_hazards_without_broad_stimuli():
    market = build_market(small_scenario(population={"n_consumers": 300}), Streams(3))
    waiting = np.arange(0, 300, 2)
    need = market.units.need_rate[waiting].astype(np.float64) * 50  # many starts
    draw = KeyedDraws(3).uniform("start", 4, waiting)
    broad = np.zeros(market.brands.n * 11)
    general = broad_starts(market, waiting, draw, need, broad, np.cumsum(broad))
    fast = need_starts(waiting, draw, need)
    assert len(fast[0]) > 10
    for a, b in zip(fast, general, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_influencer_lookup_matches_the_influencer_list():
    market = build_market(
        small_scenario(population={"n_consumers": 500, "n_social_influencers": 7}), Streams(3)
    )
    assert market.is_influencer.sum() == len(np.unique(market.influencers)) > 0
    assert market.is_influencer[market.influencers].all()
