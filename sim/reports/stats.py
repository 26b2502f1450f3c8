"""Summary statistics for replications: means with Student-t confidence intervals.

Replications of a stochastic model are independent draws of each KPI, so the mean's CI is the
classic t interval (Law 2015, *Simulation Modeling and Analysis*, ch. 9); scipy computes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd


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
    from scipy import stats  # imported on use: it costs ~0.3 s of every `mot` start-up

    sem = float(stats.sem(data))
    if sem == 0.0:
        return (mean, mean, mean)
    low, high = stats.t.interval(confidence, df=data.size - 1, loc=mean, scale=sem)
    return (mean, float(low), float(high))


def mean_ci_by(
    frame: pd.DataFrame, by: str, columns: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per value of `by` (e.g. day), the mean of each column over rows (replications) and its
    t interval, as columns `<col>`, `<col>_low`, `<col>_high` (NaN bounds with one row per group).

    Vectorised form of `mean_ci` for charts with thousands of days.
    """
    grouped = frame.groupby(by)[list(columns)]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    from scipy import stats

    half = stats.t.ppf(0.5 + confidence / 2, (n - 1).clip(lower=1)) * sd / np.sqrt(n)
    half = half.where(n >= 2)
    out = mean.copy()
    for column in columns:
        out[f"{column}_low"] = mean[column] - half[column]
        out[f"{column}_high"] = mean[column] + half[column]
    return out.reset_index()


def summarize_kpis(
    per_replication: Sequence[Mapping[str, float]], confidence: float = 0.95
) -> dict[str, dict[str, float]]:
    """For each KPI, its mean over replications, CI bounds and number of finite values."""
    names = list(per_replication[0]) if per_replication else []
    summary = {}
    for name in names:
        values = [float(kpis[name]) for kpis in per_replication]
        mean, low, high = mean_ci(values, confidence)
        finite = sum(1 for v in values if not math.isnan(v))
        summary[name] = {"mean": mean, "ci_low": low, "ci_high": high, "n": finite}
    return summary
