"""The market's state: people, buying units, brands, the social graph, keyed random numbers,
the due calendar and the records the day's rules write (daily table, window tally, touch log).

Nothing here decides anything; the journey's rules (`sim.journey`) read and change this state.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any


def __getattr__(name: str) -> Any:
    """`from sim.market import Market` (the flat layout's module) still works, with a warning."""
    state = importlib.import_module("sim.market.state")
    if name.startswith("__") or not hasattr(state, name):
        raise AttributeError(f"module 'sim.market' has no attribute {name!r}")
    warnings.warn(
        f"sim.market.{name} moved to sim.market.state.{name}", DeprecationWarning, stacklevel=2
    )
    return getattr(state, name)
