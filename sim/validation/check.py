"""What every validation check returns: its source, settings, figure, tolerance and verdict.

Each check module (`bass`, `retention`, `reviews`, `negative_wom`, `ties`) runs the model against
a published pattern and returns a `CheckResult`; `sim.validation.report` writes them as a
Markdown report with charts and a JSON of the figures. Tolerances are derived from sampling
error and fixed in code before any result is seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from sim.config import validate_scenario
from sim.settings import Scenario


@dataclass
class CheckResult:
    """One validation check: what was compared, how closely it had to agree, and whether it did."""

    name: str
    title: str
    source: str
    settings: str
    tolerance: str
    passed: bool
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    """Numbers for the JSON report (plain floats, lists and dicts)."""
    details: str = ""
    """Markdown: tables and the explanation of the result (and of a failure's cause)."""
    charts: dict[str, Callable[[], Figure]] = field(default_factory=dict)
    """File stem -> function drawing the chart."""

    @property
    def verdict(self) -> str:
        """PASS or FAIL."""
        return "PASS" if self.passed else "FAIL"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.verdict}, {self.summary!r})"


def scenario(raw: dict[str, Any], source: str) -> Scenario:
    """A validated scenario for a check, from the settings it states (everything else default)."""
    return validate_scenario(raw, source=source)


def quiet_brand(**levers: Any) -> dict[str, Any]:
    """A brand whose experience never goes wrong (quality 5, no problems, late or damaged
    deliveries) unless `levers` say otherwise: checks switch on only what they test."""
    brand = dict(
        quality=5.0,
        satisfaction_sd=0.0,
        p_problem=0.0,
        p_late_delivery=0.0,
        p_damaged=0.0,
        initial_share=0.0,
        initial_awareness=1.0,
    )
    brand.update(levers)
    return brand
