"""Moments of Truth: an agent-based simulation of the marketing customer journey.

The names below load on first use (PEP 562), so that `mot --help` and the wings that need no
engine start without importing it.
"""

from __future__ import annotations

import importlib
from typing import Any

from sim import moved_modules

__version__ = "0.2.0"

EXPORTS: dict[str, str] = {
    "Buyer": "sim.agents",
    "Consumer": "sim.agents",
    "EndUser": "sim.agents",
    "Influencer": "sim.agents",
    "JourneyModel": "sim.model",
    "Moment": "sim.market.moments",
    "Scenario": "sim.scenario.settings",
    "ScenarioError": "sim.errors",
    "load_scenario": "sim.scenario.config",
    "validate_scenario": "sim.scenario.config",
}
"""Public name -> the module that defines it."""

__all__ = [*sorted(EXPORTS), "__version__"]

moved_modules.install()


def __getattr__(name: str) -> Any:
    if name in EXPORTS:
        return getattr(importlib.import_module(EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
