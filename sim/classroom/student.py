"""One student's market in a class: a copy of the class's market, their levers and their answers.

Why a copy: every student plays the same market (same seed, same people), so the class warms the
market up once and each student starts from a deep copy of it (a few milliseconds and about a
megabyte, against a second or more to build and warm up a market). Levers move from the next day
on (`sim.classroom.relever`), and each day's row of the downloaded data carries the levers that
were in force on that day.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

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


class StudentMarket:
    """A student's (or team's) market.

    Args:
        name: what the student typed when joining.
        base: the lesson's scenario.
        market: the class's market levers (people, seed): the same for every student.
        template: the class's market, warmed up once; the student gets a deep copy.
        values: the strategy levers the student starts with.
    """

    def __init__(
        self,
        name: str,
        base: Scenario,
        market: Mapping[str, Any],
        template: JourneyModel,
        values: Mapping[str, Any],
    ) -> None:
        self.name = name
        self.base = base
        self.market = dict(market)
        self.model = copy.deepcopy(template)
        self.values = dict(values)
        self.periods = [LeverPeriod(self.day + 1, dict(self.values))]
        self.answers: dict[int, str] = {}
        self.error: str | None = None
        self.notes: list[str] = advice(self.model.settings)
        self.lock = threading.RLock()

    @property
    def day(self) -> int:
        """Days of the window run so far."""
        return self.model.days_run

    @property
    def days(self) -> int:
        """Days the market can run."""
        return self.model.settings.days

    def set_lever(self, key: str, value: Any) -> bool:
        """Move one lever from the next day on; an impossible combination is kept as `error`."""
        with self.lock:
            values = {**self.values, key: value}
            try:
                scenario = scenario_for(self.base, self.market, values, f"levers of {self.name}")
                change_levers(self.model, scenario)
            except (ScenarioError, ValueError) as exc:
                self.error = str(exc)
                return False
            self.values, self.error = values, None
            self.notes = advice(scenario)
            self.record_period()
            return True

    def record_period(self) -> None:
        """Note today's levers as in force from the next day (replacing a period not yet run)."""
        period = LeverPeriod(self.day + 1, dict(self.values))
        if self.periods[-1].first_day == period.first_day:
            self.periods[-1] = period
        else:
            self.periods.append(period)

    def step(self, days: int = 1) -> int:
        """Run up to `days` days; returns the days run."""
        with self.lock:
            n = max(0, min(days, self.days - self.day))
            for _ in range(n):
                self.model.step()
            return n

    def daily(self) -> pd.DataFrame:
        """The market's measures, one row per day run."""
        with self.lock:
            return self.model.daily()

    def network(self, sample: NetworkSample) -> NetworkState:
        """Today's moments and stances of the people in the class's network picture."""
        with self.lock:
            return network_state(sample, self.model.market)

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
        return f"StudentMarket({self.name!r}, day={self.day})"
