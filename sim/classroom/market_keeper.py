"""Where a class's markets run: the students' `JourneyModel`s, kept by name.

Why apart from the pages: a class is one Python process on a 2-core laptop, and when 30 students
press "Step 7 days" together the server's one core did everything in turn, the markets' days
(about half of a step) and the pages' messages. `MarketKeeper` holds the running markets and
answers a handful of requests (open, move levers, run days, forget) with plain data: the new
days' rows and the network picture's colours. So it can run in a process of its own
(`sim.classroom.keeper_process`), on the other core, while the server's process answers pages;
or in the server's process itself (tests, one-off scripts), through the same requests.

A market is rebuilt from its lever history (`open`): the class's market warmed up once, every
lever move replayed on its day. So the keeper holds nothing that cannot be rebuilt, and a keeper
that died is replaced by one that rebuilds the markets when they are next needed.

Why a market's next week may be run before it is asked for (`guess`): when a teacher says "now
everyone press Step", 30 weeks queue on this one process, and the last student waits for all 30.
While students look at their charts the process is idle, so it runs each market's likely next
week ahead, on a copy. The days are the same days either way (the engine's random numbers are
keyed by person, day and purpose, not drawn in order), so a press that asks for exactly that
week gets it at once; anything else (a lever moved, another number of days) drops the copy and
runs as before.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.classroom.class_store import day_rows
from sim.classroom.days_table import DaysTable
from sim.classroom.hand_back import hand_back_memory_soon
from sim.classroom.lever_set import scenario_for
from sim.classroom.network_view import NetworkSample, NetworkState, network_state
from sim.classroom.relever import change_levers
from sim.errors import ScenarioError
from sim.model import JourneyModel
from sim.scenario.settings import Scenario


@dataclass(frozen=True)
class LeverMove:
    """A lever moved after `day` days had run (it acts from day `day + 1`)."""

    day: int
    key: str
    value: Any


@dataclass(frozen=True)
class DaysDone:
    """What running some days of one market gave: the pages need nothing more from it."""

    first: int
    """Days run before these (the first new day is `first + 1`)."""
    days: DaysTable
    """The new days' measures, one row per day."""
    rows: list[str]
    """The same rows as the class's file keeps them (`class_store.day_rows`)."""
    network: NetworkState
    """The network picture's people after the last new day."""


