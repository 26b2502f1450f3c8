"""One student's market in a class: a copy of the class's market, their levers and their answers.

Why a copy: every student plays the same market (same seed, same people), so the class warms the
market up once and each student starts from a deep copy of it (a few milliseconds and about a
megabyte, against a second or more to build and warm up a market). Levers move from the next day
on (`sim.classroom.relever`), and each day's row of the downloaded data carries the levers that
were in force on that day.

Why a lever history: the market can be rebuilt at any time by replaying every lever move on its
day from the class's warmed-up market (the engine is deterministic for a seed and a lever
history). So a student who closes their page hands the market's memory back (`release`), and a
class restarted from its SQLite file (`sim.classroom.class_store`) rebuilds each market when it
is next needed, without pickling anything.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.classroom.class_store import ClassStore, DaysRun
from sim.classroom.lever_set import ScenarioError, advice, scenario_for
from sim.classroom.network_view import NetworkSample, NetworkState, network_state
from sim.classroom.relever import change_levers
from sim.model import JourneyModel
from sim.scenario.settings import Scenario


@dataclass(frozen=True)
class LeverPeriod:
    """Lever values in force from `first_day` (1 = the window's first day) until the next period."""

    first_day: int
    values: dict[str, Any]


@dataclass(frozen=True)
class LeverMove:
    """A lever moved after `day` days had run (it acts from day `day + 1`)."""

    day: int
    key: str
    value: Any


class StudentMarket:
    """A student's (or team's) market.

    Args:
        name: what the student typed when joining.
        base: the lesson's scenario.
        market: the class's market levers (people, seed): the same for every student.
        template: the class's market, warmed up once; the student gets a deep copy.
        values: the strategy levers the student starts with.
        store: the class's file, written at every lever move and step (None: memory only).
    """

    def __init__(
        self,
        name: str,
        base: Scenario,
        market: Mapping[str, Any],
        template: JourneyModel,
        values: Mapping[str, Any],
        store: ClassStore | None = None,
    ) -> None:
        self.name = name
        self.base = base
        self.market = dict(market)
        self.template = template
        self.start_values = dict(values)
        self.store = store
        self._model: JourneyModel | None = copy.deepcopy(template)
        self._day = 0
        self._daily: pd.DataFrame | None = None
        self._frame: tuple[int, pd.DataFrame] | None = None
        """(days run, `daily()`) of the market in memory: built once a day, not once a call."""
        self.values = dict(values)
        self.moves: list[LeverMove] = []
        self.periods = [LeverPeriod(1, dict(self.values))]
        self.answers: dict[int, str] = {}
        self.error: str | None = None
        self.notes: list[str] = advice(template.settings)
        self.viewers = 0
        """Pages showing this market now; at 0 its memory can be handed back (`release`)."""
        self.lock = threading.RLock()

    @property
    def model(self) -> JourneyModel:
        """The running market, rebuilt from the lever history if it was released."""
        with self.lock:
            if self._model is None:
                self._model = self.replay(self._day)
                self._daily, self._frame = None, None
            return self._model

    @property
    def loaded(self) -> bool:
        """True while the market is in memory."""
        return self._model is not None

    @property
    def day(self) -> int:
        """Days of the window run so far."""
        model = self._model
        return model.days_run if model is not None else self._day

    @property
    def days(self) -> int:
        """Days the market can run."""
        return self.base.days

    def set_lever(self, key: str, value: Any) -> bool:
        """Move one lever from the next day on; an impossible combination is kept as `error`."""
        with self.lock:
            if self.values.get(key) == value and type(self.values.get(key)) is type(value):
                self.error = None
                return True  # the page re-sent the value it shows: nothing moves
            values = {**self.values, key: value}
            try:
                scenario = scenario_for(self.base, self.market, values, f"levers of {self.name}")
                change_levers(self.model, scenario)
            except (ScenarioError, ValueError) as exc:
                self.error = str(exc)
                return False
            self.values, self.error = values, None
            self.notes = advice(scenario)
            move = LeverMove(self.day, key, value)
            self.moves.append(move)
            self.record_period(move.day)
            if self.store is not None:
                self.store.add_lever(self.name, move.day, key, value)
            return True

    def record_period(self, day: int) -> None:
        """Note the levers as in force from `day + 1` (replacing a period not yet run)."""
        period = LeverPeriod(day + 1, dict(self.values))
        if self.periods[-1].first_day == period.first_day:
            self.periods[-1] = period
        else:
            self.periods.append(period)

    def step(self, days: int = 1, save: bool = True) -> int:
        """Run up to `days` days; returns the days run. `save`: write them to the class's file
        now (a round writes every market's days in one transaction instead)."""
        with self.lock:
            first = self.day
            model = self.model
            n = max(0, min(days, self.days - first))
            for _ in range(n):
                model.step()
            if n and save and self.store is not None:
                self.store.add_days([self.days_since(first)])
            return n

    def days_since(self, first: int) -> DaysRun:
        """The daily rows after day `first`, as stored."""
        return DaysRun(self.name, first + 1, day_rows(self.daily().iloc[first:]))

    def daily(self) -> pd.DataFrame:
        """The market's measures, one row per day run (kept while the market is released)."""
        with self.lock:
            if self._model is None and self._daily is not None:
                return self._daily
            model = self.model
            kept = self._frame
            if kept is not None and kept[0] == model.days_run:
                return kept[1]  # the page, the class's file and the teacher ask each day
            daily = model.daily()
            self._frame = (model.days_run, daily)
            return daily

    def network(self, sample: NetworkSample) -> NetworkState:
        """Today's moments and stances of the people in the class's network picture."""
        with self.lock:
            return network_state(sample, self.model.market)

    def release(self) -> bool:
        """Hand the market's memory back (no page shows it); its measures stay for the teacher.
        True when released."""
        with self.lock:
            if self._model is None or self.viewers > 0:
                return False
            self._daily, self._day = self._model.daily(), self._model.days_run
            self._model, self._frame = None, None
            return True

    def replay(self, day: int) -> JourneyModel:
        """The market rebuilt: the class's market, every lever move on its day, run to `day`."""
        model = copy.deepcopy(self.template)
        values = dict(self.start_values)
        for move in self.moves:
            run_to(model, move.day)
            values[move.key] = move.value
            change_levers(model, scenario_for(self.base, self.market, values, "replay"))
        run_to(model, day)
        return model

    def restore(self, day: int, moves: list[LeverMove], rows: list[str]) -> None:
        """Come back from the class's file: the lever history and the days run (the market is
        rebuilt when first needed; until then the stored rows answer for it)."""
        with self.lock:
            self._model, self._frame, self._day = None, None, day
            self.moves = list(moves)
            for move in moves:
                self.values[move.key] = move.value
                self.record_period(move.day)
            self._daily = frame_from_rows(rows) if rows else self.template.daily()
            self.notes = advice(scenario_for(self.base, self.market, self.values, self.name))

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


def run_to(model: JourneyModel, day: int) -> None:
    """Step `model` until `day` days of its window have run."""
    while model.days_run < day:
        model.step()


def day_rows(daily: pd.DataFrame) -> list[str]:
    """Daily rows as JSON text, one per day (floats written exactly: `repr` round-trips).

    Why `to_numpy(dtype=object)`: it gives each value as the Python int or float `to_dict`
    gives, in one call (the same text; a quarter of the time of picking columns by dtype,
    which ran at every step of every student)."""
    columns = list(daily.columns)
    rows = daily.to_numpy(dtype=object).tolist()
    return [json.dumps(dict(zip(columns, row, strict=True))) for row in rows]


def frame_from_rows(rows: list[str]) -> pd.DataFrame:
    """Stored daily rows back as a table."""
    return pd.DataFrame.from_records([json.loads(row) for row in rows])
