"""The market: everything the journey rules read and change on a day, in one place.

`Market` holds the columns (people, units, brands), the social graph, today's stimuli and the
daily table. Rules are plain functions of the market and a random stream; the Mesa model owns
the market and calls the rules in the day's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.market.book_kernels import due_units
from sim.market.brands import BrandTable
from sim.market.due_calendar import DueCalendar
from sim.market.measures import DailyTable
from sim.market.moments import Moment
from sim.market.network import SocialGraph
from sim.market.population import People, Role, Units
from sim.market.sources import RESEARCH_SOURCES, Source
from sim.market.touch_log import TouchLog
from sim.market.window_tally import WindowTally
from sim.scenario.settings import Scenario

N_SOURCES = len(Source)
RESEARCHING = Role.BUYER | Role.INFLUENCER
"""The roles that research (`research.finish_research`)."""
CALENDAR_MIN_UNITS = 500_000
"""Markets with at least this many buying units find due units in a `DueCalendar`; smaller ones
scan the columns. Measured (docs/performance.md): at 2,000-100,000 units a scan costs less than
filing and reading the calendar; at 1M units reading costs a fifth less than the scans and
filing takes about what that saves."""


@dataclass
class Stimuli:
    """What may start a need today: everyone-wide hazards plus targeted nudges to some people.

    `broad[source, brand]` is a daily chance that applies to every unit at <ZMOT (ads, and word
    of mouth in a mean-field market), added as competing hazards as in Bass (1969). Targeted
    nudges (a message from a friend, an influencer's post to followers) are (person, brand,
    source, chance) rows.
    """

    n_brands: int
    broad: np.ndarray = field(init=False)
    people: list[np.ndarray] = field(default_factory=list)
    brands: list[np.ndarray] = field(default_factory=list)
    sources: list[np.ndarray] = field(default_factory=list)
    chances: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.broad = np.zeros((N_SOURCES, self.n_brands), dtype=np.float64)

    def add_broad(self, source: Source, brand: int, chance: float) -> None:
        """A daily trigger chance that applies to every unit at <ZMOT."""
        self.broad[source, brand] += chance

    def nudge(
        self,
        people: np.ndarray,
        brand: int | np.ndarray,
        source: Source,
        chance: float | np.ndarray,
    ):
        """Targeted trigger chances for some people (one row per person; `chance` one value
        or one per person)."""
        people = np.asarray(people, dtype=np.int64)
        self.people.append(people)
        brands = np.asarray(brand, dtype=np.int64)
        if brands.shape != people.shape:  # one brand for all (`broadcast_to` costs ~4 us)
            brands = np.broadcast_to(brands, people.shape)
        self.brands.append(brands)
        self.sources.append(np.full(len(people), int(source), dtype=np.int64))
        self.chances.append(np.full(len(people), chance, dtype=np.float64))

    def targeted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All nudges as (people, brands, sources, chances); a day's only batch as it came
        when its arrays are plain (C-ordered, writable: the kernel's usual types), as most
        days' one batch (word of mouth's) is: four concatenations saved. Never written."""
        if not self.people:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros(0)
        people, brands = self.people[0], self.brands[0]  # sources and chances: `np.full`'s
        if len(self.people) == 1 and people.flags.carray and brands.flags.carray:
            return people, brands, self.sources[0], self.chances[0]
        return (
            np.concatenate(self.people),
            np.concatenate(self.brands),
            np.concatenate(self.sources),
            np.concatenate(self.chances),
        )

    def clear(self) -> None:
        """Forget today's stimuli."""
        self.broad[:] = 0.0
        self.people.clear()
        self.brands.clear()
        self.sources.clear()
        self.chances.clear()


def fits(units, days: np.ndarray) -> bool:
    """Whether `Market.move` can hand a move to the tally's compiled pass: units a 1-d int64
    array, days (int64) one for all or one per unit."""
    if not (isinstance(units, np.ndarray) and units.ndim == 1 and units.dtype == np.int64):
        return False
    return days.ndim == 0 or days.shape == units.shape


