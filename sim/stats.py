"""Summary statistics for replications: means with Student-t confidence intervals.

Replications of a stochastic model are independent draws of each KPI, so the mean's CI is the
classic t interval (Law 2015, *Simulation Modeling and Analysis*, ch. 9); scipy computes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of `values` and its `confidence` t interval, ignoring NaNs.

    With fewer than two finite values there is no interval: low and high are NaN. With no
    spread (all values equal) the interval collapses onto the mean.

    >>> mean_ci([1.0, 2.0, 3.0])  # doctest: +ELLIPSIS
    (2.0, -0.48..., 4.48...)
    >>> mean_ci([5.0])
    (5.0, nan, nan)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    data = np.asarray(list(values), dtype=float)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(data.mean())
    if data.size < 2:
        return (mean, math.nan, math.nan)
    sem = float(stats.sem(data))
    if sem == 0.0:
        return (mean, mean, mean)
    low, high = stats.t.interval(confidence, df=data.size - 1, loc=mean, scale=sem)
    return (mean, float(low), float(high))
