"""The strategy hook: how a brand acts at a moment, on whom, and at what cost.

A strategy is a component (as starsim's interventions): it is built from its settings table in
a scenario file (`[brands.focal.strategies.<name>]`), gets its own keyed draws (scope
`strategy:<brand>:<name>`; each keyed by the person or unit acted on and the day, so switching
it on does not reshuffle anyone else's draws), and overrides only the hooks it needs. Costs go
through `market.spend`. Adding a strategy touches one module and one registry line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from sim.journey.involvement import research_days
from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.market.touch_log import EMAIL, record_stimuli
from sim.scenario.settings import Strict


class StrategySettings(Strict):
    """Keys every strategy accepts."""

    enabled: bool = True
    """Switch the strategy off without deleting its table (useful in sweeps)."""


class WindowSettings(StrategySettings):
    """Settings of a component active from `start_day` to `end_day` (subclasses set defaults)."""

    start_day: int = Field(1, ge=1)
    """First day of the measured window the component acts (assumption: from the start)."""
    end_day: int = Field(3650, ge=1)
    """Last day of the measured window the component acts (assumption: all along)."""

    @model_validator(mode="after")
    def _ends_after_start(self) -> WindowSettings:
        if self.end_day < self.start_day:
            raise ValueError(f"end_day ({self.end_day}) is before start_day ({self.start_day})")
        return self


class Strategy:
    """Do-nothing base: subclasses override the hooks they act through.

    Strategies act in the measured window only: the model hands them to the market on its
    first day (after any warm-up) and they count days as `market.window_day`.

    Hooks, in the day's order: `setup` (once, before day 1: change levers), `on_day` (start of
    every day: ads, posts, scheduled e-mails), `on_purchase` (after FMOT purchases),
    `review_chance` (UMOT: change the chance of posting), `on_reviews` (after reviews post).
    """

    name: ClassVar[str] = "strategy"
    moment: ClassVar[Moment] = Moment.PRE_ZMOT
    settings_type: ClassVar[type[StrategySettings]] = StrategySettings
    markets: ClassVar[tuple[str, ...]] = ("b2c", "b2b")
    """Markets (`population.market`) the strategy acts in; a scenario switching it on in
    another is refused, so no strategy is billed where it can do nothing."""

    def __init__(self, settings: StrategySettings, brand: int, draws: KeyedDraws) -> None:
        self.settings = settings
        self.brand = brand
        self.draws = draws

    def setup(self, market: Market) -> None:
        """Change the brand's levers once, before the first day."""

    def acts_today(self, market: Market) -> bool:
        """Whether `on_day` has anything to do today; the model skips the call when not.

        Why: most strategies act on few days (scheduled e-mails, replies, billing), and a
        call per strategy per day is a fixed cost whatever the market's size. Default: a
        strategy acts daily if it overrides `on_day`; one that keeps a `Calendar` says
        whether anything is filed for today.
        """
        return type(self).on_day is not Strategy.on_day

    def on_day(self, market: Market) -> None:
        """Act at the start of each day."""

    def on_purchase(self, market: Market, units: np.ndarray, brands: np.ndarray) -> None:
        """React to today's purchases (units and the brand each bought)."""

    def review_chance(
        self,
        market: Market,
        people: np.ndarray,
        brands: np.ndarray,
        ratings: np.ndarray,
        chance: np.ndarray,
    ) -> np.ndarray:
        """The chance each person entering UMOT posts a review (default: unchanged)."""
        return chance

    def on_reviews(
        self, market: Market, people: np.ndarray, brands: np.ndarray, stars: np.ndarray
    ) -> None:
        """React to reviews just posted."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(brand={self.brand}, {self.settings!r})"


class Calendar:
    """Day-indexed buckets of unit ids: scheduled actions without per-agent callbacks."""

    def __init__(self) -> None:
        self._due: dict[int, list[np.ndarray]] = defaultdict(list)

    def schedule(self, days: np.ndarray, units: np.ndarray) -> None:
        """Schedule each unit on its day."""
        for day in np.unique(days):
            self._due[int(day)].append(units[days == day])

    def has(self, day: int) -> bool:
        """True when units are filed for `day` (so `pop(day)` is not empty)."""
        return day in self._due

    def pop(self, day: int) -> np.ndarray:
        """Units due on `day` (removed from the calendar)."""
        parts = self._due.pop(day, [])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def start_email_journeys(strategy: Strategy, market: Market, units: np.ndarray, u: np.ndarray):
    """Journeys a brand's e-mail starts (a newsletter click, a win-back reactivation): research
    from today for as long as the unit's involvement says (from the uniforms `u`), credited by
    research like the unit's own need (touch code `email`); the strategy counts them, the daily
    `triggered_*` columns do not."""
    market.units.lead_source[units] = Source.NEED
    market.units.lead_gain[units] = 0.0
    record_stimuli(market, units, EMAIL, strategy.brand)
    market.move(units, Moment.ZMOT, research_days(market, strategy.draws, units, u))
