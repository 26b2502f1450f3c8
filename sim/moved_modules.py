"""Old module paths, still importable: `import sim.kpis` gives `sim.reports.kpis` (the same
module object, so patches and `isinstance` checks keep working) with a `DeprecationWarning`.

The modules moved into wings (market, journey, scenario, reports, comparison, reliability)
in version 0.2; scripts and notebooks written against the flat layout keep running until
they are updated. Remove an entry one release after its users have been told.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

MOVED: dict[str, str] = {
    **{
        f"sim.{name}": f"sim.market.{name}"
        for name in (
            "population",
            "brands",
            "network",
            "moments",
            "sources",
            "streams",
            "keyed_draws",
            "due_calendar",
            "window_tally",
            "measures",
        )
    },
    "sim.attribution.touch_log": "sim.market.touch_log",
    "sim.attribution.switches": "sim.market.silenced_sources",
    **{
        f"sim.{name}": f"sim.journey.{name}"
        for name in (
            "triggers",
            "research",
            "shelf",
            "experience",
            "feedback",
            "word_of_mouth",
            "loyalty",
        )
    },
    **{
        f"sim.{name}": f"sim.scenario.{name}"
        for name in ("settings", "config", "scenario_doc", "memory_budget")
    },
    **{
        f"sim.{name}": f"sim.reports.{name}"
        for name in (
            "kpis",
            "kpi_docs",
            "kpi_table",
            "charts",
            "store",
            "survival",
            "stats",
        )
    },
    "sim.compare": "sim.comparison.paired",
    "sim.compare_charts": "sim.comparison.charts",
    "sim.compare_runs": "sim.comparison.runs",
    **{
        f"sim.{name}": f"sim.reliability.{name}"
        for name in (
            "durable",
            "process_hygiene",
            "disk_budget",
        )
    },
    "sim.calibrate": "sim.validation.calibrate",
    "sim.settle": "sim.validation.settle",
}
"""Old module name -> where it lives now. (`sim.market` is a package now: its old names are
handed on by `sim.market.__getattr__`.)"""


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and hands back the module at its new path."""

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; import it from there", DeprecationWarning, stacklevel=4
        )
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The module ran when it was imported under its new name; nothing more to do."""


def install() -> None:
    """Let the old names be imported (once per process)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
