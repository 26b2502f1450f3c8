"""A compact touch log per journey, kept only when asked (`market.touches`).

Why: attribution reads customer journeys, each the ordered touches that led a buying unit to
the shelf and how it ended (Anderl, Becker, von Wangenheim & Schumann 2016). A journey here is
everything a unit met between two shelf decisions (FMOT):

- stimuli at <ZMOT: its own need, an ad, a word-of-mouth message, an influencer's post, a
  referral code, or a brand's e-mail (a refill offer that sends a customer to the shelf);
- every source consulted during ZMOT research, by every researching member, in order, with
  whether it showed the focal brand;
- the decision: the brand bought (0 = focal, 1.. = a rival) or none (walked away), and whether
  the unit was a prospect (had never bought the focal brand).

The rules append whole arrays per call to ragged buffers: no per-agent objects, and nothing at
all unless a `TouchLog` is set on the market (`market.touches = TouchLog()`), so ordinary runs
pay one attribute test per rule call. `TouchLog.journeys` cuts the buffers into journeys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from sim.market.population import Units
from sim.market.sources import Source

EMAIL = len(Source)
"""Touch code of a brand's e-mail that sends a customer to the shelf (beyond the `Source` codes)."""
CODE_NAMES: tuple[str, ...] = (*(s.key for s in Source), "email")
"""Name of each touch code."""

STIMULUS, CONSULTATION = 0, 1
"""Kinds of touch: a stimulus at <ZMOT (or an e-mail), a source consulted during research."""


@dataclass
class TouchLog:
    """Ragged buffers of touches and shelf decisions; each append is one numbered batch.

    Batches are numbered in the order the day's rules run, so sorting a unit's rows by batch
    (stably) gives its touches and decisions in the order they happened.
    """

    batch_day: list[int] = field(default_factory=list)
    touches: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    decisions: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def _batch(self, day: int, n: int) -> np.ndarray:
        self.batch_day.append(day)
        return np.full(n, len(self.batch_day) - 1, dtype=np.int32)

    def add_touches(
        self, day: int, units: np.ndarray, codes: np.ndarray, kind: int, focal: np.ndarray
    ) -> None:
        """Touches of `units` (one row each): code, kind and whether it was about the focal brand."""
        n = len(units)
        if n == 0:
            return
        self.touches.append(
            (
                np.asarray(units, dtype=np.int32),
                self._batch(day, n),
                np.broadcast_to(np.asarray(codes, dtype=np.int8), (n,)).copy(),
                np.full(n, kind, dtype=np.int8),
                np.broadcast_to(np.asarray(focal, dtype=bool), (n,)).copy(),
            )
        )

    def add_decisions(
        self, day: int, units: np.ndarray, outcome: np.ndarray, prospect: np.ndarray
    ) -> None:
        """Shelf decisions: the brand bought (-1 none) and whether the unit was a prospect."""
        n = len(units)
        if n == 0:
            return
        self.decisions.append(
            (
                np.asarray(units, dtype=np.int32),
                self._batch(day, n),
                np.asarray(outcome, dtype=np.int8),
                np.asarray(prospect, dtype=bool),
            )
        )

    def journeys(self, first_day: int = 1) -> Journeys:
        """The log cut into journeys; touches after a unit's last decision (a journey still
        under way when the run ended) are left out. Journeys count for attribution when they
        end from `first_day` on (the measured window's first day)."""
        t = concat(self.touches, (np.int32, np.int32, np.int8, np.int8, bool))
        d = concat(self.decisions, (np.int32, np.int32, np.int8, bool))
        day = np.asarray(self.batch_day, dtype=np.int32)
        order = np.lexsort((d[1], d[0]))
        d_unit, d_batch = d[0][order], d[1][order]
        # the journey of a touch: the unit's first decision in a later batch
        position = np.searchsorted(
            d_unit.astype(np.int64) << 32 | d_batch, t[0].astype(np.int64) << 32 | t[1]
        )
        found = position < len(d_unit)
        found[found] &= d_unit[position[found]] == t[0][found]
        keep = np.flatnonzero(found)
        touch_order = keep[np.lexsort((keep, position[keep]))]
        return Journeys(
            unit=d_unit,
            day=day[d_batch],
            outcome=d[2][order],
            prospect=d[3][order],
            touch_journey=position[touch_order],
            touch_code=t[2][touch_order],
            touch_kind=t[3][touch_order],
            touch_focal=t[4][touch_order],
            first_day=first_day,
        )


