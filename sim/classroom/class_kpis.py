"""The few numbers a class compares: each read from a student's daily table in microseconds.

Why not `JourneyModel.kpis()`: it fits Kaplan-Meier curves (tens of milliseconds), too slow to
refresh thirty students' rows every second. These are the live counts a teacher reads out;
profit uses the same definition as the run KPIs (`sim.reports.kpis.daily_profit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.reports.kpis import daily_profit


@dataclass(frozen=True)
class ClassKpi:
    """A number per student: its label, its day-by-day series and whether more is better."""

    key: str
    label: str
    series: Callable[[pd.DataFrame, float], pd.Series]
    """Daily table and unit cost (USD) -> the KPI's value at the end of each day."""
    higher_is_better: bool = True

    def value(self, daily: pd.DataFrame, unit_cost_usd: float) -> float:
        """The KPI after the last day run (0 before the first day)."""
        if not len(daily):
            return 0.0
        return float(self.series(daily, unit_cost_usd).iloc[-1])


def new_per_thousand_usd(daily: pd.DataFrame, unit_cost_usd: float) -> pd.Series:
    """New customers per USD 1,000 of strategy spending (new customers when nothing is spent)."""
    spent = daily["strategy_cost_usd"].cumsum().to_numpy()
    new = daily["new_customers"].cumsum().to_numpy()
    per = np.where(spent > 0, new / np.maximum(spent, 1e-9) * 1000.0, new)
    return pd.Series(per, index=daily.index)


KPI_LIST: tuple[ClassKpi, ...] = (
    ClassKpi("customers", "Customers now", lambda d, _: d["customers"]),
    ClassKpi("new_customers", "New customers (total)", lambda d, _: d["new_customers"].cumsum()),
    ClassKpi("customers_lost", "Customers lost (total)", lambda d, _: d["churned"].cumsum(), False),
    ClassKpi(
        "profit_usd", "Profit after strategy costs (USD)", lambda d, c: daily_profit(d, c).cumsum()
    ),
    ClassKpi("new_per_1000_usd", "New customers per USD 1,000 spent", new_per_thousand_usd),
    ClassKpi("reviews", "Reviews posted (total)", lambda d, _: d["reviews"].cumsum()),
    ClassKpi("critics", "Critics made (total)", lambda d, _: d["critics"].cumsum(), False),
    ClassKpi("mean_rating", "Mean rating (stars)", lambda d, _: d["mean_rating"]),
)
CLASS_KPIS: dict[str, ClassKpi] = {kpi.key: kpi for kpi in KPI_LIST}
"""Every KPI the teacher's table shows and a lesson may rank the leaderboard by."""
