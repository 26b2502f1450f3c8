"""Stock-outs at the shelf (`brands.<b>.in_stock`, `scenarios/stock_outs.toml`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from tiny_market import draws, place, tiny_market

from sim.agents import Consumer
from sim.journey.shelf import choose_at_shelf
from sim.market.moments import Moment
from sim.model import JourneyModel
from sim.scenario.config import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def shoppers_at_the_shelf(in_stock: float):
    """Twenty shoppers at FMOT today who know both brands and like the focal one much more."""
    market = tiny_market(n=20, brands={"focal": {"initial_share": 0.0, "in_stock": in_stock}})
    market.people.aware[:] = True
    market.people.attitude[:] = np.array([3.0, 0.0], dtype=np.float32)
    place(market, np.arange(20), Moment.FMOT, days=0)
    return market


def test_a_brand_out_of_stock_is_never_bought():
    market = shoppers_at_the_shelf(0.0)
    choose_at_shelf(market, draws("choice"))
    assert not (market.units.chosen == 0).any()


def test_a_brand_always_in_stock_is_bought_as_before():
    """The negative control: in stock, the well-liked focal brand wins most shoppers."""
    market = shoppers_at_the_shelf(1.0)
    choose_at_shelf(market, draws("choice"))
    assert (market.units.chosen == 0).sum() >= 15


def focal_purchases(in_stock: float, seed: int) -> int:
    scenario = load_scenario(SCENARIOS / "stock_outs.toml")
    model = JourneyModel(
        scenario, population__n_consumers=2000, days=180, seed=seed,
        brands__focal__in_stock=in_stock,
    )  # fmt: skip
    return int(model.run().daily()["purchases"].sum())


def test_stock_outs_cost_the_brand_purchases():
    """Paired on four seeds (stock-outs at 8.3% vs none), one-sided t-test at alpha = 0.01."""
    losses = [focal_purchases(1.0, s) - focal_purchases(0.917, s) for s in range(1, 5)]
    assert stats.ttest_1samp(losses, 0.0, alternative="greater").pvalue < 0.01


class Shopper(Consumer):
    """Takes the first brand offered, in stock or not (to check the engine refuses it)."""

    def choose(self, shelf):
        return shelf.offers[0].brand


def test_an_agent_cannot_buy_what_is_missing():
    scenario = load_scenario(SCENARIOS / "stock_outs.toml")
    with pytest.raises(ValueError, match="out of stock today"):
        JourneyModel(
            scenario, population__n_consumers=300, days=60, brands__focal__in_stock=0.0,
            agent_classes={Consumer: Shopper},
        ).run()  # fmt: skip


def test_the_default_agent_sees_the_stock():
    """Agents that choose as the default does skip what is missing: the run completes."""
    scenario = load_scenario(SCENARIOS / "stock_outs.toml")

    class Default(Consumer):
        def choose(self, shelf):
            return Consumer.choose(self, shelf)

    model = JourneyModel(
        scenario, population__n_consumers=300, days=60, brands__focal__in_stock=0.0,
        agent_classes={Consumer: Default},
    ).run()  # fmt: skip
    assert model.daily()["purchases"].sum() == 0