@dataclass
class Market:
    """State shared by the rules of one run."""

    scenario: Scenario
    people: People
    units: Units
    brands: BrandTable
    graph: SocialGraph
    influencers: np.ndarray
    audience_start: np.ndarray
    audience: np.ndarray
    daily: DailyTable
    day: int = 1
    """Today, counted from the first day simulated (warm-up included)."""
    window_start: int = 1
    """The first day of the measured window (`warmup_days` + 1)."""
    strategies: list = field(default_factory=list)
    """The brands' `Strategy` components; rules call their hooks at the right moment."""
    tally: WindowTally | None = None
    """Counts of people and events in the measured window; every move is reported to it."""
    touches: TouchLog | None = None
    """A journey touch log when asked (`mot attribute`), else None: nothing is recorded."""
    deciders: dict = field(default_factory=dict)
    """Decision name -> the people whose agent class overrides it (`sim.journey.decisions`);
    empty unless a model is given custom agent classes, so the rules never look further."""
    silenced: tuple = field(default=(None, (None, None)), init=False, repr=False)
    """(scenario, tables) of `silenced_sources.silenced_by`: what the scenario silences."""
    today: Stimuli = field(init=False)
    tomorrow: Stimuli = field(init=False)
    calendar: DueCalendar | None = field(init=False)
    """Units by the day their moment ends (`units_due` reads it instead of scanning), or None
    in a market below `CALENDAR_MIN_UNITS`."""

    def __post_init__(self) -> None:
        self.calendar = None
        if self.units.n >= CALENDAR_MIN_UNITS:
            self.calendar = DueCalendar.of(self.units.moment, self.units.until)
        self.today = Stimuli(self.brands.n)
        self.tomorrow = Stimuli(self.brands.n)
        self._one_member = bool((self.units.size == 1).all())  # b2c: a unit is its buyer
        # every person a buyer or an influencer, so every member of a unit researches (B2C: a
        # consumer holds every role); roles never change after the build
        self.everyone_researches = bool(((self.people.role & RESEARCHING) > 0).all())
        scanned = self.units.n if self.calendar is None else 0  # the calendar needs none
        self._scratch = np.empty(scanned, dtype=np.int64)  # for `units_due`'s scan
        self._influencer_order = np.argsort(self.influencers)
        self.influencers_sorted = self.influencers[self._influencer_order]
        # per person: a social influencer? (one lookup a talker, not a binary search)
        self.is_influencer = np.zeros(self.people.n, dtype=bool)
        self.is_influencer[self.influencers] = True

    def followers_of(self, influencer: int) -> np.ndarray:
        """The audience of one social influencer (a person id)."""
        row = self._influencer_order[np.searchsorted(self.influencers_sorted, influencer)]
        return self.audience[self.audience_start[row] : self.audience_start[row + 1]].astype(
            np.int64
        )

    @cached_property
    def habits_cumulative(self) -> np.ndarray:
        """Per age group, cumulative chances of consulting each research source (row sums 1)."""
        groups = self.scenario.population.age_groups.values()
        habits = np.array([[g.habits.get(s.key, 0.0) for s in RESEARCH_SOURCES] for g in groups])
        totals = habits.sum(axis=1, keepdims=True)
        share = np.where(totals > 0, habits / np.where(totals > 0, totals, 1), 1 / habits.shape[1])
        return np.cumsum(share, axis=1)

    @property
    def window_day(self) -> int:
        """Today as a day of the measured window: 1 on its first day, <= 0 in the warm-up.
        Strategies schedule by it (a crisis from day 60 means day 60 of the window)."""
        return self.day - self.window_start + 1

    def units_due(self, moment: Moment) -> np.ndarray:
        """Units in `moment` whose time there is up today (from the calendar in a large market)."""
        units = self.units
        if self.calendar is None:  # a compiled scan: one pass, no temporaries
            if len(self._scratch) != units.n:  # the columns were replaced
                self._scratch = np.empty(units.n, dtype=np.int64)
            return due_units(units.moment, units.until, int(moment), self.day, self._scratch)
        return self.calendar.due(moment, self.day, units.moment, units.until)

    def members(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(people, their unit's position in `units`) for every member of the given units."""
        if self._one_member:  # the same arrays as below, in two numpy calls instead of ten
            return self.units.start[units], np.arange(len(units))
        sizes = self.units.size[units].astype(np.int64)
        position = np.repeat(np.arange(len(units)), sizes)
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return self.units.start[units][position] + offsets, position

    def move(self, units: np.ndarray, moment: Moment, days: np.ndarray | float = 0) -> None:
        """Put units in `moment` for `days` (0 = to be handled again today). A move of no
        units changes nothing, so it returns at once (a few a day, each some numpy calls)."""
        if len(units) == 0:
            return
        if not (isinstance(days, np.ndarray) and days.dtype == np.int64):
            days = np.asarray(days, dtype=np.int64)
        if self.tally is not None and self.calendar is None and fits(units, days):
            self.tally.on_move(self, units, moment, days.reshape(-1))  # counted and made at once
            return
        if self.tally is not None:
            self.tally.on_move(self, units, moment)
        until = self.day + days
        self.units.moment[units] = moment
        self.units.until[units] = until
        if self.calendar is not None:
            self.calendar.file(moment, units, until)

    def spend(self, brand: int, amount_usd: float) -> None:
        """Book a strategy's cost; the daily table keeps the focal brand's."""
        if brand == 0 and amount_usd:
            self.daily.add("strategy_cost_usd", amount_usd)

    def new_day(self) -> None:
        """Make yesterday's 'tomorrow' stimuli today's."""
        self.today, self.tomorrow = self.tomorrow, self.today
        self.tomorrow.clear()
        if self.tally is not None:
            self.tally.dawn(self)
