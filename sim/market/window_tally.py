"""Counts of people and of events in the measured window that a daily table cannot hold.

Why: a daily counter adds events (a person who becomes an advocate twice counts twice), so it
cannot say how many distinct people did something, nor who a ratio's numerator and
denominator are. This tally watches every move between moments (`Market.move` reports them)
and keeps, for the measured window only:

- the funnel: per moment, buying units there at the window's start, entering, moving on,
  dropping out and there at the end, and how long the stays that ended in the window lasted;
- distinct people who became an advocate or a critic of the focal brand;
- prospects: buying units shopping (at ZMOT or FMOT) on a journey begun at <ZMOT, never having
  bought the focal brand (conversion's denominator), and which of them ended that journey with
  their first focal purchase (its numerator);
- switchers: new focal customers whose first focal purchase ended a journey begun in a rival's
  loyalty loop. Every new customer is one or the other, so new customers = converted prospects
  + switchers: a journey's origin (the brand owned when it began) decides, not the brand owned
  on the purchase day, which a return of the rival's product has already cleared.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from sim.market.book_kernels import (
    DROP_OUT,
    INTO_SHOPPING,
    INTO_SMOT,
    JOURNEY_START,
    NO_BRAND,
    UNKNOWN_DAY,
    count_moves,
    count_stances,
)
from sim.market.moments import LABELS, Moment
from sim.market.population import People, Units


class TalliedMarket(Protocol):
    """What the tally reads of the market (`sim.market.state.Market`, which holds the tally)."""

    day: int
    units: Units
    people: People

    def members(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The people of these units, and the position of each one's unit in `units`."""
        ...


N_MOMENTS = len(Moment)
MAX_STAY_DAYS = 7300
"""Stays are binned by length up to this many days (longer ones share the last bin)."""
DROP_OUTS: frozenset[tuple[Moment, Moment]] = frozenset(
    {
        (Moment.FMOT, Moment.PRE_ZMOT),  # walked away at the shelf
        (Moment.UMOT, Moment.ZMOT),  # returned the product, looks for another
        (Moment.LOYALTY, Moment.PRE_ZMOT),  # left the category at a recurring need
    }
)
"""Moves that leave the journey rather than carry on with it; every other move moves on."""
IS_JOURNEY_START = np.zeros((N_MOMENTS, N_MOMENTS), dtype=bool)
IS_JOURNEY_START[[Moment.PRE_ZMOT, Moment.LOYALTY], Moment.ZMOT] = True
IS_JOURNEY_START[[Moment.PRE_ZMOT, Moment.LOYALTY], Moment.FMOT] = True
"""`IS_JOURNEY_START[old, new]`: a need starting (<ZMOT) or recurring (loyalty) sends the unit
to research or straight to the shelf; a return (UMOT -> ZMOT) continues the same journey."""
SHOPPING = (Moment.ZMOT, Moment.FMOT)
"""Moments where a prospect is shopping: researching or at the shelf."""
IS_DROP_OUT = np.array(
    [
        [(Moment(old), Moment(new)) in DROP_OUTS for new in range(N_MOMENTS)]
        for old in range(N_MOMENTS)
    ]
)
"""`IS_DROP_OUT[old, new]`: `DROP_OUTS` as a table, built once rather than on every move."""
MOVE_KINDS = (
    IS_JOURNEY_START * JOURNEY_START
    + IS_DROP_OUT * DROP_OUT
    + np.isin(np.arange(N_MOMENTS), SHOPPING)[None, :] * INTO_SHOPPING
    + (np.arange(N_MOMENTS) == Moment.SMOT)[None, :] * INTO_SMOT
).astype(np.int8)
"""`MOVE_KINDS[old, new]`: the tables above and the moment entered as bits for the compiled
tally (`book_kernels.count_moves`)."""
NO_DAYS = np.zeros(0, dtype=np.int64)
"""What `on_move` hands its compiled pass when it only counts (no end days to write)."""
FUNNEL_COLUMNS: tuple[str, ...] = (
    "moment",
    "at_start",
    "entered",
    "moved_on",
    "dropped_out",
    "at_end",
    "median_days",
    "stays_measured",
)
"""Columns of `funnel.csv`: buying units per moment of truth over the window."""