@dataclass(frozen=True)
class ClassMarket:
    """What every market of a class is made from: the same for every student."""

    base: Scenario
    """The lesson's scenario."""
    market: dict[str, Any]
    """The class's market levers (people, seed)."""
    start_values: dict[str, Any]
    """The strategy levers a student starts with."""
    template: JourneyModel
    """The class's market, warmed up once; each market starts as a deep copy."""
    sample: NetworkSample
    """The people of the network picture."""

    def scenario(self, values: Mapping[str, Any], source: str) -> Scenario:
        """The lesson's scenario with strategy levers `values`, validated once per combination
        and shared read-only (nothing writes to a `Scenario`): when a class switches a strategy
        on together, 30 lever moves asked for the same scenario, ~1 ms of the server's time
        each. An impossible combination is built anew, so that its message names `source`."""
        try:
            return self.validated(tuple((key, type(v), v) for key, v in sorted(values.items())))
        except ScenarioError:
            return scenario_for(self.base, self.market, values, source)

    @functools.cached_property
    def validated(self) -> Callable[[tuple[tuple[str, type, Any], ...]], Scenario]:
        """`scenario`'s memory: (lever, type, value) triples -> scenario (the type, since
        `True == 1`); kept in this process only (see `__getstate__`)."""

        @functools.lru_cache(maxsize=256)
        def validated(triples: tuple[tuple[str, type, Any], ...]) -> Scenario:
            values = {key: value for key, _, value in triples}
            return scenario_for(self.base, self.market, values, "the levers")

        return validated

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (for the markets' process) without `validated`, a function of this one."""
        return {key: v for key, v in self.__dict__.items() if key != "validated"}

    @functools.cached_property
    def first_days(self) -> DaysTable:
        """A market's measures before its first day: no rows."""
        return DaysTable(*self.template.daily_numbers())

    @functools.cached_property
    def first_network(self) -> NetworkState:
        """The network picture before the first day."""
        return network_state(self.sample, self.template.market)


@dataclass(frozen=True)
class Guess:
    """A market's next days, run ahead on a copy of it (`MarketKeeper.guess`)."""

    model: JourneyModel
    """The copy, `days` days on."""
    done: DaysDone
    """What running them gave."""


class MarketKeeper:
    """The running markets of a class, by name."""

    def __init__(self, made_from: ClassMarket) -> None:
        self.made_from = made_from
        self.markets: dict[str, JourneyModel] = {}
        self.guesses: dict[str, Guess] = {}
        """Markets whose next days ran ahead, by name (dropped when anything else moves them)."""

    def warm_up(self) -> None:
        """Run a day of a throwaway copy, so the engine's compiled kernels are loaded (from
        numba's cache, at each kernel's first call) before the first student's step, not
        during it (it took 0.57 s instead of 0.17 s)."""
        model = copy.deepcopy(self.made_from.template)
        change_levers(model, self.made_from.scenario(self.made_from.start_values, "warm-up"))
        model.step()

    def open(self, name: str, moves: list[LeverMove], day: int) -> None:
        """Build `name`'s market: a copy of the class's market, every lever move on its day,
        run to `day`."""
        made_from = self.made_from
        model = copy.deepcopy(made_from.template)
        values = dict(made_from.start_values)
        for move in moves:
            run_to(model, move.day)
            values[move.key] = move.value
            change_levers(model, made_from.scenario(values, "replay"))
        run_to(model, day)
        self.guesses.pop(name, None)
        self.markets[name] = model

    def move_levers(self, name: str, scenario: Scenario) -> None:
        """Run `name`'s market with the levers of `scenario` from its next day on."""
        self.guesses.pop(name, None)  # its days ran with the levers before
        change_levers(self.markets[name], scenario)

    def run(self, name: str, days: int) -> DaysDone:
        """Run `days` days of `name`'s market (taken from its guess if that ran them)."""
        guess = self.guesses.pop(name, None)
        if guess is not None and len(guess.done.days) == days:
            self.markets[name] = guess.model
            return guess.done
        return self.days_of(self.markets[name], days)

    def guess(self, name: str, days: int) -> None:
        """Run `name`'s next `days` days ahead, on a copy of its market, for a `run` of exactly
        those days to take (nothing if the market is not held or already guessed)."""
        model = self.markets.get(name)
        if model is None or name in self.guesses or days < 1:
            return
        ahead = copy.deepcopy(model)
        self.guesses[name] = Guess(ahead, self.days_of(ahead, days))

    def days_of(self, model: JourneyModel, days: int) -> DaysDone:
        """Run `days` days of `model`: what they gave."""
        first = model.days_run
        for _ in range(days):
            model.step()
        new = DaysTable(*model.daily_numbers(since=first))
        return DaysDone(first, new, day_rows(new), self.picture(model))

    def look(self, name: str) -> NetworkState:
        """The network picture of `name`'s market today."""
        return self.picture(self.markets[name])

    def picture(self, model: JourneyModel) -> NetworkState:
        """The network picture of `model`'s market today."""
        return network_state(self.made_from.sample, model.market)

    def forget(self, name: str) -> None:
        """Hand `name`'s market's memory back (it is rebuilt by `open` when needed again)."""
        self.guesses.pop(name, None)
        if self.markets.pop(name, None) is not None:
            hand_back_memory_soon()  # once for students leaving together


def run_to(model: JourneyModel, day: int) -> None:
    """Step `model` until `day` days of its window have run."""
    while model.days_run < day:
        model.step()
