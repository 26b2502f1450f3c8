"""Who is due today, per moment, without scanning every buying unit.

Why: each rule used to find its due units with `flatnonzero((moment == M) & (until <= day))`, a
pass over every unit five times a day (2 ms a pass at a million units) even on days when nobody
is due. A unit's time in a moment is known when it enters it, so `Market.move` files the units
it moves, sorted by the day their moment ends; a rule reads only the entries whose day has come.

Entries are never edited when a unit moves on: an entry is stale when the unit's moment or end
day has changed since it was filed, and reading filters stale entries out against the columns
(merging runs drops them for good).
So the set read equals the scan's set exactly, sorted like `flatnonzero`'s (the rules' float
sums run in the same order: byte-identical results). Entries read but still due (a rule that
leaves some units where they are, or a strategy peeking before the rule) stay in a carry-over
list until they are no longer due.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.market.moments import Moment

SCHEDULED: tuple[Moment, ...] = (
    Moment.ZMOT,
    Moment.FMOT,
    Moment.SMOT,
    Moment.UMOT,
    Moment.LOYALTY,
)
"""Moments a rule ends on a known day (<ZMOT ends by chance, any day: its rule draws for all)."""
EMPTY = np.zeros(0, dtype=np.int64)


MAX_RUNS = 24
"""Sorted runs a moment keeps before merging all but the largest (dropping stale entries): a
read touches at most this many runs."""


def sorted_distinct(ids: np.ndarray) -> np.ndarray:
    """`np.unique(ids)` by a sort and a neighbour test: numpy 2's hash-based `unique` takes
    8x longer on the few thousand ids a read holds."""
    ids = np.sort(ids)
    keep = np.ones(len(ids), dtype=bool)
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


class MomentRuns:
    """One moment's calendar: runs of (end day, unit) sorted by day, each read from its front.

    Each move files one run (sorted by numpy, no Python loop per day); a read takes from every
    run whose next day has come the slice up to today (a binary search), so reading costs the
    number of units due plus a few Python steps per run, never a pass over every unit.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[int, int, np.ndarray, np.ndarray, int]] = []  # heap by next day
        self._filed = 0  # runs filed so far: ties in the heap never compare arrays
        self._carry: np.ndarray = EMPTY  # read earlier, still due then
        self._last_read = -(2**62)

    def file(self, days: np.ndarray, units: np.ndarray) -> None:
        """File units sorted by their end `days` (arrays not changed afterwards)."""
        heapq.heappush(self._runs, (int(days[0]), self._filed, days, units, 0))
        self._filed += 1

    def due(self, day: int, moment: np.ndarray, until: np.ndarray, which: Moment) -> np.ndarray:
        """Units in `which` whose end day is `day` or earlier, sorted ascending.

        Days only go forward: a run's front read is gone, so reading an earlier day than
        before would miss units (an error, not a silent difference from the scan).
        """
        if day < self._last_read:
            raise ValueError(f"the calendar was read for day {self._last_read}, not {day}")
        self._last_read = day
        if len(self._runs) > MAX_RUNS:
            self._merge(moment, until, which)
        parts = [self._carry] if len(self._carry) else []
        while self._runs and self._runs[0][0] <= day:
            _, filed, days, units, start = heapq.heappop(self._runs)
            end = int(np.searchsorted(days, day, side="right"))
            parts.append(units[start:end])
            if end < len(days):
                heapq.heappush(self._runs, (int(days[end]), filed, days, units, end))
        if not parts:
            return EMPTY
        candidates = sorted_distinct(np.concatenate(parts) if len(parts) > 1 else parts[0])
        due = candidates[(moment[candidates] == which) & (until[candidates] <= day)]
        self._carry = due
        return due

    def _merge(self, moment: np.ndarray, until: np.ndarray, which: Moment) -> None:
        """Every run but the largest into one, keeping only live entries (the unit is still
        in `which`, with the end day it was filed under). The largest run is left alone, so
        a merge costs about the few days' moves filed since the last one, not every unit held."""
        largest = max(self._runs, key=lambda run: len(run[3]) - run[4])
        rest = [run for run in self._runs if run is not largest]
        days = np.concatenate([run[2][run[4] :] for run in rest])
        units = np.concatenate([run[3][run[4] :] for run in rest])
        live = (moment[units] == which) & (until[units] == days)
        days, units = days[live], units[live]
        self._runs = [largest]
        if len(units):
            order = np.argsort(days, kind="stable")
            self.file(days[order], units[order])

    def entries(self) -> int:
        """Unit ids held (stale ones included): what the calendar costs in memory."""
        return sum(len(run[3]) - run[4] for run in self._runs) + len(self._carry)


class DueCalendar:
    """Per scheduled moment, the units in it by the day their moment ends."""

    def __init__(self) -> None:
        self._moments: dict[int, MomentRuns] = {int(m): MomentRuns() for m in SCHEDULED}

    @classmethod
    def of(cls, moment: np.ndarray, until: np.ndarray) -> DueCalendar:
        """A calendar holding every unit of the given columns (one pass, at build time)."""
        calendar = cls()
        units = np.arange(len(moment), dtype=np.int64)
        for which in SCHEDULED:
            here = units[moment == which]
            calendar.file(which, here, until[here].astype(np.int64))
        return calendar

    def file(self, moment: Moment, units: np.ndarray, until: np.ndarray | int) -> None:
        """Units entering `moment` today, each until its day (one day, or an array of days)."""
        runs = self._moments.get(int(moment))
        if runs is None or len(units) == 0:
            return
        if np.ndim(until) == 0:
            runs.file(np.full(len(units), int(until), dtype=np.int64), np.array(units, np.int64))
            return
        until = np.asarray(until, dtype=np.int64)
        order = np.argsort(until, kind="stable")
        runs.file(until[order], np.asarray(units, dtype=np.int64)[order])

    def due(self, which: Moment, day: int, moment: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Units in `which` due on `day` (or overdue), as `flatnonzero` of the scan gives them."""
        return self._moments[int(which)].due(day, moment, until, which)

    def entries(self) -> int:
        """Unit ids held over all moments (stale ones included)."""
        return sum(runs.entries() for runs in self._moments.values())
