"""Involvement: how much a purchase matters to the buyer sets how much they research.

High-involvement buyers research as `[research]` says (days, Poisson sources). Low-involvement
ones (Zaichkowsky 1985: involvement is a person's relevance of a product class) research
`low_involvement_days` on average and consult `low_involvement_sources` sources; at the
defaults of 0 and 0 they buy on impulse, straight from the need to the shelf with what they
already think. Think with Google: 53% of shoppers research before buying, so about half of
journeys in a low-involvement category skip research.

Whether a unit is a low-involvement buyer is a trait of the unit and the category: one keyed
draw per unit in a scope of its own, the same on every day and in every rule, so switching
involvement on moves no other draw (common random numbers) and needs no column.
"""

from __future__ import annotations

import numpy as np

from sim.market.keyed_draws import KeyedDraws, geometric_days
from sim.market.state import Market


def low_involvement(market: Market, draws: KeyedDraws, units: np.ndarray) -> np.ndarray:
    """True for the `units` whose buyer has low involvement in the category (`draws`: any
    scope of the run's keyed draws; only its seed is used)."""
    share = market.scenario.research.low_involvement_share
    if share == 0.0:
        return np.zeros(len(units), dtype=bool)
    trait = KeyedDraws(draws.seed).scope("involvement")
    return trait.uniform("low", 0, units) < share


def research_days(
    market: Market, draws: KeyedDraws, units: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Days of research of journeys starting now for `units`, from their uniforms `u`."""
    research = market.scenario.research
    days = geometric_days(u, research.mean_days)
    if research.low_involvement_share == 0.0:  # the default: no per-unit work on the day's path
        return days
    low = low_involvement(market, draws, units)
    if low.any():
        days[low] = geometric_days(u[low], research.low_involvement_days)
    return days


def mean_sources(market: Market, draws: KeyedDraws, units: np.ndarray) -> float | np.ndarray:
    """Mean sources each researcher of `units` consults (a scalar when nobody differs)."""
    research = market.scenario.research
    if research.low_involvement_share == 0.0:
        return research.mean_sources
    low = low_involvement(market, draws, units)
    if not low.any():
        return research.mean_sources
    return np.where(low, research.low_involvement_sources, research.mean_sources)
