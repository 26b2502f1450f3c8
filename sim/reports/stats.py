"""Summary statistics for replications: means with Student-t confidence intervals.

Replications of a stochastic model are independent draws of each KPI, so the mean's CI is the
classic t interval (Law 2015, *Simulation Modeling and Analysis*, ch. 9); scipy computes it.
A ratio of two means (ROI) gets Fieller's interval, the same t test inverted; a statistic with
no standard error formula (a payback day) gets a percentile bootstrap over replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

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
    if (n >= 2).to_numpy().any():
        from scipy import stats  # on use: ~1 s of CPU to import, and one run has no interval

        half = stats.t.ppf(0.5 + confidence / 2, (n - 1).clip(lower=1)) * sd / np.sqrt(n)
    else:
        half = sd
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


def ratio_ci(
    numerator: Iterable[float], denominator: Iterable[float], confidence: float = 0.95
) -> tuple[float, float, float]:
    """mean(numerator) / mean(denominator) over paired observations, and its Fieller interval.

    Why Fieller (Fieller 1954; Franz 2007, arXiv:0710.2024): the interval is every ratio r for
    which the paired t test of numerator - r x denominator does not reject 0, so it is exact
    when those differences are normal, uses the same t test as every other interval of a
    comparison, accounts for the correlation of top and bottom (both come from the same
    replication), and is asymmetric when it should be. A delta-method interval is symmetric and
    breaks down as the denominator nears 0; a bootstrap of a ratio is unreliable with the 10-30
    replications a comparison has. When the denominator's mean is itself not distinguishable
    from 0 the set of plausible ratios is unbounded: the bounds are -inf and +inf. Pairs with a
    NaN are dropped; with fewer than two pairs the bounds are NaN.

    >>> ratio_ci([2.0, 4.0, 6.0], [1.0, 1.0, 1.0])  # doctest: +ELLIPSIS
    (4.0, -0.96..., 8.96...)

    (A constant denominator: the numerator's t interval divided by it.)
    """
    x = np.asarray(list(numerator), dtype=float)
    y = np.asarray(list(denominator), dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    ratio = float(x.mean() / y.mean()) if n and y.mean() != 0 else math.nan
    if n < 2 or math.isnan(ratio):
        return (ratio, math.nan, math.nan)
    from scipy import stats

    q = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) ** 2 / n
    cov = np.cov(x, y, ddof=1)
    a = float(y.mean() ** 2 - q * cov[1, 1])
    b = float(x.mean() * y.mean() - q * cov[0, 1])
    c = float(x.mean() ** 2 - q * cov[0, 0])
    if a <= 0:
        return (ratio, -math.inf, math.inf)
    half = math.sqrt(max(b * b - a * c, 0.0))
    return (ratio, (b - half) / a, (b + half) / a)


BOOTSTRAP_RESAMPLES = 9999
"""Resamples of a bootstrap interval: (B + 1) x 2.5% is a whole number, and 9,999 resamples
put the Monte Carlo error of a 95% percentile bound well below its sampling error (Davison &
Hinkley 1997, *Bootstrap Methods and their Application*, sect. 5.2.3)."""
BOOTSTRAP_SEED = 20_261_130
"""Seed of the resampling, fixed so the same comparison always gives the same interval
(assumption: any fixed seed does; the date it was chosen)."""


def bootstrap_ci(
    rows: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` of the mean of `rows` (one per replication).

    Why: some figures of a comparison (the day a strategy has paid back) are a statistic of
    the mean curve with no standard error formula; replications are independent, so resampling
    them with replacement (each row keeps its paired scenarios together) gives the statistic's
    sampling distribution (Efron & Tibshirani 1993, ch. 13). `statistic` maps resampled mean
    rows (resamples x columns) to one value each and may return +inf (say, "not within the
    window"); the bounds are order statistics (no interpolation), so an infinite bound stays
    infinite. With fewer than about 10 replications the resamples take few distinct values and
    the interval is too narrow: use more replications before trusting it.
    """
    rows = np.asarray(rows, dtype=float)
    n = len(rows)
    if n < 2:
        return (math.nan, math.nan)
    picks = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    counts = np.zeros((resamples, n))
    np.add.at(counts, (np.repeat(np.arange(resamples), n), picks.ravel()), 1.0)
    values = statistic(counts @ rows.reshape(n, -1) / n)
    alpha = 1.0 - confidence
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    return (float(low), float(high))
