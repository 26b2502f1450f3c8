"""One student's market in a class: a copy of the class's market, their levers and their answers.

Why a copy: every student plays the same market (same seed, same people), so the class warms the
market up once and each student starts from a deep copy of it (a few milliseconds and about a
megabyte, against a second or more to build and warm up a market). Levers move from the next day
on (`sim.classroom.relever`), and each day's row of the downloaded data carries the levers that
were in force on that day.

Why the market itself lives with a keeper: the running `JourneyModel` is held by the class's
`MarketKeeper` (in a process of its own when a class is served: `sim.classroom.keeper_process`),
and this object keeps what the pages and the teacher read: the days run (`daily`), the network
picture's colours, the levers and their history. Days are asked for and arrive later; each
arrival is taken in the order asked (one keeper runs requests in order).

Why a lever history: the market can be rebuilt at any time by replaying every lever move on its
day from the class's warmed-up market (the engine is deterministic for a seed and a lever
history). So a student who closes their page hands the market's memory back (`release`), a class
restarted from its SQLite file (`sim.classroom.class_store`) rebuilds each market when it is next
needed, and so does a keeper's process started again after it died, without pickling anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import BrokenExecutor, Future
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.classroom.class_store import ClassStore, DaysRun, day_rows, frame_from_rows
from sim.classroom.days_table import DaysTable
from sim.classroom.keeper_process import Keeper, KeeperLost
from sim.classroom.lever_set import ScenarioError, advice
from sim.classroom.market_keeper import ClassMarket, DaysDone, LeverMove
from sim.classroom.network_view import NetworkState
from sim.classroom.relever import check_built_from

__all__ = ["LeverMove", "LeverPeriod", "StudentMarket"]

WEEK = 7
"""Days of the "Step 7 days" button: the step a student most often asks again, so the keeper
runs it ahead when it has nothing else to do (`Keeper.guess`)."""

LOST = "your market's process stopped and was started again; days and lever moves were lost"


@dataclass(frozen=True)
class LeverPeriod:
    """Lever values in force from `first_day` (1 = the window's first day) until the next period."""

    first_day: int
    values: dict[str, Any]


class StudentMarket:
    """A student's (or team's) market.

    Args:
        name: what the student typed when joining (the market's name at its keeper).
        made_from: the class's market: lesson, market levers, warmed-up market, network sample.
        keeper: where the market runs.
        values: the strategy levers the student starts with.
        store: the class's file, written at every lever move and step (None: memory only).
    """

    def __init__(
        self,
        name: str,
        made_from: ClassMarket,
        keeper: Keeper,
        values: Mapping[str, Any],
        store: ClassStore | None = None,
    ) -> None:
        self.name = name
        self.made_from = made_from
        self.base = made_from.base
        self.market = made_from.market
        self.keeper = keeper
        self.store = store
        self._opened: int | None = None
        """The keeper's `generation` that holds this market (None: not held)."""
        self._day = 0
        self._asked = 0
        """Days asked of the keeper: `_day` plus those still running."""
        self._stepped = 0
        """Days of the last step asked (a week: the next one is guessed)."""
        self._days = made_from.first_days
        self._network: NetworkState | None = made_from.first_network
        self.values = dict(values)
        self.moves: list[LeverMove] = []
        self.periods = [LeverPeriod(1, dict(self.values))]
        self.answers: dict[int, str] = {}
        self.error: str | None = None
        self.notes: list[str] = advice(made_from.base)
        self.viewers = 0
        """Pages showing this market now; at 0 its memory can be handed back (`release`)."""
        self.lock = threading.RLock()

    @property
    def loaded(self) -> bool:
        """True while the keeper holds the market."""
        return self._opened == self.keeper.generation

    @property
    def day(self) -> int:
        """Days of the window run so far (and arrived)."""
        return self._day

    @property
    def days(self) -> int:
        """Days the market can run."""
        return self.base.days

    def ask(self, request: str, *args: Any) -> Future:
        """Ask the keeper for `request` on this market, opening it there first when the keeper
        does not hold it (new, released, resumed, or a new keeper after one died)."""
        with self.lock:
            try:
                return self.ask_held(request, *args)
            except KeeperLost:
                self.lose()
                return self.ask_held(request, *args)

    def ask_held(self, request: str, *args: Any) -> Future:
        """`ask`, once."""
        keeper = self.keeper
        if not self.loaded:
            opened = keeper.ask("open", self.name, list(self.moves), self._day)
            self._opened = keeper.generation
            keeper.when_done(opened, self.check(keeper.generation))
        return keeper.ask(request, self.name, *args)

    def check(self, generation: int) -> Callable[[Future], None]:
        """A request's check: if it failed, the market is rebuilt at the next request."""

        def checked(done: Future) -> None:
            if done.cancelled() or done.exception() is not None:
                self.lose(generation)

        return checked

    def lose(self, generation: int | None = None) -> None:
        """The keeper no longer holds this market as the pages know it (its process died, or a
        request failed; `generation`: only if it was the keeper's holding then). The days asked
        and not arrived were not run, and the lever moves made after them are dropped, in
        memory and in the class's file: the market is rebuilt from the history that is left."""
        with self.lock:
            if generation is not None and self._opened != generation:
                return  # handled already, or held by a newer keeper
            self._opened, self._asked = None, self._day
            self.error = f"{LOST} since day {self._day}: press again" if self._day else LOST
            if all(move.day <= self._day for move in self.moves):
                return
            self.moves = [move for move in self.moves if move.day <= self._day]
            self.values = dict(self.made_from.start_values)
            self.periods = [LeverPeriod(1, dict(self.values))]
            for move in self.moves:
                self.values[move.key] = move.value
                self.record_period(move.day)
            if self.store is not None:
                self.store.drop_levers_after(self.name, self._day)

    def set_lever(self, key: str, value: Any) -> bool:
        """Move one lever from the next day on; an impossible combination is kept as `error`."""
        with self.lock:
            if self.values.get(key) == value and type(self.values.get(key)) is type(value):
                self.error = None
                return True  # the page re-sent the value it shows: nothing moves
            values = {**self.values, key: value}
            try:
                scenario = self.made_from.scenario(values, f"levers of {self.name}")
                check_built_from(self.made_from.template.settings, scenario)
            except (ScenarioError, ValueError) as exc:
                self.error = str(exc)
                return False
            move = LeverMove(self._asked, key, value)
            moved = self.ask("move_levers", move, values)
            self.keeper.when_done(moved, self.check(self.keeper.generation))
            self.values, self.error = values, None
            self.notes = advice(scenario)
            self.moves.append(move)
            self.record_period(move.day)
            if self.store is not None:
                self.store.add_lever(self.name, move.day, key, value)
            self.guess_next_week(soon=True)
            return True

    def guess_next_week(self, soon: bool = False) -> None:
        """After a week's step (or a lever moved after one), the keeper may run the next week
        ahead while the student looks (under `lock`). Not after a day of Play or a round:
        guessing a week there would be thrown away at the next frame or lever move. `soon`: a
        lever just moved, so the press most likely comes next (`KeeperProcess.guess`)."""
        left = self.days - self._asked
        if self._stepped == WEEK and left > 0 and self.loaded:
            self.keeper.guess(self.name, min(WEEK, left), soon)

    def record_period(self, day: int) -> None:
        """Note the levers as in force from `day + 1` (replacing a period not yet run)."""
        period = LeverPeriod(day + 1, dict(self.values))
        if self.periods[-1].first_day == period.first_day:
            self.periods[-1] = period
        else:
            self.periods.append(period)

    def step(self, days: int = 1, save: bool = True) -> int:
        """Run up to `days` days and wait for them; returns the days run. `save`: write them to
        the class's file now (a round writes every market's days in one transaction instead).
        If the keeper's process died meanwhile, they are asked once more of its successor."""
        try:
            return self.ask_days(days, save).result()
        except BrokenExecutor:
            return self.ask_days(days, save).result()

    def step_then(self, days: int, then: Callable[[], None]) -> None:
        """Run up to `days` days; call `then` once they arrived, on the event loop that asked
        (a page's press: the loop answers other pages meanwhile), or at once without a loop."""
        arrived = self.ask_days(days, save=True)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on a server's loop (tests, scripts): wait here
            shown(arrived, then)
            return
        asyncio.wrap_future(arrived, loop=loop).add_done_callback(lambda done: shown(done, then))

    def ask_days(self, days: int, save: bool) -> Future:
        """Ask for up to `days` days (those left in the window); the future gives the days run,
        once they are taken into `daily` (and the class's file when `save`)."""
        taken: Future = Future()
        with self.lock:
            n = max(0, min(days, self.days - self._asked))
            if n == 0:
                taken.set_result(0)
                return taken
            asked = self.ask("run", n)
            first, generation = self._asked, self.keeper.generation
            self._asked, self._stepped = self._asked + n, n
            self.guess_next_week()
            # inside the lock: answers are taken in the order asked
            self.keeper.when_done(
                asked, lambda done: self.take(done, first, save, taken, generation)
            )
        return taken

    def take(self, asked: Future, first: int, save: bool, taken: Future, generation: int) -> None:
        """Days arrived from the keeper (after day `first`, in the order asked): add them to
        `daily` and, with `save`, to the class's file. A failure loses them (`lose`)."""
        try:
            done: DaysDone = asked.result()
            with self.lock:
                if first != self._day:
                    raise RuntimeError(f"days after day {first} arrived on day {self._day}")
                if save and self.store is not None:
                    self.store.add_days([DaysRun(self.name, first + 1, done.rows)])
                self._days = self._days.then(done.days)
                self._day, self._network = first + len(done.days), done.network
                if self.error is not None and self.error.startswith(LOST):
                    self.error = None
        except BaseException as exc:  # handed to whoever waits for the days
            self.lose(generation)
            taken.set_exception(exc)
            return
        taken.set_result(len(done.days))

    def days_since(self, first: int) -> DaysRun:
        """The daily rows after day `first`, as stored."""
        return DaysRun(self.name, first + 1, day_rows(self._days.since(first)))

    def daily(self) -> pd.DataFrame:
        """The market's measures, one row per day run."""
        return self._days.frame

    def numbers(self) -> DaysTable:
        """The same measures as numbers: what the page reads at each step (no DataFrame)."""
        return self._days

    def network(self) -> NetworkState:
        """Today's moments and stances of the people in the class's network picture."""
        with self.lock:
            if self._network is None:  # resumed from the class's file: rebuilt to see it
                try:
                    self._network = self.ask("look").result()
                except BrokenExecutor:  # the keeper died meanwhile: ask its successor
                    self._network = self.ask("look").result()
            return self._network

    def release(self) -> bool:
        """Hand the market's memory back (no page shows it, no days are on their way); its
        measures stay for the teacher. True when released."""
        with self.lock:
            if not self.loaded or self.viewers > 0 or self._asked != self._day:
                return False
            self._opened = None
            with contextlib.suppress(KeeperLost):  # a new keeper does not hold it either
                self.keeper.ask("forget", self.name)
            return True

    def back_to(self, day: int) -> None:
        """Forget the days after `day` that are only in memory (a round that failed before it
        was written); the market is rebuilt at the next request."""
        with self.lock:
            if self._day > day:
                self._days = self._days.head(day)
                self._day = day
            self._opened, self._asked, self._network = None, self._day, None

    def restore(self, day: int, moves: list[LeverMove], rows: list[str]) -> None:
        """Come back from the class's file: the lever history and the days run (the market is
        rebuilt when first needed; until then the stored rows answer for it)."""
        with self.lock:
            self._opened, self._network = None, None
            self._day = self._asked = day
            self.moves = list(moves)
            for move in moves:
                self.values[move.key] = move.value
                self.record_period(move.day)
            if rows:
                self._days = DaysTable.of(frame_from_rows(rows))
            self.notes = advice(self.made_from.scenario(self.values, self.name))

    def data(self) -> pd.DataFrame:
        """Daily measures with the levers in force on each day (`lever_*` columns)."""
        daily = self.daily()
        levers = pd.DataFrame(
            [{f"lever_{k}": v for k, v in self.levers_on(day).items()} for day in daily["day"]]
        )
        frame = pd.concat([daily[["day"]], levers, daily.drop(columns="day")], axis=1)
        frame.insert(0, "student", self.name)
        return frame

    def levers_on(self, day: int) -> dict[str, Any]:
        """The lever values in force on `day`."""
        current = self.periods[0].values
        for period in self.periods:
            if period.first_day <= day:
                current = period.values
        return {**self.market, **current}

    def __repr__(self) -> str:
        return f"StudentMarket({self.name!r}, day={self.day}, loaded={self.loaded})"


def shown(arrived: Future | asyncio.Future, then: Callable[[], None]) -> None:
    """Show the days that arrived; a failure is the market's `error`, which `then` shows."""
    arrived.exception()  # retrieved: a failure is not also logged as never looked at
    then()
