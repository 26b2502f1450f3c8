"""Compiled (numba) loops for the market's bookkeeping: a move and what the tally counts of it.

Why: every rule moves units (about ten moves a day), and each move cost a dozen numpy calls on
a small cohort: picking who really moves, noting where journeys begin, writing the moment and
its end day, then once a day concatenating the moves and counting flows and stay lengths with
another twenty. Each call costs 1-5 us whatever the cohort's size, so in a small market the
bookkeeping was a tenth of a day. Here a move is two compiled calls.

Only integer arithmetic and comparisons live here, so every count is what the numpy code gave
(`tests/test_book_kernels.py` compares them).
"""

from __future__ import annotations

import numpy as np

from sim.market.compiled import inline, jit

UNKNOWN_DAY = -1
"""`entered_day` of a stay that began in the initial state (its true start is unknown)."""
NO_BRAND = -1
"""`journey_brand` of a journey begun owning no brand (at <ZMOT)."""


JOURNEY_START, DROP_OUT, INTO_SHOPPING, INTO_SMOT = 1, 2, 4, 8
"""Bits of a move's kind (`kinds[old, new]`, made by the window tally): it begins a journey,
it leaves the journey, it enters a shopping moment (ZMOT, FMOT), it is a purchase (SMOT)."""


@jit
def count_moves(
    units: np.ndarray,
    new: int,
    day: int,
    counting: bool,
    unit_moment: np.ndarray,
    unit_brand: np.ndarray,
    acquired_day: np.ndarray,
    kinds: np.ndarray,
    journey_brand: np.ndarray,
    prospect: np.ndarray,
    converted: np.ndarray,
    entered_day: np.ndarray,
    flows: np.ndarray,
    stays: np.ndarray,
    moved: np.ndarray,
    until: np.ndarray,
    days: np.ndarray,
) -> tuple[int, int]:
    """Note the moves of `units` to moment `new` today, before their moment changes; returns
    (units moving, new switchers) and writes the moving units, in order, to `moved`. With
    `days` (not empty: one per unit, or one for all), then make the moves: every unit's
    moment becomes `new`, its end day (`until`) today + its days (`Market.move`'s writes).

    A unit already in `new` does not move. A moving unit gets today as `entered_day`; one
    whose move begins a journey gets the brand it owns as its journey's (`journey_brand`).
    When `counting` (the measured window), each move also counts (`flows` rows: entered,
    moved on, dropped out, per moment): an entry to `new`, an exit from the old moment, the
    length of the stay it ends (`stays[old, days]`; a second move of the day ends a stay begun
    today), a prospect shopping (a journey begun at <ZMOT, never a focal customer) and, for a
    unit's first focal purchase today, a converted prospect or a switcher from a rival's loop.
    Flat arguments, not tuples: numba checks a tuple's types on every call, at a cost.
    """
    longest = stays.shape[1] - 1
    k, switchers = 0, 0
    for i in range(units.shape[0]):
        unit = units[i]
        old = np.int64(unit_moment[unit])
        if old == new:
            continue
        moved[k] = unit
        k += 1
        kind = kinds[old, new]
        if kind & JOURNEY_START:
            journey_brand[unit] = unit_brand[unit]
        began = entered_day[unit]
        entered_day[unit] = day
        if not counting:
            continue
        flows[0, new] += 1
        flows[2 if kind & DROP_OUT else 1, old] += 1
        if began != UNKNOWN_DAY:
            stays[old, min(day - began, longest)] += 1
        if kind & INTO_SHOPPING:
            if journey_brand[unit] == NO_BRAND and acquired_day[unit] < 0:
                prospect[unit] = True
        elif kind & INTO_SMOT and acquired_day[unit] == day:
            origin = journey_brand[unit]
            if origin == NO_BRAND:
                converted[unit] = True
            switchers += origin >= 1
    if days.shape[0]:
        _place(units, unit_moment, until, new, day, days)
    return k, switchers


@inline
def _place(units, unit_moment, unit_until, moment, day, days) -> None:
    """`unit_moment[units] = moment; unit_until[units] = day + days` (`days` one per unit, or
    one for all), after every unit's old moment has been read."""
    each = days.shape[0] == units.shape[0]
    for i in range(units.shape[0]):
        unit_moment[units[i]] = moment
        unit_until[units[i]] = day + days[i if each else 0]


@jit
def count_stances(
    people: np.ndarray,
    stance: np.ndarray,
    stance_brand: np.ndarray,
    advocate: np.ndarray,
    critic: np.ndarray,
) -> tuple[int, int]:
    """Mark the people with a stance on the focal brand (brand 0) as advocates (+) or critics
    (-); returns how many of each (events: a person listed twice counts twice)."""
    advocates, critics = 0, 0
    for i in range(people.shape[0]):
        p = people[i]
        if stance_brand[p] != 0:
            continue
        if stance[p] > 0:
            advocate[p] = True
            advocates += 1
        elif stance[p] < 0:
            critic[p] = True
            critics += 1
    return advocates, critics


