"""Observed series for `mot calibrate series`: the user's data and the model's same numbers.

The CSV has a header: `period` first, then any of the series in `SERIES`, one row per period
(1, 2, 3, ... in order; period p covers days (p-1)*P+1 .. p*P of the measured window, P =
`--period-days`). The model's daily table is cut into the same periods and summed or read the
same way (`period_series`), so data and simulation mean the same thing. Bad input is refused
with one line naming the file, the row and the column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.validation.calibrate import _is_number, read_rows

SERIES: dict[str, str] = {
    "new_customers": "new customers in the period (first-ever focal purchase)",
    "customers": "focal customers at the period's end",
    "reviews": "reviews posted in the period",
    "mean_rating": "mean stars (1-5) of the reviews posted in the period",
    "churn": "customers lost in the period (switches to a rival plus departures)",
    "retention": "1 - churn / (customers at the period's start + new customers in it), 0-1",
}
"""The series a user can give, and what each means (the model computes the same)."""
COUNTS = ("new_customers", "customers", "reviews", "churn")
"""Series that count people or reviews: multiplied by the calibration file's `scale`."""
RANGES: dict[str, tuple[float, float]] = {
    "mean_rating": (1.0, 5.0),
    "retention": (0.0, 1.0),
}
"""Allowed values of the series that are not counts (counts must be >= 0)."""
NO_RATING = 3.0
"""Mean rating of a period without reviews in a market that has none at all yet: the middle of
the 1-5 scale (assumption; a period without reviews otherwise shows the platform's running mean)."""
MIN_PERIODS = 2
"""Fewest periods accepted: one period says nothing about how a series moves."""


@dataclass
class Observed:
    """The user's series, one value per period 1..periods."""

    path: Path
    series: dict[str, np.ndarray]

    @property
    def periods(self) -> int:
        """Number of periods in the data."""
        return len(next(iter(self.series.values())))

    def __repr__(self) -> str:
        return f"Observed({self.path}, {self.periods} periods, {', '.join(self.series)})"


def read_observed_csv(path: Path) -> Observed:
    """Read and check the observed series (module docstring); errors are one line."""
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise UsageError(f"{path}: no such file")
    rows = read_rows(path)
    if not rows:
        raise UsageError(f"{path}: empty file; expected a header 'period,<series>,...'")
    names = check_header(path, [cell.strip() for cell in rows[0]])
    values = [check_row(path, line, row, names) for line, row in enumerate(rows[1:], start=2)]
    if len(values) < MIN_PERIODS:
        raise UsageError(f"{path}: need at least {MIN_PERIODS} periods, got {len(values)}")
    table = np.array(values)
    if not np.array_equal(table[:, 0], np.arange(1, len(values) + 1)):
        raise UsageError(f"{path}: period: must be 1, 2, 3, ... in order")
    series = {name: table[:, i + 1] for i, name in enumerate(names)}
    for name, column in series.items():
        check_range(path, name, column)
    return Observed(path, series)


def check_header(path: Path, header: list[str]) -> list[str]:
    """The series named in the header, after `period`; unknown or repeated names are refused."""
    if not header or header[0] != "period":
        raise UsageError(f"{path}: the first column must be 'period', got {header[:1]!r}")
    names = header[1:]
    for name in names:
        if name not in SERIES:
            raise UsageError(
                f"{path}: column {name!r}: unknown series; expected any of {', '.join(SERIES)}"
            )
        if names.count(name) > 1:
            raise UsageError(f"{path}: column {name!r}: given twice")
    if not names:
        raise UsageError(f"{path}: no series after 'period'; expected any of {', '.join(SERIES)}")
    return names


def check_row(path: Path, line: int, row: list[str], names: list[str]) -> list[float]:
    """One row's finite numbers, or a one-line error naming the row and column."""
    if len(row) != len(names) + 1:
        raise UsageError(f"{path}: row {line}: expected {len(names) + 1} cells, got {len(row)}")
    values = []
    for column, cell in zip(["period", *names], row, strict=True):
        if not _is_number(cell) or not math.isfinite(float(cell)):
            raise UsageError(
                f"{path}: row {line}: {column}: must be a finite number, got {cell.strip()!r}"
            )
        values.append(float(cell))
    return values


def check_range(path: Path, name: str, column: np.ndarray) -> None:
    """Counts are >= 0; shares and ratings within their ranges."""
    low, high = RANGES.get(name, (0.0, math.inf))
    bad = np.flatnonzero((column < low) | (column > high))
    if len(bad):
        raise UsageError(
            f"{path}: {name}: period {bad[0] + 1}: must be between {low:g} and {high:g}, "
            f"got {column[bad[0]]:g}"
        )


def period_series(
    daily: pd.DataFrame, period_days: int, periods: int, names: tuple[str, ...], scale: float
) -> dict[str, np.ndarray]:
    """The model's `names` series over `periods` periods of `period_days` window days each,
    counts multiplied by `scale` (each simulated consumer standing for `scale` real ones)."""
    window = daily.iloc[: periods * period_days]
    group = window.groupby(np.arange(len(window)) // period_days)
    sums = group[["new_customers", "reviews", "review_stars", "churned"]].sum().to_numpy(float)
    ends = group[["customers", "mean_rating"]].last().to_numpy(float)
    first = window.iloc[0]
    start = float(first["customers"] - first["new_customers"] + first["churned"])
    at_risk = np.concatenate([[max(start, 0.0)], ends[:-1, 0]]) + sums[:, 0]
    reviews = sums[:, 1]
    shown = np.nan_to_num(ends[:, 1], nan=NO_RATING)
    rating = np.where(reviews > 0, sums[:, 2] / np.maximum(reviews, 1), shown)
    out = {
        "new_customers": sums[:, 0],
        "customers": ends[:, 0],
        "reviews": reviews,
        "mean_rating": rating,
        "churn": sums[:, 3],
        "retention": 1 - sums[:, 3] / np.maximum(at_risk, 1),
    }
    return {name: out[name] * (scale if name in COUNTS else 1.0) for name in names}
