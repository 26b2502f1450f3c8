"""Numbers a rule derives from a keyed draw keep their law.

A journey's research length comes from the uniform that started it, rescaled within the
interval that decided the start and its cause (`kernels.journey_starts`' `_rescale`): it must still be
geometric with the configured mean, and independent of why the journey started.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import small_scenario

from sim.journey.triggers import start_journeys
from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.model import JourneyModel

MEAN_DAYS = 7.0


def research_days(need: float, nudge_chance: float, seed: int = 3) -> tuple[np.ndarray, ...]:
    """Research days and trigger source of every unit started on day 1 of a fresh market."""
    scenario = small_scenario(
        population={"n_consumers": 20_000, "p_need_daily": need},
        research={"mean_days": MEAN_DAYS},
        brands={"focal": {"initial_share": 0.0}, "rival": {"initial_share": 0.0}},
    )
    market = JourneyModel(scenario, seed=seed, with_agents=False).market
    if nudge_chance:
        everyone = np.arange(market.people.n)
        market.today.nudge(everyone, 0, Source.WORD_OF_MOUTH, nudge_chance)
    start_journeys(market, KeyedDraws(seed).scope("triggers"))
    started = np.flatnonzero(market.units.moment == Moment.ZMOT)
    return market.units.until[started] - market.day, market.units.lead_source[started]


def assert_geometric(days: np.ndarray) -> None:
    """Mean within 5 standard errors, and P(0) = 1 / (1 + mean) within 5 standard errors."""
    assert len(days) > 2000
    variance = MEAN_DAYS * (1 + MEAN_DAYS)
    assert abs(days.mean() - MEAN_DAYS) < 5 * np.sqrt(variance / len(days))
    p0 = 1 / (1 + MEAN_DAYS)
    assert abs((days == 0).mean() - p0) < 5 * np.sqrt(p0 * (1 - p0) / len(days))


@pytest.mark.parametrize(("need", "nudge"), [(0.3, 0.0), (0.0, 0.4), (0.15, 0.3)])
def test_research_after_a_trigger_is_geometric_with_the_configured_mean(need, nudge):
    days, _ = research_days(need, nudge)
    assert_geometric(days)


def test_research_length_does_not_depend_on_what_started_the_journey():
    days, source = research_days(0.15, 0.3)
    by_need, by_word = days[source == Source.NEED], days[source == Source.WORD_OF_MOUTH]
    assert len(by_need) > 1000 and len(by_word) > 1000
    se = np.sqrt(MEAN_DAYS * (1 + MEAN_DAYS) * (1 / len(by_need) + 1 / len(by_word)))
    assert abs(by_need.mean() - by_word.mean()) < 5 * se
