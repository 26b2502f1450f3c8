"""Mesa agents: every person is a `Consumer` (B2C) or a `Buyer`, `Influencer` or `EndUser` (B2B),
readable and writable, with Mesa's own tools working on them."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from helpers import small_scenario
from tiny_market import SEED, draws, place, tiny_market

from sim import Buyer, Consumer, EndUser, Influencer, JourneyModel
from sim.agents import Person
from sim.journey.shelf import choose_at_shelf
from sim.market.moments import Moment


def b2b(**overrides):
    return small_scenario(population={"market": "b2b", "n_consumers": 600}, **overrides)


def test_the_roles_are_mesa_agents_and_a_consumer_holds_all_three():
    for role in (Buyer, Influencer, EndUser, Consumer):
        assert issubclass(role, mesa.Agent)
    assert issubclass(Consumer, Buyer) and issubclass(Consumer, Influencer)
    assert issubclass(Consumer, EndUser)


def test_every_person_is_an_agent_of_their_role():
    model = JourneyModel(small_scenario(days=5), seed=SEED)
    assert len(model.agents) == model.market.people.n
    assert set(model.agents_by_type) == {Consumer}
    model = JourneyModel(b2b(days=5), seed=SEED)
    assert set(model.agents_by_type) == {Buyer, Influencer, EndUser}
    rows = sorted(agent.row for agent in model.agents)
    assert rows == list(range(model.market.people.n))
    buyers = model.agents_by_type[Buyer]
    assert len(buyers) == model.market.units.n  # one buyer per buying centre


def test_agents_are_made_on_first_use_only():
    model = JourneyModel(small_scenario(days=3), seed=SEED)
    assert len(model._all_agents) == 0  # a run that never looks pays nothing
    model.run()
    assert len(model.agents) == model.market.people.n
    assert len(JourneyModel(small_scenario(days=3), with_agents=False).agents) == 0


def test_a_write_goes_to_the_columns():
    model = JourneyModel(small_scenario(days=3), seed=SEED)
    agent: Person = model.agents.select(lambda a: a.row == 7).to_list()[0]
    agent.attitude = {"focal": 2.5}
    agent.aware = {"rival": False}
    agent.stance = -1
    agent.rating = 4
    people = model.market.people
    assert people.attitude[7, 0] == 2.5 and not people.aware[7, 1]
    assert people.stance[7] == -1 and people.rating[7] == 4
    assert agent.attitude["focal"] == 2.5 and agent.aware["rival"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [("stance", 2), ("rating", 6), ("rating", 2.5), ("stance", True)],
)
def test_a_write_the_engine_never_makes_is_refused(name, value):
    agent = next(iter(JourneyModel(small_scenario(days=2), seed=SEED).agents))
    with pytest.raises(ValueError, match=name):
        setattr(agent, name, value)


def test_an_unknown_brand_or_a_non_finite_attitude_is_refused():
    agent = next(iter(JourneyModel(small_scenario(days=2), seed=SEED).agents))
    with pytest.raises(ValueError, match="unknown brand"):
        agent.attitude = {"acme": 1.0}
    with pytest.raises(ValueError, match="finite"):
        agent.attitude = {"focal": float("nan")}


def test_the_next_rule_sees_a_write():
    """Eight shoppers at the shelf who know both brands: told by their agents to love the rival
    and loathe the focal brand, every one of them buys the rival (the logit's Gumbel noise is
    far smaller than a 40-point attitude gap)."""
    market = tiny_market(8)
    model = mesa.Model(rng=SEED)
    model.market = market
    from sim.agents import create_people

    create_people(model)
    place(market, np.arange(8), Moment.FMOT)
    for agent in model.agents:
        agent.aware = {"focal": True, "rival": True}
        agent.attitude = {"focal": -20.0, "rival": 20.0}
    choose_at_shelf(market, draws("choice"))
    assert (market.units.chosen == 1).all()


def test_mesa_data_collector_reads_agent_attributes():
    model = JourneyModel(small_scenario(days=4), seed=SEED)
    collector = mesa.DataCollector(
        model_reporters={"customers": lambda m: m.market.units.brand.tolist().count(0)},
        agent_reporters={"focal_attitude": lambda a: a.attitude["focal"]},
    )
    for _ in range(2):
        model.step()
        collector.collect(model)
    table = collector.get_agent_vars_dataframe()
    assert len(table) == 2 * model.market.people.n
    assert np.isfinite(table["focal_attitude"]).all()


def test_mesa_batch_run_sweeps_the_models_keyword_settings():
    results = mesa.batch_run(
        JourneyModel,
        parameters={
            "settings": "scenarios/baseline.toml",  # a file path: Mesa iterates other objects
            "days": 6,
            "warmup_days": 0,
            "population__n_consumers": 300,
            "brands__focal__price": [80.0, 120.0],
        },
        rng=[SEED],
        max_steps=100,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert [row["brands__focal__price"] for row in results] == [80.0, 120.0]
    assert all(row["Step"] == 6 for row in results)  # stopped by `running` at the window's end
    single = JourneyModel(
        "scenarios/baseline.toml",
        rng=SEED,
        days=6,
        warmup_days=0,
        population__n_consumers=300,
        brands__focal__price=80.0,
    ).run()
    assert results[0]["new_customers"] == single.kpis()["new_customers"]


def test_keyword_overrides_are_checked_like_a_file():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="population.n_consumerz"):
        JourneyModel(small_scenario(), population__n_consumerz=10)
