"""One student's classroom session: the levers, one or two markets, and stepping them day by day.

`Classroom` is plain Python (no Solara), so the page's behaviour is tested without a browser. It
holds the levers of strategy A and strategy B, builds a `JourneyModel` for each (same seed, same
people: the same market, so differences come from the strategies, not from chance) and steps them
in lockstep. The warm-up runs on the lesson's market; the levers act from the window's first day
(`Classroom.build_model`). Levers that cannot work together never replace a running market: the error is kept
as one line for the page to show.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.classroom.lever_set import (
    MARKET_LEVERS,
    STRATEGY_LEVERS,
    ScenarioError,
    advice,
    lever_values,
    scenario_for,
)
from sim.classroom.network_view import N_SHOWN, NetworkSample, NetworkState, network_state
from sim.classroom.network_view import sample_network as build_sample
from sim.model import JourneyModel
from sim.scenario.settings import Scenario

ARMS: tuple[str, ...] = ("A", "B")
"""Strategy A runs always; strategy B runs when the page compares."""


@dataclass
class Arm:
    """One strategy: its lever values and the market it runs in."""

    name: str
    values: dict[str, Any]
    model: JourneyModel | None = None
    notes: list[str] = field(default_factory=list)
    running_values: dict[str, Any] = field(default_factory=dict)
    """The levers the running market was built with (`values` may hold changes awaiting Reset)."""

    def __repr__(self) -> str:
        day = self.model.days_run if self.model is not None else "-"
        return f"Arm({self.name!r}, day={day})"


class Classroom:
    """Levers, markets and controls of one page.

    Args:
        base: the scenario the page starts from (its values set the levers' starting points).
        n_shown: people in the network picture.
    """

    def __init__(self, base: Scenario, n_shown: int = N_SHOWN) -> None:
        self.base = base
        self.n_shown = n_shown
        self.market = lever_values(base, MARKET_LEVERS)
        start = lever_values(base, STRATEGY_LEVERS)
        self.arms = {name: Arm(name, dict(start)) for name in ARMS}
        self.compare = False
        self.error: str | None = None
        self.pending = False
        self.sample: NetworkSample | None = None
        self._sample_key: tuple | None = None
        self._lock = threading.RLock()
        if not self.reset():
            raise ScenarioError(self.error)

    @property
    def active(self) -> list[Arm]:
        """The arms that run: A, and B when comparing."""
        return [self.arms[name] for name in (ARMS if self.compare else ARMS[:1])]

    @property
    def day(self) -> int:
        """Days run so far (0 after a reset)."""
        return self.arms["A"].model.days_run

    @property
    def days(self) -> int:
        """Days the markets can run."""
        return self.arms["A"].model.settings.days

    @property
    def finished(self) -> bool:
        """True once the last day has run."""
        return self.day >= self.days

    def scenarios(self) -> dict[str, Scenario]:
        """The scenario of each active arm from the current levers (or `ScenarioError`)."""
        return {
            arm.name: scenario_for(
                self.base, self.market, arm.values, f"levers of strategy {arm.name}"
            )
            for arm in self.active
        }

    def set_market(self, key: str, value: Any) -> None:
        """Move a market lever (people, seed): both strategies get the new market."""
        with self._lock:
            self.market[key] = value
            self.levers_changed()

    def set_lever(self, arm: str, key: str, value: Any) -> None:
        """Move one strategy lever of arm `arm`."""
        with self._lock:
            self.arms[arm].values[key] = value
            self.levers_changed()

    def set_compare(self, compare: bool) -> None:
        """Run strategy B beside A (a new run starts so both begin on day 0)."""
        with self._lock:
            self.compare = compare
            self.reset()

    def levers_changed(self) -> None:
        """Check the new levers now; apply them at once on day 0, else at the next reset."""
        try:
            self.scenarios()
        except ScenarioError as exc:
            self.error = str(exc)
            return
        self.error = None
        if self.day == 0:
            self.reset()
        else:
            self.pending = True

    def reset(self) -> bool:
        """New markets from the levers; on an impossible combination keep the old ones."""
        with self._lock:
            try:
                scenarios = self.scenarios()
                models = {name: self.build_model(s) for name, s in scenarios.items()}
            except (ScenarioError, ValueError) as exc:
                self.error = str(exc)
                return False
            for name, model in models.items():
                arm = self.arms[name]
                arm.model = model
                arm.running_values = {**self.market, **arm.values}
                arm.notes = advice(model.settings)
            self.error = None
            self.pending = False
            self.refresh_sample(models["A"])
            return True

    def build_model(self, scenario: Scenario) -> JourneyModel:
        """A market for one arm: the warm-up runs on the lesson's market (its file with the
        market levers: people, seed), and the arm's levers act from the window's first day.

        Why: the warm-up is the market's history before the class starts. Were the levers
        applied during it, a market setting such as critics' loudness (lesson 2) would reshape
        the market before day 1 and strategy B would start behind A (by ~180 customers in
        lesson 2); now A and B start day 1 from the same market and the debrief shows only
        what the levers do. A launch (no warm-up) starts with the arm's settings.
        """
        if scenario.warmup_days == 0:
            return JourneyModel(scenario)
        model = JourneyModel(scenario_for(self.base, self.market, {}, "the market levers"))
        model.open_window_with(scenario)
        return model

    def refresh_sample(self, model: JourneyModel) -> None:
        """Lay out the network picture again only when the market itself changed."""
        key = (model.settings.seed, model.settings.population, model.settings.network)
        if key != self._sample_key:
            self.sample = build_sample(model.market.graph, self.n_shown, model.settings.seed)
            self._sample_key = key

    def step(self, days: int = 1) -> int:
        """Run up to `days` days in every active market; returns the days actually run."""
        with self._lock:
            n = max(0, min(days, self.days - self.day))
            for _ in range(n):
                for arm in self.active:
                    arm.model.step()
            return n

    def daily(self, arm: str = "A") -> pd.DataFrame:
        """The measures of one arm, one row per day run."""
        return self.arms[arm].model.daily()

    def network(self, arm: str = "A") -> NetworkState:
        """Today's moments and stances of the people in the network picture."""
        return network_state(self.sample, self.arms[arm].model.market)

    def data(self) -> pd.DataFrame:
        """Every active arm's daily measures with the levers it ran with, one row per arm and day."""
        frames = []
        for arm in self.active:
            frame = arm.model.daily()
            levers = arm.running_values  # what ran, not levers waiting for Reset
            frame.insert(0, "strategy", arm.name)
            for position, (key, value) in enumerate(levers.items(), start=1):
                frame.insert(position, f"lever_{key}", value)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def data_csv(self) -> str:
        """`data()` as CSV text for spreadsheet users."""
        buffer = io.StringIO()
        self.data().to_csv(buffer, index=False)
        return buffer.getvalue()

    def __repr__(self) -> str:
        return f"Classroom(day={self.day}, compare={self.compare}, error={self.error!r})"
