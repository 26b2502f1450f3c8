"""Channel paths of journeys, and the rule-based credit marketers give them.

A path is the ordered channels of the focal brand's touches in one journey (`Paths`). Only
journeys the brand could see count: those with at least one of its touches, plus conversions
with none, which get the single step "direct" (web analytics' direct traffic). Journeys that
never touched the brand and did not convert are invisible to it and left out.

The heuristics split each conversion among its path's channels (Anderl et al. 2016, sect. 2;
Google Analytics' rule-based models): first touch gives it all to the first channel, last touch
to the last, linear an equal share to every touch (a channel touched twice gets two shares).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.attribution.channels import CHANNELS, DIRECT, channel_of_code
from sim.market.touch_log import Journeys


@dataclass(frozen=True)
class Paths:
    """Steps of every visible journey, grouped by journey and in order within it."""

    journey: np.ndarray
    """Per step: its journey (0..n-1, ascending)."""
    channel: np.ndarray
    """Per step: the channel touched (index into `CHANNELS`)."""
    converted: np.ndarray
    """Per journey: whether it ended in a conversion."""
    n_channels: int = len(CHANNELS)

    @property
    def conversions(self) -> int:
        """Converting journeys."""
        return int(self.converted.sum())

    def first_steps(self) -> np.ndarray:
        """Per step: whether it is its journey's first."""
        first = np.ones(len(self.journey), dtype=bool)
        first[1:] = self.journey[1:] != self.journey[:-1]
        return first

    def last_steps(self) -> np.ndarray:
        """Per step: whether it is its journey's last."""
        last = np.ones(len(self.journey), dtype=bool)
        last[:-1] = self.journey[1:] != self.journey[:-1]
        return last


def channel_paths(journeys: Journeys, conversions: str) -> Paths:
    """The paths of the journeys that count for `conversions` ("new_customers" or
    "purchases") in the measured window, as the brand's own data would show them."""
    channel = channel_of_code()[journeys.touch_code]
    mine = journeys.touch_focal & (channel >= 0)
    step_journey, step_channel = journeys.touch_journey[mine], channel[mine]
    touched = np.zeros(journeys.n, dtype=bool)
    touched[step_journey] = True
    converted = journeys.converted(conversions)
    visible = journeys.eligible(conversions) & (touched | converted)
    direct = np.flatnonzero(visible & ~touched)
    step_journey = np.concatenate([step_journey, direct])
    step_channel = np.concatenate([step_channel, np.full(len(direct), DIRECT)])
    keep = visible[step_journey]
    step_journey, step_channel = step_journey[keep], step_channel[keep]
    order = np.argsort(step_journey, kind="stable")
    renumber = np.cumsum(visible) - 1
    return Paths(renumber[step_journey[order]], step_channel[order], converted[visible])


def paths_from_lists(paths: Sequence[Sequence[int]], converted: Sequence[bool]) -> Paths:
    """`Paths` from plain lists of channel indices (for examples and tests)."""
    journey = np.repeat(np.arange(len(paths)), [len(p) for p in paths])
    channel = np.asarray([c for p in paths for c in p], dtype=np.int64)
    return Paths(journey, channel, np.asarray(converted, dtype=bool))


def first_touch(paths: Paths) -> np.ndarray:
    """Conversions credited to each channel by its first touch."""
    return _credit(paths, paths.first_steps().astype(float))


def last_touch(paths: Paths) -> np.ndarray:
    """Conversions credited to each channel by its last touch."""
    return _credit(paths, paths.last_steps().astype(float))


def linear(paths: Paths) -> np.ndarray:
    """Conversions credited to each channel by equal shares of every touch of the path."""
    length = np.bincount(paths.journey, minlength=len(paths.converted))
    return _credit(paths, 1.0 / length[paths.journey])


def touched_share(paths: Paths) -> np.ndarray:
    """Share of conversions whose path touched each channel at least once."""
    pairs = np.unique(paths.journey * paths.n_channels + paths.channel)
    journey, channel = pairs // paths.n_channels, pairs % paths.n_channels
    hits = np.bincount(channel[paths.converted[journey]], minlength=paths.n_channels)
    return hits / max(paths.conversions, 1)


def _credit(paths: Paths, weight: np.ndarray) -> np.ndarray:
    """Sum of per-step weights over the steps of converting journeys, per channel."""
    weight = weight * paths.converted[paths.journey]
    return np.bincount(paths.channel, weights=weight, minlength=paths.n_channels)
