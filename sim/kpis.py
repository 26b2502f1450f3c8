"""Key performance indicators of one run: acquisition, retention, advocacy, economics.

Each KPI is about the focal brand. Definitions (also in the README's KPI table):
acquisition counts first-ever focal purchases; retention follows cohorts (a customer is lost on
the first day they switch, leave the category or return the product); advocacy counts stances,
reviews and messages; economics books revenue net of refunds and the strategies' costs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.measures import CHANNEL_COLUMNS, TRIGGER_COLUMNS, retention_at

KPI_GROUPS: dict[str, tuple[str, ...]] = {
    "acquisition": (
        "new_customers",
        "conversion_rate",
        "share_new_from_reviews",
        "share_new_from_word_of_mouth",
        "share_new_from_ads",
        "share_new_from_influencers",
    ),
    "retention": (
        "repeat_purchase_rate",
        "retention_90d",
        "retention_365d",
        "churned",
        "customers_end",
        "market_share_end",
    ),
    "advocacy": (
        "reviews",
        "mean_rating",
        "advocates",
        "critics",
        "wom_positive",
        "wom_negative",
    ),
    "economics": (
        "revenue_usd",
        "strategy_cost_usd",
        "cost_per_acquired_usd",
    ),
}

KPI_NAMES: tuple[str, ...] = tuple(name for group in KPI_GROUPS.values() for name in group)


def compute_kpis(daily: pd.DataFrame, acquired_day: np.ndarray, churn_day: np.ndarray) -> dict:
    """All KPIs from a run's daily table and its customers' acquisition and churn days."""
    total = daily.sum(numeric_only=True)
    days_run = len(daily)
    last = daily.iloc[-1]
    new = float(total["new_customers"])
    journeys = float(sum(total[c] for c in TRIGGER_COLUMNS))
    customers = [c for c in daily.columns if c.startswith("customers_")]
    market = float(last[customers].sum())
    kpis = {
        "new_customers": new,
        "conversion_rate": ratio(new, journeys),
        **{
            f"share_{c}": ratio(total[c], new)
            for c in CHANNEL_COLUMNS
            if c.removeprefix("new_from_") in ("reviews", "word_of_mouth", "ads", "influencers")
        },
        "repeat_purchase_rate": ratio(total["repeat_purchases"], total["purchases"]),
        "retention_90d": retention_at(acquired_day, churn_day, days_run, 90, first_day=1),
        "retention_365d": retention_at(acquired_day, churn_day, days_run, 365),
        "churned": float(total["churned"]),
        "customers_end": float(last["customers"]),
        "market_share_end": ratio(last["customers"], market),
        "reviews": float(total["reviews"]),
        "mean_rating": ratio(total["review_stars"], total["reviews"]),
        "advocates": float(total["advocates"]),
        "critics": float(total["critics"]),
        "wom_positive": float(total["wom_positive"]),
        "wom_negative": float(total["wom_negative"]),
        "revenue_usd": float(total["revenue_usd"]),
        "strategy_cost_usd": float(total["strategy_cost_usd"]),
        "cost_per_acquired_usd": ratio(total["strategy_cost_usd"], new),
    }
    return {name: kpis[name] for name in KPI_NAMES}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0."""
    return float(numerator) / float(denominator) if denominator else math.nan
