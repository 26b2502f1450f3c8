"""Aggregates recorded once a day into a preallocated table (no per-agent rows on the hot path)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.market.moments import LABELS, Moment
from sim.market.sources import ACQUISITION_CHANNELS, Source

MOMENT_COLUMNS: tuple[str, ...] = tuple(f"people_{m.name.lower()}" for m in Moment)
TRIGGER_COLUMNS: tuple[str, ...] = tuple(
    f"triggered_{s.key}"
    for s in (Source.NEED, Source.ADS, Source.WORD_OF_MOUTH, Source.INFLUENCER, Source.REFERRAL)
)
CHANNEL_COLUMNS: tuple[str, ...] = tuple(f"new_from_{c}" for c in ACQUISITION_CHANNELS)
STAR_COLUMNS: tuple[str, ...] = tuple(f"reviews_{k}_star" for k in range(1, 6))
"""Focal reviews posted per star, 1..5: the rating distribution (J-shaped when self-selected)."""

COUNTERS: tuple[str, ...] = (
    *MOMENT_COLUMNS,
    *TRIGGER_COLUMNS,
    "new_customers",
    *CHANNEL_COLUMNS,
    "purchases",
    "repeat_purchases",
    "rival_purchases",
    "walk_aways",
    "showrooming",
    "direct_rebuys",
    "churned",
    "switched",
    "left_category",
    "experiences",
    "problems",
    "late_deliveries",
    "resolved",
    "returns",
    "reviews",
    "review_stars",
    "negative_reviews",
    *STAR_COLUMNS,
    "advocates",
    "critics",
    "wom_positive",
    "wom_negative",
    "revenue_usd",
    "strategy_cost_usd",
    "customers",
    "mean_rating",
    "review_count",
)
"""Daily measures about the focal brand (and the market's people per moment)."""
LEVEL_COLUMNS: tuple[str, ...] = ("customers", "review_count", "mean_rating")
"""Levels of the focal brand recorded at the end of a day (after the moments and brands')."""


class DailyTable:
    """One row per day, one column per measure; rules add to today's row."""

    def __init__(self, days: int, brand_names: list[str]) -> None:
        share_columns = tuple(f"customers_{b}" for b in brand_names)
        self.columns: tuple[str, ...] = COUNTERS + share_columns
        self._index = {name: i for i, name in enumerate(self.columns)}
        self._many: dict[tuple[str, ...], np.ndarray] = {}
        self.levels = self.positions(MOMENT_COLUMNS + share_columns + LEVEL_COLUMNS)
        """Columns of the day's levels, in the order `book_kernels.record_levels` writes them."""
        self.table = np.zeros((days, len(self.columns)), dtype=np.float64)
        self.day = 0

    def add(self, name: str, value: float) -> None:
        """Add `value` to today's `name`."""
        self.table[self.day, self._index[name]] += value

    def add_many(self, names: tuple[str, ...], values: list[float]) -> None:
        """Add `values` to today's `names` (distinct) in one assignment: a rule's dozen counts
        in one numpy call rather than a dozen `add`s (each cell gets the same single sum)."""
        self.table[self.day, self.positions(names)] += values

    def set(self, name: str, value: float) -> None:
        """Set today's `name` (levels rather than flows)."""
        self.table[self.day, self._index[name]] = value

    def set_many(self, names: tuple[str, ...], values: np.ndarray) -> None:
        """Set today's `names` to `values` in one assignment (a day's levels: one numpy call,
        not one per column)."""
        self.table[self.day, self.positions(names)] = values

    def positions(self, names: tuple[str, ...]) -> np.ndarray:
        """The columns of `names` as an index array (made once per tuple of names)."""
        index = self._many.get(names)
        if index is None:
            index = self._many[names] = np.array([self._index[n] for n in names])
        return index

    def column(self, name: str) -> np.ndarray:
        """A measure over all recorded days."""
        return self.table[:, self._index[name]]

    def frame(self, rows: slice | None = None, first_day: int | None = None) -> pd.DataFrame:
        """The recorded days (or the `rows` slice of them) as a DataFrame with a `day` column,
        numbered from `first_day` (default: 1 for the first row shown)."""
        table = self.table[: self.day][rows or slice(None)]
        frame = pd.DataFrame(table, columns=list(self.columns))
        start = 1 if first_day is None else first_day
        frame.insert(0, "day", np.arange(start, start + len(frame)))
        return frame

    def numbers(self, rows: slice, first_day: int) -> np.ndarray:
        """The `rows` slice of the recorded days as `frame` gives them, in one float array with
        the day first: a class's step hands these over, and a DataFrame cost more to build and
        pass on than the days' numbers (sim/classroom/days_table.py)."""
        table = self.table[: self.day][rows]
        days = np.arange(first_day, first_day + len(table), dtype=np.float64)
        return np.column_stack([days, table])


def moment_labels() -> dict[str, str]:
    """Column name -> chart label for the people-per-moment columns."""
    return {f"people_{m.name.lower()}": LABELS[m] for m in Moment}


def in_window_days(
    acquired_day: np.ndarray, churn_day: np.ndarray, window_start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Focal acquisition and first-loss days counted in window days (its first day is 1).

    Customers acquired before the window and not lost by its start count as acquired on day 0:
    the base the window starts with. Customers lost before the window, and units that never
    bought the focal brand, get -1 for both.

    >>> in_window_days(np.array([0, 5, 12, -1]), np.array([3, 15, -1, -1]), 11)
    (array([-1,  0,  2, -1]), array([-1,  5, -1, -1]))
    """
    shift = window_start - 1
    before = (acquired_day >= 0) & (acquired_day <= shift)
    lost_before = (churn_day >= 0) & (churn_day <= shift)
    acquired = np.where(acquired_day > shift, acquired_day - shift, -1)
    acquired = np.where(before & ~lost_before, 0, acquired)
    churned = np.where((acquired >= 0) & (churn_day > shift), churn_day - shift, -1)
    return acquired, churned


COHORT_AGES: tuple[int, ...] = (30, 60, 90, 180, 270, 365)


def cohort_table(
    acquired_day: np.ndarray,
    churn_day: np.ndarray,
    days_run: int,
    width_days: int = 30,
    ages: tuple[int, ...] = COHORT_AGES,
) -> pd.DataFrame:
    """Retention of focal customers by acquisition cohort (`width_days` wide) and age in days.

    Days are window days (`in_window_days`). A customer acquired on day a is retained at age t
    if they have not churned by day a + t; only customers observed for t days count at age t
    (no censoring bias). Customers the window starts with (day 0) form their own cohort, their
    ages counted from the window's start.
    """
    acquired = acquired_day >= 0
    acq, churn = acquired_day[acquired], churn_day[acquired]
    cohort = np.where(acq == 0, -1, (acq - 1) // width_days)
    rows = []
    for c in np.unique(cohort):
        members = cohort == c
        for age in (0, *ages):
            observed = members & (acq + age <= days_run)
            n = int(observed.sum())
            if n == 0:
                continue
            alive = observed & ((churn < 0) | (churn > acq + age))
            start = 0 if c < 0 else int(c) * width_days + 1
            rows.append((start, age, n, int(alive.sum())))
    frame = pd.DataFrame(rows, columns=["cohort_start_day", "age_days", "customers", "retained"])
    frame["retention"] = frame["retained"] / frame["customers"]
    return frame
