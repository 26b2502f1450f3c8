"""Who is due today, per moment, without scanning every buying unit.

Why: each rule used to find its due units with `flatnonzero((moment == M) & (until <= day))`, a
pass over every unit five times a day (2 ms a pass at a million units) even on days when nobody
is due. A unit's time in a moment is known when it enters it, so `Market.move` files the unit
in a bucket for the day its moment ends; a rule reads only the buckets whose day has come.

Buckets are never edited when a unit moves on: an entry is stale when the unit's moment or end
day has changed since it was filed, and reading filters stale entries out against the columns.
So the set read equals the scan's set exactly, sorted like `flatnonzero`'s (the rules' float
sums run in the same order: byte-identical results). Entries read but still due (a rule that
leaves some units where they are, or a strategy peeking before the rule) stay in a carry-over
list until they are no longer due.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.moments import Moment

SCHEDULED: tuple[Moment, ...] = (
    Moment.ZMOT,
    Moment.FMOT,
    Moment.SMOT,
    Moment.UMOT,
    Moment.LOYALTY,
)
"""Moments a rule ends on a known day (<ZMOT ends by chance, any day: its rule draws for all)."""
EMPTY = np.zeros(0, dtype=np.int64)


class MomentBuckets:
    """One moment's calendar: day -> unit ids filed for that day, and the days in a heap."""

    def __init__(self) -> None:
        self._buckets: dict[int, list[np.ndarray]] = {}
        self._days: list[int] = []  # heap of the bucket days
        self._carry: np.ndarray = EMPTY  # read earlier, still due then
        self._last_read = -(2**62)

    def file(self, day: int, units: np.ndarray) -> None:
        """File `units` (an array not changed afterwards) under `day`."""
        bucket = self._buckets.get(day)
        if bucket is None:
            self._buckets[day] = [units]
            heapq.heappush(self._days, day)
        else:
            bucket.append(units)

    def due(self, day: int, moment: np.ndarray, until: np.ndarray, which: Moment) -> np.ndarray:
        """Units in `which` whose end day is `day` or earlier, sorted ascending.

        Days only go forward: a bucket read is gone, so reading an earlier day than before
        would miss units (an error, not a silent difference from the scan).
        """
        if day < self._last_read:
            raise ValueError(f"the calendar was read for day {self._last_read}, not {day}")
        self._last_read = day
        parts = [self._carry] if len(self._carry) else []
        while self._days and self._days[0] <= day:
            parts.extend(self._buckets.pop(heapq.heappop(self._days)))
        if not parts:
            return EMPTY
        candidates = np.unique(np.concatenate(parts)) if len(parts) > 1 else np.unique(parts[0])
        due = candidates[(moment[candidates] == which) & (until[candidates] <= day)]
        self._carry = due
        return due

    def entries(self) -> int:
        """Unit ids held (stale ones included): what the calendar costs in memory."""
        held = sum(len(part) for bucket in self._buckets.values() for part in bucket)
        return held + len(self._carry)


class DueCalendar:
    """Per scheduled moment, buckets of units by the day their moment ends."""

    def __init__(self) -> None:
        self._moments: dict[int, MomentBuckets] = {int(m): MomentBuckets() for m in SCHEDULED}

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
        buckets = self._moments.get(int(moment))
        if buckets is None or len(units) == 0:
            return
        units = np.array(units, dtype=np.int64)  # a copy: callers may reuse theirs
        if np.ndim(until) == 0:
            buckets.file(int(until), units)
            return
        until = np.asarray(until, dtype=np.int64)
        order = np.argsort(until, kind="stable")
        days, units = until[order], units[order]
        cuts = np.flatnonzero(days[1:] != days[:-1]) + 1
        starts = np.concatenate([[0], cuts]).tolist()
        for day, part in zip(days[starts].tolist(), np.split(units, cuts), strict=True):
            buckets.file(day, part)

    def due(self, which: Moment, day: int, moment: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Units in `which` due on `day` (or overdue), as `flatnonzero` of the scan gives them."""
        return self._moments[int(which)].due(day, moment, until, which)

    def entries(self) -> int:
        """Unit ids held over all moments (stale ones included)."""
        return sum(buckets.entries() for buckets in self._moments.values())
