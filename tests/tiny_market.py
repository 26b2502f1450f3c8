"""Tiny hand-built markets for the moment-rule tests: a few units whose outcome one can work out."""

from __future__ import annotations

from typing import Any

import numpy as np
from helpers import small_scenario

from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment, is_allowed
from sim.market.state import Market
from sim.market.streams import Streams
from sim.model import build_market
from sim.scenario.config import deep_merge

SEED = 7


def tiny_market(n: int = 8, **overrides: Any) -> Market:
    """An `n`-person market with nobody owning a brand and everyone at <ZMOT (day 1)."""
    base: dict[str, Any] = {
        "population": {"n_consumers": n, "n_social_influencers": 0},
        "brands": {"focal": {"initial_share": 0.0}, "rival": {"initial_share": 0.0}},
    }
    scenario = small_scenario(**deep_merge(base, overrides))
    return build_market(scenario, Streams(SEED))


def draws(rule: str) -> KeyedDraws:
    """The keyed draws a rule gets from the model."""
    return KeyedDraws(SEED).scope(rule)


def place(market: Market, units, moment: Moment, days: int = 0, brand: int | None = None):
    """Put units in `moment` until `days` from today (0: due today), owning/choosing `brand`."""
    units = np.asarray(units, dtype=np.int64)
    market.move(units, moment, days)
    if brand is not None:
        market.units.brand[units] = brand
        market.units.chosen[units] = brand


def snapshot(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """(moment, until) of every unit, copied."""
    return market.units.moment.copy(), market.units.until.copy()


def assert_moves_allowed(before: np.ndarray, after: np.ndarray) -> None:
    """Every unit either stayed or made a move `sim.market.moments.ALLOWED` permits."""
    bad = [(int(a), int(b)) for a, b in zip(before, after, strict=True) if not is_allowed(a, b)]
    assert not bad


def people_per_moment(market: Market) -> np.ndarray:
    """People per moment (every member counted)."""
    units = market.units
    return np.bincount(units.moment, weights=units.size, minlength=len(Moment))


def counted(market: Market, name: str) -> float:
    """A daily measure summed over the days recorded so far."""
    return float(market.daily.column(name).sum())