def concat(parts: list[tuple[np.ndarray, ...]], dtypes: tuple) -> list[np.ndarray]:
    """Column-wise concatenation of appended batches (empty columns of `dtypes` if none)."""
    if not parts:
        return [np.zeros(0, dtype=dtype) for dtype in dtypes]
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


@dataclass(frozen=True)
class Journeys:
    """Complete journeys (one entry per shelf decision, by unit then time) and their touches
    (one entry per touch, grouped by journey, in the order they happened)."""

    unit: np.ndarray
    day: np.ndarray
    outcome: np.ndarray
    prospect: np.ndarray
    touch_journey: np.ndarray
    touch_code: np.ndarray
    touch_kind: np.ndarray
    touch_focal: np.ndarray
    first_day: int = 1
    """The measured window's first day: journeys ending before it (in the warm-up) do not count."""

    @property
    def n(self) -> int:
        """Number of journeys."""
        return len(self.unit)

    def converted(self, conversions: str) -> np.ndarray:
        """Per journey: a conversion of the focal brand in the window; `conversions` is
        "purchases" (every focal purchase) or "new_customers" (a prospect's first one)."""
        bought = (self.outcome == 0) & (self.day >= self.first_day)
        return bought & self.prospect if conversions == "new_customers" else bought

    def eligible(self, conversions: str) -> np.ndarray:
        """Per journey: whether it counts for `conversions` (prospects' journeys only for new
        customers) and ended in the window."""
        window = self.day >= self.first_day
        return window & self.prospect if conversions == "new_customers" else window

    def frame(self) -> pd.DataFrame:
        """One row per journey: unit, day of the decision, outcome, prospect, touches."""
        outcome = np.where(
            self.outcome == 0,
            "focal_purchase",
            np.where(self.outcome > 0, "rival_purchase", "no_purchase"),
        )
        return pd.DataFrame(
            {
                "journey": np.arange(self.n),
                "unit": self.unit,
                "decision_day": self.day,
                "outcome": outcome,
                "prospect": self.prospect,
                "touches": np.bincount(self.touch_journey, minlength=self.n),
            }
        )

    def touch_frame(self) -> pd.DataFrame:
        """One row per touch, in order: journey, kind, what was touched, about the focal brand."""
        return pd.DataFrame(
            {
                "journey": self.touch_journey,
                "kind": np.where(self.touch_kind == STIMULUS, "stimulus", "consulted"),
                "touch": np.asarray(CODE_NAMES)[self.touch_code],
                "focal": self.touch_focal,
            }
        )


class LoggedMarket(Protocol):
    """What the record functions read of the market (`sim.market.state.Market`, which holds
    the log)."""

    day: int
    units: Units
    touches: TouchLog | None


def record_stimuli(
    market: LoggedMarket, units: np.ndarray, source: np.ndarray | int, brand: np.ndarray | int
) -> None:
    """Log what started these units' journeys (a `Source`, or `EMAIL`) and about which brand."""
    log = market.touches
    if log is not None:
        log.add_touches(market.day, units, source, STIMULUS, np.asarray(brand) == 0)


def record_consultations(
    market: LoggedMarket, units: np.ndarray, source: np.ndarray, found_focal: np.ndarray
) -> None:
    """Log the sources consulted in research, one row per consultation, and whether each
    showed the focal brand."""
    log = market.touches
    if log is not None:
        log.add_touches(market.day, units, source, CONSULTATION, found_focal)


def record_decisions(market: LoggedMarket, units: np.ndarray, choice: np.ndarray) -> None:
    """Log shelf decisions (brand bought, -1 none) before the purchase is booked, so the
    prospect flag reads whether the unit had ever bought the focal brand."""
    log = market.touches
    if log is not None:
        prospect = market.units.acquired_day[units] < 0
        log.add_decisions(market.day, units, choice, prospect)
