"""Moving a brand's levers in a market that is already running (class rounds, free play).

Why: in a class, students set their levers, the market runs a round, and they set them again for
the next round in the *same* market. `JourneyModel` builds its brand levers and strategies once
from its scenario, so `change_levers` swaps them for those of a new scenario from the next day on:

- the brands' lever columns and platform presence are rebuilt from the new scenario; the reviews
  collected (stars, replies) are the market's history and stay;
- a strategy whose settings did not change keeps its object, so its records (e-mails scheduled,
  who was asked for a review, who ever bought) carry on; its `setup` is re-applied to the rebuilt
  lever columns and then its own records are put back as they were;
- a strategy switched on or changed starts fresh (its `setup` runs now); one switched off stops.

What the market was built from (`sim.model.BUILT_FROM`: people, ties, seed, initial customers)
cannot change mid-run. `JourneyModel.open_window_with` is the same swap for the one moment between
the warm-up and the window; this one works on any day.
"""

from __future__ import annotations

import numpy as np

from sim.market.brands import build_brands
from sim.model import BUILT_FROM, JourneyModel, built_value
from sim.scenario.settings import Scenario
from sim.strategies import Strategy, build_strategies


def change_levers(model: JourneyModel, scenario: Scenario) -> None:
    """Run `model` from its next day with the brand levers and strategies of `scenario`.

    Raises:
        ValueError: `scenario` changes what the market was built from (`sim.model.BUILT_FROM`:
            people, ties, seed, days, initial customers), naming the key.
    """
    check_built_from(model.settings, scenario)
    old = model.strategies
    strategies = carried_over(old, build_strategies(scenario, model.draws))
    model.settings = scenario
    model.market.scenario = scenario
    rebuild_brand_levers(model, scenario)
    model.strategies = strategies
    if window_open(model):  # strategies act from the next day
        model.market.strategies = strategies
        for strategy in strategies:
            reapply_setup(strategy, model, running=any(strategy is s for s in old))


def check_built_from(running: Scenario, scenario: Scenario) -> None:
    """Raise ValueError, naming the key, if `scenario` changes what the market running on
    `running` was built from."""
    for key in BUILT_FROM:
        if built_value(scenario, key) != built_value(running, key):
            raise ValueError(f"{key}: cannot change while the market runs (the market is built)")


def window_open(model: JourneyModel) -> bool:
    """True once the strategies have been handed to the market (they then act every day)."""
    market = model.market
    return bool(market.strategies) or market.day > market.window_start


def carried_over(old: list[Strategy], new: list[Strategy]) -> list[Strategy]:
    """`new`, with each strategy whose name, brand and settings are unchanged taken from `old`."""
    kept = {(s.name, s.brand, s.settings.model_dump_json()): s for s in old}
    return [kept.get((s.name, s.brand, s.settings.model_dump_json()), s) for s in new]


def rebuild_brand_levers(model: JourneyModel, scenario: Scenario) -> None:
    """Lever columns and presence from `scenario`; reviews and replies posted so far stay."""
    fresh = build_brands(scenario)
    brands = model.market.brands
    brands.levers = fresh.levers
    brands.presence = np.array(fresh.presence, copy=True)


def reapply_setup(strategy: Strategy, model: JourneyModel, running: bool) -> None:
    """Run `setup` for its effect on the brand's levers; a running strategy keeps its records."""
    records = dict(vars(strategy))
    strategy.setup(model.market)
    if running:
        vars(strategy).clear()
        vars(strategy).update(records)
