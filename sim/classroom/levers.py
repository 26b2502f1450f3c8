"""A lever on the classroom page and how its value maps to scenario keys.

A lever is a slider, a switch or a list of choices with a label students understand ("on-time
delivery, %") and a function from its value to dotted scenario keys (`brands.focal.p_late_delivery
= 1 - value / 100`). The page's levers are listed in `sim.classroom.lever_set`.

Strategy levers are available only when their strategy is in `sim.strategies.REGISTRY` (and has
the field the lever sets), so the page follows the strategies that exist at import time; a brand
lever can stand in for a strategy that does not exist (`unless`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.scenario.settings import Scenario
from sim.strategies import REGISTRY

FOCAL = "brands.focal"
Kind = Literal["float", "int", "switch", "choice"]


@dataclass(frozen=True)
class Lever:
    """One control on the page.

    Args:
        key: id of the control (also a column of the downloaded CSV).
        label: what students read, with units.
        kind: float or int slider, on/off switch, or a list of `choices`.
        read: the lever's value in a scenario (the page starts from the scenario's values).
        write: scenario overrides (dotted key -> value) for a lever value and the arm's values.
        strategy: registry name of the strategy the lever needs, if any.
        field: the strategy setting the lever writes.
        needs: key of a switch that must be on for this lever to show (e.g. the e-mail's delay).
        unless: registry name of a strategy that replaces this (brand) lever when it exists.
    """

    key: str
    label: str
    kind: Kind
    read: Callable[[Scenario], Any]
    write: Callable[[Any, Mapping[str, Any]], dict[str, Any]]
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    choices: tuple[Any, ...] = ()
    strategy: str | None = None
    field: str | None = None
    needs: str | None = None
    unless: str | None = None
    help: str = ""
    markets: tuple[str, ...] = ("b2c", "b2b")
    """Markets (`population.market`) where the lever does something: onboarding is B2B only,
    and a B2C scenario that switches it on is refused, so B2C pages do not show it."""

    def shown_in(self, scenario: Scenario) -> bool:
        """True when the lever applies to `scenario`'s market."""
        return scenario.population.market in self.markets

    @property
    def available(self) -> bool:
        """True when the lever's strategy (and the field it sets) exists in the registry."""
        if self.unless is not None and self.unless in REGISTRY:
            return False
        if self.strategy is None:
            return True
        cls = REGISTRY.get(self.strategy)
        if cls is None:
            return False
        return self.field is None or self.field in cls.settings_type.model_fields

    @property
    def slider(self) -> bool:
        """True when the page shows the lever as a slider, captioned with its value ("now
        3.5"); the seed is a number box."""
        return self.kind in ("int", "float") and self.key != "seed"

    def on_slider(self, value: Any) -> Any:
        """`value` as this lever's slider shows it: Vuetify rounds a slider's value to its step
        counted from the minimum (half up) and keeps it under the maximum. Other kinds: as is."""
        if not self.slider or self.step <= 0:
            return value
        offset = self.minimum % self.step
        shown = math.floor((value - offset) / self.step + 0.5) * self.step + offset
        shown = min(shown, self.maximum)
        return int(shown) if self.kind == "int" else round(shown, 10)

    def __repr__(self) -> str:
        return f"Lever({self.key!r}, {self.kind})"


def strategy_table(scenario: Scenario, name: str) -> dict[str, Any] | None:
    """The focal brand's table for strategy `name`, or None when it is not in the scenario."""
    return scenario.brands["focal"].strategies.get(name)


def strategy_value(scenario: Scenario, name: str, field: str) -> Any:
    """A strategy field as the scenario sets it, else the strategy's default."""
    table = strategy_table(scenario, name) or {}
    if field in table:
        return table[field]
    return REGISTRY[name].settings_type.model_fields[field].default


def switch_lever(key: str, label: str, strategy: str, help: str, **options: Any) -> Lever:
    """An on/off switch for a strategy (its `enabled` key)."""

    def read(scenario: Scenario) -> bool:
        table = strategy_table(scenario, strategy)
        return table is not None and bool(table.get("enabled", True))

    def write(value: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        return {f"{FOCAL}.strategies.{strategy}.enabled": bool(value)}

    return Lever(
        key, label, "switch", read, write, strategy=strategy, field="enabled", help=help, **options
    )


def strategy_lever(
    key: str, label: str, strategy: str, field: str, percent: bool = False, **options: Any
) -> Lever:
    """A slider for one field of a strategy, shown when the strategy's switch is on."""
    scale = 100.0 if percent else 1.0

    def read(scenario: Scenario) -> Any:
        value = strategy_value(scenario, strategy, field)
        return round(value * scale, 6) if percent else value

    def write(value: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        value = round(float(value) / scale, 9) if percent else value
        return {f"{FOCAL}.strategies.{strategy}.{field}": value}

    kind = options.pop("kind", "float" if percent else "int")
    return Lever(key, label, kind, read, write, strategy=strategy, field=field, **options)


def brand_lever(key: str, label: str, field: str, percent: bool = False, **options: Any) -> Lever:
    """A slider for one of the focal brand's levers (shown in percent when `percent`)."""
    scale = 100.0 if percent else 1.0

    def read(scenario: Scenario) -> float:
        return round(getattr(scenario.brands["focal"], field) * scale, 6)

    def write(value: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        return {f"{FOCAL}.{field}": round(float(value) / scale, 9)}

    return Lever(key, label, "float", read, write, **options)


def ad_reach(spend_usd: float, population: int, cpm_usd: float) -> float:
    """Daily reach bought by `spend_usd` a day at `cpm_usd` per thousand impressions."""
    if spend_usd <= 0 or population <= 0 or cpm_usd <= 0:
        return 0.0
    return min(1.0, spend_usd / cpm_usd * 1000.0 / population)


def read_ad_spend(scenario: Scenario) -> float:
    """Daily ad spend (USD) the scenario's advertising reach costs."""
    table = strategy_table(scenario, "advertising")
    if table is None or not table.get("enabled", True):
        return 0.0
    reach = strategy_value(scenario, "advertising", "reach_daily")
    return round(reach * scenario.population.n_consumers / 1000.0 * ad_cpm(scenario), 2)


def ad_cpm(scenario: Scenario) -> float:
    """Cost per thousand people reached a day: CPM times exposures per person (frequency)."""
    if "advertising" not in REGISTRY:
        return 0.0
    fields = REGISTRY["advertising"].settings_type.model_fields
    frequency = strategy_value(scenario, "advertising", "frequency") if "frequency" in fields else 1
    return float(strategy_value(scenario, "advertising", "cpm_usd")) * frequency


def write_ad_spend(value: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """Advertising switched on with the reach the spend buys, or off at zero spend."""
    spend = float(value)
    table = f"{FOCAL}.strategies.advertising"
    if spend <= 0:
        return {f"{table}.enabled": False}
    reach = ad_reach(spend, int(values["population"]), float(values["_ad_cpm_usd"]))
    return {f"{table}.enabled": True, f"{table}.reach_daily": reach}


def read_negativity(scenario: Scenario) -> float:
    """Critic messages per advocate message (word-of-mouth asymmetry)."""
    return float(scenario.feedback.negativity_ratio)


def write_negativity(value: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The asymmetry as a scenario key."""
    return {"feedback.negativity_ratio": float(value)}
