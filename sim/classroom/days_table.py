"""A class market's days as one array of numbers: what a step hands from the markets' process to
the student's page.

Why not a pandas DataFrame: at every step of every student the markets' process built a
DataFrame of the new days and pickled it; the server unpickled it, appended it to the student's
table (`pd.concat`) and read today's numbers column by column. Each of those pandas calls costs
20-250 us, about 1.5 ms of CPU a step in all, when 30 students pressing at once share two cores
(docs/classroom-speed.md, "seventh round"). A page reads a few columns; a DataFrame is made only
when a whole table is wanted (the teacher's table, downloads), once per table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY = "day"


@dataclass(frozen=True, eq=False)
class DaysTable:
    """Days run, one row each: the day (window day, from 1) first, then every measure."""

    columns: tuple[str, ...]
    """Column names; the first is `DAY`."""
    values: np.ndarray
    """(days, columns) floats."""

    @classmethod
    def of(cls, frame: pd.DataFrame) -> DaysTable:
        """The days of a table with a `day` column first (the engine's `daily`, stored rows)."""
        if frame.columns[0] != DAY:
            raise ValueError(
                f"a day table starts with its {DAY!r} column, not {frame.columns[0]!r}"
            )
        return cls(tuple(frame.columns), frame.to_numpy(dtype=float))

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, name: str) -> np.ndarray:
        """Column `name` over every day (as `frame[name]` gives it, without pandas)."""
        return self.values[:, self.columns.index(name)]

    def to_numpy(self, dtype: type = float) -> np.ndarray:
        """Every column as one array (as `DataFrame.to_numpy` gives it)."""
        return self.values.astype(dtype, copy=False)

    def then(self, more: DaysTable) -> DaysTable:
        """These days, then `more`'s."""
        if more.columns != self.columns:
            raise ValueError("the days to add have other measures than the days so far")
        return DaysTable(self.columns, np.concatenate([self.values, more.values]))

    def head(self, days: int) -> DaysTable:
        """The first `days` days."""
        return DaysTable(self.columns, self.values[:days])

    def since(self, days: int) -> DaysTable:
        """The days after the first `days`."""
        return DaysTable(self.columns, self.values[days:])

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The days as the engine's `daily` gives them: a whole-number day, float measures."""
        frame = pd.DataFrame(self.values[:, 1:], columns=list(self.columns[1:]))
        frame.insert(0, DAY, self.values[:, 0].astype(np.int64))
        return frame


Days = pd.DataFrame | DaysTable
"""Days whose columns are read by name (`days[name]`): the engine's `daily`, or a class step's."""
