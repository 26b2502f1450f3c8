"""Retention as survival: Kaplan-Meier over every focal customer the window observes.

Why: counting "customers observed for a full year" keeps only those acquired a year before the
window ends, so in a one-year window 365-day retention describes whoever happened to be there at
the start, and 90-day retention a different group. Survival analysis uses everyone (Kaplan &
Meier 1958; Klein & Moeschberger 2003, ch. 4 and 9.4):

- time is the customer's **age**: days since their first focal purchase;
- the **event** is their first loss (switched, left the category, walked away, returned);
- customers acquired in the window enter at age 0 and, if not lost, are **right-censored** at
  their age on the window's last day;
- customers acquired before the window (in the warm-up) and not yet lost enter at their age on
  the window's first day (**left truncation**, lifelines' `entry=`): they count only for the
  ages the window sees;
- the initial customers of day 0 have no known acquisition day and are left out.

The estimator is lifelines' `KaplanMeierFitter` (Davidson-Pilon 2019, JOSS) with its
exponential Greenwood 95% intervals. A customer is at risk at age t when the window observes
them at that age (and they were not lost before it); with nobody at risk, the age is **not
observable** and the estimate is NaN rather than the last value carried forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lifelines import KaplanMeierFitter

RETENTION_AGES: tuple[int, ...] = (90, 180, 365)
"""Ages (days since acquisition) at which retention is reported."""
NOT_OBSERVABLE = "not observable"
"""What tables print for a retention age nobody in the window reached."""


@dataclass(frozen=True)
class SurvivalData:
    """One row per customer the window observes: ages in days since acquisition."""

    duration: np.ndarray
    """Age at first loss (event) or on the window's last day (censored)."""
    event: np.ndarray
    """True when the customer was lost in the window."""
    entry: np.ndarray
    """Left truncation (lifelines' `entry`): the customer is observed at ages above it. 0 if
    acquired in the window (observed from age 0), else their age on the last day before the
    window (lifelines lets entrants join a risk set after that age's losses)."""

    @property
    def n(self) -> int:
        return len(self.duration)


@dataclass(frozen=True)
class RetentionEstimate:
    """Kaplan-Meier retention at one age, with its 95% interval and who it rests on."""

    age_days: int
    retention: float
    ci_low: float
    ci_high: float
    at_risk: int


def survival_data(
    acquired_day: np.ndarray, churn_day: np.ndarray, window_start: int, last_day: int
) -> SurvivalData:
    """Ages, events and entries of focal customers in the window (days are simulation days;
    -1 = never acquired / never lost; acquisition day 0 = the initial base, age unknown)."""
    known = acquired_day >= 1
    alive_at_start = (churn_day < 0) | (churn_day >= window_start)
    observed = known & alive_at_start & (acquired_day <= last_day)
    acquired, churned = acquired_day[observed].astype(np.int64), churn_day[observed]
    event = (churned >= 0) & (churned <= last_day)
    duration = np.where(event, churned, last_day) - acquired
    entry = np.maximum(window_start - 1 - acquired, 0)
    return SurvivalData(duration=duration, event=event, entry=entry)


def fit(data: SurvivalData, confidence: float = 0.95) -> KaplanMeierFitter | None:
    """lifelines' Kaplan-Meier fitted with left truncation, or None with no customers."""
    if data.n == 0:
        return None
    from lifelines import KaplanMeierFitter  # late: lifelines takes ~2 s to import

    return KaplanMeierFitter(alpha=1 - confidence).fit(
        data.duration, event_observed=data.event, entry=data.entry
    )


def at_risk(data: SurvivalData, age: int) -> int:
    """Customers observed at `age`: entered before it (or at 0 from 0) and neither lost nor
    censored before it (lifelines' risk set)."""
    entered = (data.entry < age) | (data.entry == 0)
    return int((entered & (data.duration >= age)).sum())


def at_risk_by_age(data: SurvivalData, horizon: int) -> np.ndarray:
    """`at_risk` for every age 0..horizon at once (entries so far minus exits before)."""
    size = horizon + 2
    entered = np.cumsum(np.bincount(np.minimum(data.entry + 1, size - 1), minlength=size))
    entered[0] = int((data.entry == 0).sum())
    left = np.cumsum(np.bincount(np.minimum(data.duration + 1, size - 1), minlength=size))
    return (entered - left)[: horizon + 1]


def retention_estimates(
    data: SurvivalData, ages: tuple[int, ...] = RETENTION_AGES
) -> list[RetentionEstimate]:
    """Kaplan-Meier retention S(age) = P(still a customer at `age`) with its 95% interval and
    number at risk, per age; NaN (not observable) where nobody is at risk."""
    fitted = fit(data)
    estimates = []
    for age in ages:
        risk = at_risk(data, age)
        if fitted is None or risk == 0:
            estimates.append(RetentionEstimate(age, math.nan, math.nan, math.nan, risk))
            continue
        low, high = interval_at(fitted, age)
        value = float(fitted.survival_function_at_times(age).iloc[0])
        estimates.append(RetentionEstimate(age, value, low, high, risk))
    return estimates


def interval_at(fitted: KaplanMeierFitter, age: int) -> tuple[float, float]:
    """The pointwise confidence interval of the step function at `age`."""
    band = fitted.confidence_interval_survival_function_
    rows = band[band.index <= age]
    if rows.empty:
        return 1.0, 1.0
    low, high = rows.iloc[-1]
    return float(low), float(high)


def curve_table(data: SurvivalData, horizon: int = max(RETENTION_AGES)) -> pd.DataFrame:
    """The Kaplan-Meier curve for every age 0..horizon: retention, its 95% bounds and the
    number at risk; NaN from the first age nobody is at risk (not observable)."""
    ages = np.arange(horizon + 1)
    risk = at_risk_by_age(data, horizon)
    table = pd.DataFrame(
        {"age_days": ages, "retention": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    )
    table["at_risk"] = risk
    fitted = fit(data)
    last = horizon + 1 if (risk > 0).all() else int(np.argmin(risk > 0))
    if fitted is None or last == 0:
        return table
    seen = ages[:last]
    table.loc[: last - 1, "retention"] = fitted.survival_function_at_times(seen).to_numpy()
    band = fitted.confidence_interval_survival_function_
    bounds = band.reindex(band.index.union(seen)).ffill().loc[seen].fillna(1.0).to_numpy()
    table.loc[: last - 1, ["ci_low", "ci_high"]] = bounds
    return table
