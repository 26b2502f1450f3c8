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
week gets it at once (a lever moved before the guess is in it); anything else (another number
of days, a lever moved since) runs as before.

Why students who made the same moves share one market (`Path`, `Held`, `ahead`): a class plays
one market, and a class told "switch the follow-up e-mail on and press Step" makes the same
moves on the same days. Their markets are then the same market, day for day, so the first
student's week is every such student's week: the 30 weeks that queued behind one another (0.35 s
of this process for the last student) are one week and 29 look-ups. A lever move is only noted
(applied before the market's next days), so students who move the same lever are still on one
path, whichever of them presses first. A market is copied only when a student runs it on while
others hold it or may take it (copy on write, `market_copy`: ~0.7 ms at 5,000 people, against
~3.5 ms for a week, on the machine of issue 16's thirteenth round), and it is never changed
while shared. The class's markets in memory are as many as its different paths.
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


Move = tuple[int, str, type, Any]
"""A lever move as a step of a path: (day, lever, the value's type, value). The type: `True ==
1`, and a lever's scenario is built from the value as typed."""

Path = tuple[tuple[Move, ...], int]
"""A market's state, named by how it got there: its lever moves, in order, and the days it has
run. Two markets on the same path are the same market: the class's one market, the same moves
on the same days, and random numbers keyed by person, day and purpose."""


def move_key(move: LeverMove) -> Move:
    """A lever move as a step of a path."""
    return (move.day, move.key, type(move.value), move.value)


def path_of(moves: list[LeverMove], day: int) -> Path:
    """The path of a market with lever history `moves`, `day` days run."""
    return (tuple(move_key(move) for move in moves), day)


def reachable(path: Path, sources: Mapping[int, list[tuple[Move, ...]]]) -> bool:
    """True if a student on one of `sources` (days run -> the moves of each student on that
    day) may come to `path` by lever moves alone: the same day, `path`'s moves begin with
    theirs, and the others were made on that day."""
    moves, day = path
    return any(
        moves[: len(made)] == made and all(move[0] == day for move in moves[len(made) :])
        for made in sources.get(day, ())
    )


@dataclass(frozen=True)
class Held:
    """A student's market as the keeper holds it."""

    model: JourneyModel
    """The market: days run to `path`'s day, moved by `path`'s moves but the `waiting` ones."""
    path: Path
    """Where the student is: every lever move made and the days run."""
    waiting: tuple[Mapping[str, Any], ...] = ()
    """The strategy levers after each move made since the market last ran, applied in order
    before its next days (a lever move is noted, not applied: the first student to run those
    moves and days runs them for everyone on the same path)."""


@dataclass(frozen=True)
class Ahead:
    """A market some days on from a path (`MarketKeeper.ahead`)."""

    model: JourneyModel
    """The market after the days (never changed while it is kept here)."""
    done: DaysDone
    """What the days gave."""


class MarketKeeper:
    """The running markets of a class, by name; students who made the same moves share one."""

    def __init__(self, made_from: ClassMarket) -> None:
        self.made_from = made_from
        self.held: dict[str, Held] = {}
        """Each student's market (students on the same path hold the same one)."""
        self.ahead: dict[tuple[Path, int], Ahead] = {}
        """Days run from a path someone may still take them from, by (path, days): weeks
        guessed (`guess`), and the days of a student who left others behind on their path.
        Kept while a student is on that path or may come to it by lever moves (`tidy`)."""

    def warm_up(self) -> None:
        """Run a day of a throwaway copy, so the engine's compiled kernels are loaded (from
        numba's cache, at each kernel's first call) before the first student's step, not
        during it (it took 0.57 s instead of 0.17 s)."""
        model = market_copy(self.made_from.template)
        change_levers(model, self.made_from.scenario(self.made_from.start_values, "warm-up"))
        model.step()

    def open(self, name: str, moves: list[LeverMove], day: int) -> None:
        """Hold `name`'s market: the one a student on its path holds, else a copy of the
        class's market, every lever move on its day, run to `day`."""
        path = path_of(moves, day)
        held = next((held for held in self.held.values() if held.path == path), None)
        if held is None:
            made_from = self.made_from
            model = market_copy(made_from.template)
            values = dict(made_from.start_values)
            for move in moves:
                run_to(model, move.day)
                values[move.key] = move.value
                change_levers(model, made_from.scenario(values, "replay"))
            run_to(model, day)
            held = Held(model, path)
        self.hold(name, held)

    def move_levers(self, name: str, move: LeverMove, values: Mapping[str, Any]) -> None:
        """Run `name`'s market with the strategy levers `values` from its next day on (`move`
        made them so): noted now, applied before its next days (`run_ahead`: `change_levers`
        checks them then; the student's market checked them before asking)."""
        held = self.held[name]
        moves, day = held.path
        self.hold(name, Held(held.model, (moves + (move_key(move),), day), (*held.waiting, values)))

    def run(self, name: str, days: int) -> DaysDone:
        """Run `days` days of `name`'s market (taken from `ahead` if they ran already); on a
        copy if anyone else holds the market or may take it from `ahead`."""
        held = self.held[name]
        ahead = self.ahead.get((held.path, days))
        if ahead is None:
            ahead = self.run_ahead(held, days, self.shared(held.model, name))
        moves, day = held.path
        self.hold(name, Held(ahead.model, (moves, day + days)))
        return ahead.done

    def guess(self, name: str, days: int) -> None:
        """Run `name`'s next `days` days ahead, on a copy of its market, for a `run` of exactly
        those days to take (nothing if the market is not held or already run ahead)."""
        held = self.held.get(name)
        if held is not None and days >= 1 and (held.path, days) not in self.ahead:
            self.run_ahead(held, days, on_copy=True)

    def run_ahead(self, held: Held, days: int, on_copy: bool) -> Ahead:
        """`held`'s market `days` days on (its waiting lever moves first), kept in `ahead` for
        anyone who may come to `held`'s path."""
        model = self.copy_on_write(held.model) if on_copy else held.model
        for values in held.waiting:
            change_levers(model, self.made_from.scenario(values, "the levers"))
        ahead = Ahead(model, self.days_of(model, days))
        self.ahead[(held.path, days)] = ahead
        return ahead

    def copy_on_write(self, model: JourneyModel) -> JourneyModel:
        """A copy of a shared `model`, for one student to move on while the others keep it."""
        return market_copy(model)

    def guessed(self) -> list[str]:
        """The students whose market's next days ran ahead, by name."""
        return sorted(
            name for name, held in self.held.items() if any(p == held.path for p, _ in self.ahead)
        )

    def shared(self, model: JourneyModel, name: str) -> bool:
        """True if anyone but `name` holds `model` or may take it from `ahead`."""
        others = (held.model for other, held in self.held.items() if other != name)
        return any(m is model for m in others) or any(a.model is model for a in self.ahead.values())

    def hold(self, name: str, held: Held) -> None:
        """`name` now holds `held`."""
        self.held[name] = held
        self.tidy()

    def tidy(self) -> None:
        """Keep in `ahead` only the days someone may still take: from a path a student is on or
        may come to by lever moves alone (not by days: a student who has not pressed Step would
        keep every later week of the class)."""
        sources: dict[int, list[tuple[Move, ...]]] = {}
        for held in self.held.values():
            sources.setdefault(held.path[1], []).append(held.path[0])
        self.ahead = {key: a for key, a in self.ahead.items() if reachable(key[0], sources)}

    def days_of(self, model: JourneyModel, days: int) -> DaysDone:
        """Run `days` days of `model`: what they gave."""
        first = model.days_run
        for _ in range(days):
            model.step()
        new = DaysTable(*model.daily_numbers(since=first))
        return DaysDone(first, new, day_rows(new), self.picture(model))

    def look(self, name: str) -> NetworkState:
        """The network picture of `name`'s market today."""
        return self.picture(self.held[name].model)

    def picture(self, model: JourneyModel) -> NetworkState:
        """The network picture of `model`'s market today."""
        return network_state(self.made_from.sample, model.market)

    def forget(self, name: str) -> None:
        """Let go of `name`'s market (it is rebuilt by `open` when needed again); its memory is
        handed back once no one else holds it."""
        held = self.held.pop(name, None)
        self.tidy()
        if held is not None and not self.shared(held.model, name):
            hand_back_memory_soon()  # once for students leaving together


def market_copy(model: JourneyModel) -> JourneyModel:
    """A deep copy of `model` that shares its scenario.

    Why: nothing writes to a `Scenario` (a lever move puts another in its place,
    `change_levers`; `ClassMarket.scenario` already shares one among students), and copying its
    settings was half of copying a 5,000-person market (0.65 of 1.35 ms), paid at every press
    of a student who moves on alone from a market others hold."""
    return copy.deepcopy(model, {id(model.settings): model.settings})


def run_to(model: JourneyModel, day: int) -> None:
    """Step `model` until `day` days of its window have run."""
    while model.days_run < day:
        model.step()