class WindowTally:
    """People and events counted from `window_start` on (days before it are the warm-up)."""

    def __init__(self, n_units: int, n_people: int, window_start: int = 1) -> None:
        self.window_start = window_start
        self.entered_day = np.full(n_units, UNKNOWN_DAY, dtype=np.int32)
        self.prospect = np.zeros(n_units, dtype=bool)
        self.converted = np.zeros(n_units, dtype=bool)
        self.journey_brand = np.full(n_units, NO_BRAND, dtype=np.int8)
        """Brand each unit owned when its current journey began (warm-up included): -1 from
        <ZMOT, a rival's index from its loyalty loop."""
        self._started = False
        self.advocate = np.zeros(n_people, dtype=bool)
        self.critic = np.zeros(n_people, dtype=bool)
        self._flows = np.zeros((3, N_MOMENTS), dtype=np.int64)  # one array for the kernel
        self.entered, self.moved_on, self.dropped = self._flows  # views: rows per moment
        self.stays = np.zeros((N_MOMENTS, MAX_STAY_DAYS + 1), dtype=np.int64)
        self.at_start = np.zeros(N_MOMENTS, dtype=np.int64)
        self.switchers = 0
        self.customers_start = 0
        self.advocate_events = 0
        self.critic_events = 0
        self._moved = np.empty(n_units, dtype=np.int64)  # the units of the last move

    def dawn(self, market: TalliedMarket) -> None:
        """Start of a day. On the first, owners are in their brand's loyalty loop (so that is
        where their next journey begins); on the window's first, the funnel's starting stock,
        the customer base, and the prospects already shopping (their journey began before)."""
        units = market.units
        if not self._started:
            self._started = True
            self.journey_brand[:] = units.brand
        if market.day != self.window_start:
            return
        self.at_start = np.bincount(units.moment, minlength=N_MOMENTS)
        self.customers_start = np.count_nonzero(units.brand == 0)
        shopping = np.isin(units.moment, SHOPPING)
        self.prospect |= shopping & self._new_to_brand(units, slice(None))

    def _new_to_brand(self, units: Units, which: np.ndarray | slice) -> np.ndarray:
        """Per unit in `which`: on a journey begun at <ZMOT and never a focal customer."""
        return (self.journey_brand[which] == NO_BRAND) & (units.acquired_day[which] < 0)

    def on_move(
        self,
        market: TalliedMarket,
        units: np.ndarray,
        moment: Moment,
        days: np.ndarray | None = None,
    ) -> None:
        """Units about to move to `moment` today (called before their moment changes); with
        `days` (int64, one per unit or one for all), this also makes the move: their moment
        and end day (`until`) are written after being counted (`Market.move` hands it over).

        One compiled pass (`book_kernels.count_moves`) notes who really moves, where journeys
        begin and, in the window, the flows, stay lengths, prospects and first purchases;
        only the stances of units entering UMOT are read here, once a day. A compiled call
        costs about what a numpy one does, so a move is one call, not a dozen.
        """
        if len(units) == 0:
            return
        if days is None:
            until, days = NO_DAYS, NO_DAYS
        else:
            until = market.units.until
        if len(units) > len(self._moved):  # a unit listed twice: room for every entry
            self._moved = np.empty(len(units), dtype=np.int64)
        state = market.units
        counting = market.day >= self.window_start
        if not (isinstance(units, np.ndarray) and units.dtype == np.int64):  # as moves hand over
            units = np.asarray(units, dtype=np.int64)
        moved, switchers = count_moves(
            units,
            int(moment),
            market.day,
            counting,
            state.moment,
            state.brand,
            state.acquired_day,
            MOVE_KINDS,
            self.journey_brand,
            self.prospect,
            self.converted,
            self.entered_day,
            self._flows,
            self.stays,
            self._moved,
            until,
            days,
        )
        self.switchers += switchers
        if counting and moment == Moment.UMOT and moved:
            self._count_stances(market, self._moved[:moved])

    def _count_stances(self, market: TalliedMarket, units: np.ndarray) -> None:
        """Fresh stances of the people of units entering UMOT (stances are taken just
        before)."""
        people, _ = market.members(units)
        stance, brand = market.people.stance, market.people.stance_brand
        advocates, critics = count_stances(people, stance, brand, self.advocate, self.critic)
        self.advocate_events += advocates
        self.critic_events += critics

    def counts(self) -> dict[str, float]:
        """Distinct people and prospect counts of the window, for `sim.reports.kpis.compute_kpis`."""
        return {
            "advocate_people": float(self.advocate.sum()),
            "critic_people": float(self.critic.sum()),
            "advocate_events": float(self.advocate_events),
            "critic_events": float(self.critic_events),
            "prospects": float(self.prospect.sum()),
            "prospects_converted": float(self.converted.sum()),
            "new_switchers": float(self.switchers),
            "customers_start": float(self.customers_start),
        }

    def funnel(self, moment_now: np.ndarray) -> pd.DataFrame:
        """One row per moment: stock at the start, flows, stock at the end, median stay."""
        at_end = np.bincount(moment_now, minlength=N_MOMENTS)
        rows = [
            (
                LABELS[m],
                int(self.at_start[m]),
                int(self.entered[m]),
                int(self.moved_on[m]),
                int(self.dropped[m]),
                int(at_end[m]),
                histogram_median(self.stays[m]),
                int(self.stays[m].sum()),
            )
            for m in Moment
        ]
        return pd.DataFrame(rows, columns=list(FUNNEL_COLUMNS))


def histogram_median(counts: np.ndarray) -> float:
    """Median of values 0, 1, 2, ... given how often each occurs (NaN when there are none).

    >>> histogram_median(np.array([0, 2, 0, 1]))  # values 1, 1, 3
    1.0
    >>> histogram_median(np.array([1, 0, 0, 1]))  # values 0, 3
    1.5
    """
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    cumulative = np.cumsum(counts)
    low = int(np.searchsorted(cumulative, (n - 1) // 2 + 1))
    high = int(np.searchsorted(cumulative, n // 2 + 1))
    return (low + high) / 2
