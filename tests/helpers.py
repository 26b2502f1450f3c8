"""Small scenario builders shared by the engine tests."""

from __future__ import annotations

from typing import Any

from sim.scenario.config import deep_merge, validate_scenario
from sim.scenario.settings import Scenario


def small_scenario(**overrides: Any) -> Scenario:
    """A 2,000-person, 120-day market; nested overrides as dicts (`brands={"focal": {...}}`)."""
    base: dict[str, Any] = {
        "name": "test",
        "days": 120,
        "population": {"n_consumers": 2000},
        "brands": {"focal": {}, "rival": {}},
    }
    return validate_scenario(deep_merge(base, overrides), source="<test>")
