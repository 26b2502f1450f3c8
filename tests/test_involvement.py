"""Involvement (`sim.journey.involvement`, `scenarios/involvement.toml`): low-involvement
buyers skip research, so what works through research stops working for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats
from tiny_market import tiny_market

from sim.journey.involvement import low_involvement, mean_sources, research_days
from sim.market.keyed_draws import KeyedDraws
from sim.model import JourneyModel
from sim.scenario.config import load_scenario

INVOLVEMENT = Path(__file__).resolve().parents[1] / "scenarios" / "involvement.toml"
DRAWS = KeyedDraws(7).scope("triggers")


def test_low_involvement_units_research_zero_days_from_zero_sources():
    market = tiny_market(n=200, research={"low_involvement_share": 1.0, "mean_days": 7.0})
    units = np.arange(200)
    u = KeyedDraws(3).uniform("any", 1, units)
    assert (research_days(market, DRAWS, units, u) == 0).all()
    assert (np.asarray(mean_sources(market, DRAWS, units)) == 0.0).all()


def test_without_low_involvement_research_keeps_its_days_and_sources():
    """The negative control: share 0 leaves the scenario's research untouched."""
    market = tiny_market(n=200, research={"mean_days": 7.0})
    units = np.arange(200)
    u = KeyedDraws(3).uniform("any", 1, units)
    days = research_days(market, DRAWS, units, u)
    assert days.mean() > 3.0  # geometric, mean 7: the mean of 200 is above 3 by > 4 sd
    assert mean_sources(market, DRAWS, units) == market.scenario.research.mean_sources


def test_the_trait_is_the_same_in_every_rule_and_near_its_share():
    market = tiny_market(n=2000, research={"low_involvement_share": 0.47})
    units = np.arange(2000)
    low = low_involvement(market, DRAWS, units)
    assert (low == low_involvement(market, KeyedDraws(7).scope("research"), units)).all()
    assert abs(low.mean() - 0.47) < 4 * np.sqrt(0.47 * 0.53 / 2000)


def new_customers(share: float, presence: bool, seed: int) -> int:
    scenario = load_scenario(INVOLVEMENT)
    extra = {"brands__focal__strategies": {"platform_presence": {}}} if presence else {}
    model = JourneyModel(
        scenario,
        population__n_consumers=2000,
        days=180,
        seed=seed,
        research__low_involvement_share=share,
        **extra,
    )
    return int(model.run().daily()["new_customers"].sum())


def presence_gains(share: float, seeds: range) -> np.ndarray:
    """New customers platform presence wins, paired on each seed."""
    return np.array([new_customers(share, True, s) - new_customers(share, False, s) for s in seeds])


def test_platform_presence_wins_nobody_when_every_buyer_buys_on_impulse():
    """Platform presence acts only through research: with nobody researching, the paired
    runs (same draws) end with exactly the same new customers."""
    assert (presence_gains(1.0, range(1, 3)) == 0).all()


def test_platform_presence_wins_customers_when_buyers_research():
    """The same comparison with everyone researching: a one-sided paired t-test over five
    seeds at alpha = 0.001."""
    gains = presence_gains(0.0, range(1, 6))
    assert stats.ttest_1samp(gains, 0.0, alternative="greater").pvalue < 0.001