@jit
def floor_ratios(x: np.ndarray, c: float) -> np.ndarray:
    """`np.floor(x / c).astype(np.int64)` in one pass (a division and a floor are exact, so the
    same whole numbers; for finite x / c)."""
    out = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        out[i] = np.int64(np.floor(x[i] / c))
    return out


@jit
def due_units(
    moment: np.ndarray, until: np.ndarray, which: int, day: int, scratch: np.ndarray
) -> np.ndarray:
    """`((moment == which) & (until <= day)).nonzero()[0]` in one pass over the columns,
    noting the units in `scratch` (as long as the columns): half the memory read of a
    count-then-fill scan, which matters once the columns no longer fit in a core's cache."""
    k = 0
    for i in range(moment.shape[0]):
        if moment[i] == which and until[i] <= day:
            scratch[k] = i
            k += 1
    return scratch[:k].copy()


@jit
def review_summary(stars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(reviews, mean rating) per brand from reviews per (brand, star - 1); the rating is 3
    (neutral) with none. Integer sums, then one division, as numpy divides int64 totals."""
    count = np.zeros(stars.shape[0], dtype=np.int64)
    mean = np.full(stars.shape[0], 3.0)
    for b in range(stars.shape[0]):
        total = 0
        for s in range(stars.shape[1]):
            count[b] += stars[b, s]
            total += (s + 1) * stars[b, s]
        if count[b] > 0:
            mean[b] = total / count[b]
    return count, mean


@jit
def post_reviews(
    stars: np.ndarray, recent: np.ndarray, brand: np.ndarray, star_index: np.ndarray
) -> None:
    """One review per (brand, star - 1) pair, to the record and to its aging copy, in the
    pairs' order (as `np.add.at`, so the float copy's sums are the same)."""
    for i in range(brand.shape[0]):
        stars[brand[i], star_index[i]] += 1
        recent[brand[i], star_index[i]] += 1.0


@jit
def record_levels(
    moment: np.ndarray,
    brand: np.ndarray,
    size: np.ndarray,
    stars: np.ndarray,
    row: np.ndarray,
    columns: np.ndarray,
) -> None:
    """The day's levels into its row of the daily table: people per moment (units weighted
    by `size`, or one each when `size` is empty), units owning each brand, the focal brand's
    customers, reviews and mean rating (NaN with none). `columns` holds the row's positions:
    the moments', the brands', then customers, review count and mean rating.
    """
    moments, brands = len(columns) - stars.shape[0] - 3, stars.shape[0]
    per_moment = np.zeros(moments, dtype=np.int64)
    per_brand = np.zeros(brands, dtype=np.int64)
    weighted = size.shape[0] > 0
    for i in range(moment.shape[0]):
        per_moment[moment[i]] += size[i] if weighted else 1
        if brand[i] >= 0:
            per_brand[brand[i]] += 1
    for m in range(moments):
        row[columns[m]] = per_moment[m]
    for b in range(brands):
        row[columns[moments + b]] = per_brand[b]
    row[columns[moments + brands]] = per_brand[0]
    count, mean = review_summary(stars[:1])
    row[columns[moments + brands + 1]] = count[0]
    row[columns[moments + brands + 2]] = mean[0] if count[0] else np.nan


def warm_up() -> None:
    """Load every kernel here for the argument types a day passes (`draw_kernels.warm_up`
    calls this: the first call of a kernel loads or compiles it)."""
    small, day, ids = np.zeros(1, np.int8), np.zeros(1, np.int32), np.zeros(1, np.int64)
    flags, kinds = np.zeros(1, dtype=bool), np.zeros((1, 1), dtype=np.int8)
    flows, stays = np.zeros((3, 1), np.int64), np.zeros((1, 1), np.int64)
    tally = (kinds, small, flags, flags, day, flows, stays)  # as `WindowTally.on_move` passes
    count_moves(ids, 0, 1, True, small, small, day, *tally, np.empty(1, np.int64), day, ids)
    due_units(small, day, 0, 1, np.empty(1, np.int64))
    count_stances(ids, small, small, flags, flags)
    floor_ratios(np.zeros(1), -1.0)
    stars = np.zeros((1, 5), dtype=np.int64)
    review_summary(stars)
    post_reviews(stars, np.zeros((1, 5)), ids, ids)
    record_levels(small, small, np.zeros(0, np.int16), stars, np.zeros(4), ids.repeat(4))
    record_levels(small, small, np.zeros(1, np.int16), stars, np.zeros(4), ids.repeat(4))
