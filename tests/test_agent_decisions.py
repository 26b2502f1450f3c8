"""Decision methods: a subclass that overrides one is called per agent with the vectorised
rule's inputs and draws; the defaults written out per person reproduce the engine exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim import Buyer, Consumer, EndUser, Influencer, JourneyModel
from sim.agents import DEFAULT_DECIDER, Person
from sim.journey.decisions import (
    DECISIONS,
    Conversation,
    Experience,
    RecurringNeed,
    Research,
    ReviewChance,
    Shelf,
)

SEED = 11


class Echo:
    """Takes over every decision and decides as the defaults do, in plain Python per agent."""

    def research(self, research: Research) -> list[dict[str, float]]:
        return Buyer.research(self, research)

    def choose(self, shelf: Shelf) -> str | None:
        return Buyer.choose(self, shelf)

    def rebuy_or_switch(self, need: RecurringNeed):
        return Buyer.rebuy_or_switch(self, need)

    def rate(self, experience: Experience) -> float:
        return EndUser.rate(self, experience)

    def review(self, review: ReviewChance) -> bool:
        return Person.review(self, review)

    def talk(self, conversation: Conversation) -> int:
        return Person.talk(self, conversation)


class EchoConsumer(Echo, Consumer):
    pass


class EchoBuyer(Echo, Buyer):
    pass


class EchoInfluencer(Echo, Influencer):
    pass


class EchoEndUser(Echo, EndUser):
    pass


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
    assert set(custom.market.deciders) == set(DECISIONS)
    pd.testing.assert_frame_equal(custom.run().daily(warmup=True), daily(settings))


def test_per_agent_defaults_give_the_engines_daily_table_b2b():
    settings = market(population={"market": "b2b", "n_consumers": 1500})
    classes = {Buyer: EchoBuyer, Influencer: EchoInfluencer, EndUser: EchoEndUser}
    pd.testing.assert_frame_equal(daily(settings, agent_classes=classes), daily(settings))


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


def test_every_decision_has_a_default_on_its_role():
    assert set(DEFAULT_DECIDER) == set(DECISIONS)
    for name, role in DEFAULT_DECIDER.items():
        assert callable(getattr(role, name)), name


class Silent(Consumer):
    def talk(self, conversation: Conversation) -> int:
        return 0


class NeverReviews(Consumer):
    def review(self, review: ReviewChance) -> bool:
        return False


class DistrustsEverything(Consumer):
    def research(self, research: Research) -> list[dict[str, float]]:
        return [{} for _ in research.consultations]


class Delighted(Consumer):
    def rate(self, experience: Experience) -> float:
        return 5.0


def test_each_decision_is_taken_where_the_engine_uses_it():
    """Negative controls, one per decision: silent talkers send no messages, people who never
    review post none, delighted end users rate every experience five stars. (No social
    influencers here: their posts to followers are not conversations.)"""
    settings = market(
        days=90, warmup_days=30, population={"n_consumers": 1500, "n_social_influencers": 0}
    )
    assert daily(settings)["wom_positive"].sum() > 0
    assert daily(settings, agent_classes={Consumer: Silent})["wom_positive"].sum() == 0
    assert daily(settings, agent_classes={Consumer: NeverReviews})["reviews"].sum() == 0
    table = daily(settings, agent_classes={Consumer: Delighted})
    assert table["reviews"].sum() > 0
    assert table["review_stars"].sum() == 5 * table["reviews"].sum()


@pytest.mark.parametrize(("cls", "moves"), [(Consumer, True), (DistrustsEverything, False)])
def test_research_gains_come_from_the_researchers_method(cls, moves):
    """Eight researchers finish ZMOT today: by default the sources they consult move their
    attitudes; a class that trusts no source keeps them where they were (negative control)."""
    import mesa
    from tiny_market import draws, place, tiny_market

    from sim.agents import create_people
    from sim.journey.research import finish_research
    from sim.market.keyed_draws import KeyedDraws
    from sim.market.moments import Moment

    market = tiny_market(8, research={"mean_sources": 6.0})
    model = mesa.Model(rng=SEED)
    model.market, model.draws = market, KeyedDraws(SEED)
    create_people(model, {Consumer: cls})
    place(market, np.arange(8), Moment.ZMOT)
    before = market.people.attitude.copy()
    finish_research(market, draws("research"))
    assert (market.people.attitude != before).any() == moves
