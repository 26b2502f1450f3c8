"""Decision methods: a subclass that overrides one is called per agent with the vectorised
rule's inputs and draws; the defaults written out per person reproduce the engine exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim import Buyer, Consumer, JourneyModel
from sim.journey.decisions import RecurringNeed, Shelf

SEED = 11


class EchoConsumer(Consumer):
    """Takes over every decision and decides as the default does, in plain Python per agent."""

    def choose(self, shelf: Shelf) -> str | None:
        return Consumer.choose(self, shelf)

    def rebuy_or_switch(self, need: RecurringNeed):
        return Consumer.rebuy_or_switch(self, need)


class EchoBuyer(Buyer):
    def choose(self, shelf: Shelf) -> str | None:
        return Buyer.choose(self, shelf)

    def rebuy_or_switch(self, need: RecurringNeed):
        return Buyer.rebuy_or_switch(self, need)


class NeverBuys(Consumer):
    def choose(self, shelf: Shelf) -> str | None:
        return None


def daily(settings, **kwargs) -> pd.DataFrame:
    return JourneyModel(settings, seed=SEED, **kwargs).run().daily(warmup=True)


def market(**overrides):
    base = {"days": 150, "warmup_days": 60, "population": {"n_consumers": 1500}}
    return small_scenario(**{**base, **overrides})


def test_per_agent_defaults_give_the_engines_daily_table_b2c():
    settings = market()
    custom = JourneyModel(settings, seed=SEED, agent_classes={Consumer: EchoConsumer})
    assert set(custom.market.deciders) == {"choose", "rebuy_or_switch"}
    pd.testing.assert_frame_equal(custom.run().daily(warmup=True), daily(settings))


def test_per_agent_defaults_give_the_engines_daily_table_b2b():
    settings = market(population={"market": "b2b", "n_consumers": 1500})
    pd.testing.assert_frame_equal(
        daily(settings, agent_classes={Buyer: EchoBuyer}), daily(settings)
    )


def test_a_decision_that_differs_changes_the_market():
    """Negative control: the per-agent path is really taken (nobody buying empties sales)."""
    settings = market()
    table = daily(settings, agent_classes={Consumer: NeverBuys})
    assert table["purchases"].sum() == 0 and table["rival_purchases"].sum() == 0
    assert daily(settings)["purchases"].sum() > 0


def test_a_share_of_people_gets_the_class_and_the_rest_the_default():
    settings = market(days=30, warmup_days=0)
    model = JourneyModel(settings, seed=SEED, agent_classes={Consumer: {NeverBuys: 0.3}})
    kinds = model.agents_by_type
    share = len(kinds[NeverBuys]) / model.market.people.n
    n = model.market.people.n
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)  # a binomial share, 4 sd
    rows = model.market.deciders["choose"].rows
    assert sorted(a.row for a in kinds[NeverBuys]) == rows.tolist()
    before = model.market.units.brand.copy()
    model.run()
    custom = np.zeros(n, dtype=bool)
    custom[rows] = True
    bought = (before < 0) & (model.market.units.brand >= 0)
    assert not (bought & custom).any()  # the 30% never bought
    assert (bought & ~custom).any()  # the others did


def test_a_choice_outside_the_shelf_is_refused():
    class Confused(Consumer):
        def choose(self, shelf):
            return "acme"

    with pytest.raises(ValueError, match="acme"):
        daily(market(days=20, warmup_days=0), agent_classes={Consumer: Confused})


def test_shares_above_one_are_refused():
    with pytest.raises(ValueError, match="sum to at most 1"):
        JourneyModel(market(), agent_classes={Consumer: {NeverBuys: 0.8, EchoConsumer: 0.4}})
