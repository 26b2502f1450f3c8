"""Performance targets (issue 8) and the verdict of a measured figure against one.

A `Figure` is one measured number with its unit; when it has a `Target` the report prints PASS
or MISS and by how much, so a miss is never hidden in a table of numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A bound a figure must meet: `below`, `above`, or both (a range); `inclusive` bounds
    accept a value equal to them (`>= 365 days`)."""

    below: float | None = None
    above: float | None = None
    inclusive: bool = False

    def __post_init__(self) -> None:
        if self.below is None and self.above is None:
            raise ValueError("a target needs a bound")

    def met(self, value: float) -> bool:
        """True when `value` is inside the bounds (strictly, unless `inclusive`)."""
        if self.inclusive:
            low_ok = self.above is None or value >= self.above
            high_ok = self.below is None or value <= self.below
        else:
            low_ok = self.above is None or value > self.above
            high_ok = self.below is None or value < self.below
        return low_ok and high_ok

    def margin(self, value: float) -> str:
        """How far `value` is from the nearest bound, as a percentage of that bound."""
        bounds = [b for b in (self.below, self.above) if b is not None]
        bound = min(bounds, key=lambda b: abs(value - b))
        change = abs(value - bound) / abs(bound)
        if self.inclusive and value == bound:
            return f"at the {'limit' if bound == self.below else 'floor'}"
        if bound == self.below:
            return f"{change:.0%} {'over' if value >= bound else 'under'} the limit"
        return f"{change:.0%} {'short of' if value <= bound else 'above'} the floor"

    def describe(self, unit: str) -> str:
        """The target as text, e.g. `< 6 s`, `>= 365 days` or `0.9-1.1`."""
        if self.below is not None and self.above is not None:
            return f"{self.above:g}-{self.below:g}{_suffix(unit)}"
        equal = "=" if self.inclusive else ""
        if self.below is not None:
            return f"<{equal} {self.below:g}{_suffix(unit)}"
        return f">{equal} {self.above:g}{_suffix(unit)}"


def _suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


@dataclass(frozen=True)
class Figure:
    """One measured figure, optionally checked against a target."""

    key: str
    label: str
    value: float | None
    unit: str = ""
    target: Target | None = None
    note: str = ""
    missing: str = "not measured"
    """What is printed instead of a value when the figure was not measured, and why (e.g.
    `not measured (run with --ten-million)`)."""

    @property
    def measured(self) -> bool:
        """False when the figure was not measured in this run (e.g. `--quick`)."""
        return self.value is not None and math.isfinite(self.value)

    @property
    def verdict(self) -> str:
        """PASS, MISS, `-` (no target) or `n/a` (not measured)."""
        if not self.measured:
            return "n/a"
        if self.target is None:
            return "-"
        return "PASS" if self.target.met(self.value) else "MISS"

    def line(self) -> str:
        """The figure as one printed line."""
        value = f"{self.value:,.3g} {self.unit}".strip() if self.measured else self.missing
        if self.target is None:
            text = f"{self.label}: {value}"
        else:
            text = f"{self.label}: {value} (target {self.target.describe(self.unit)})"
            if self.measured:
                text += f"  {self.verdict}, {self.target.margin(self.value)}"
            else:
                text += "  n/a"
        return f"{text}  [{self.note}]" if self.note else text

    def to_dict(self) -> dict[str, object]:
        """The figure as a JSON-ready record."""
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value if self.measured else None,
            "unit": self.unit,
            "target": None if self.target is None else self.target.describe(self.unit),
            "verdict": self.verdict,
            "margin": self.target.margin(self.value) if self.target and self.measured else None,
            "note": self.note,
            "not_measured": None if self.measured else self.missing,
        }


RUN_100K_S = Target(below=6.0)
"""100k consumers x 365 days in under 6 s (issue 8)."""
RUN_1M_S = Target(below=60.0)
"""1M consumers x 365 days in under 60 s (issue 8)."""
AGENT_DAYS_PER_S_1M = Target(above=6e6)
"""Above 6 million agent-days per second at 1M consumers (issue 8: 365M agent-days in 60 s)."""
BYTES_PER_CONSUMER_1M = Target(below=1500.0)
"""Peak memory under 1.5 KB (1,500 bytes) per consumer at 1M (issue 8)."""
LOG_LOG_SLOPE = Target(above=0.9, below=1.1)
"""Cost grows linearly with consumers and with days: log-log slope within 0.9-1.1 (issue 8)."""
SWEEP_EFFICIENCY = Target(above=0.85)
"""Sweep scaling efficiency rate2 / (2 x rate1) above 85% (issue 8)."""
STARTUP_S = Target(below=2.0)
"""`mot run scenarios/baseline.toml` from launch to the first simulated day under 2 s (issue 8)."""
RUN_END_TO_END_S = Target(below=2.0)
"""`mot run scenarios/baseline.toml` from launch to exit, charts and KPIs included (issue 12)."""
FIXED_MS_PER_DAY = Target(below=0.3)
"""A day's fixed CPU cost, whatever the market's size, below 0.3 ms (issue 12)."""
SMALL_RUN_S = Target(below=0.12)
"""A 2,000-consumer year within 0.12 s of CPU: the runs a sensitivity screen is made of (issue 12)."""
RUN_1M_S_V2 = Target(below=10.0)
"""1M consumers x 365 days within 10 s (issue 12; issue 8 asked for 60 s)."""
BYTES_PER_CONSUMER_1M_V2 = Target(below=1000.0)
"""At most 1 KB (1,000 bytes) of peak memory per consumer at 1M (issue 12; issue 8: 1.5 KB)."""
PEER_RATIO = Target(above=10.0)
"""Engine agent-steps per second at least 10x Mesa's `virus_on_network` example (10,000 agents x
365 steps), both timed in the same process (issue 12)."""
SCREEN_S = Target(below=150.0)
"""`mot sweep experiments/sensitivity_screen.toml` at full size (1,664 runs of 2,000 consumers)
within 150 s (issue 12)."""
TEN_MILLION_DAYS = Target(above=365.0, inclusive=True)
"""10M consumers x 365 days runs: every one of the 365 days is simulated (issue 12: "runs",
with its time and memory reported beside it)."""
