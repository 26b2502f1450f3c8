"""Economics: gross profit, profit after strategy costs, customer lifetime value over the
Kaplan-Meier curve, and whether a strategy pays for itself (hand-computed cases)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.comparison.paired import payback_days, pays_for_itself, profitability
from sim.reports.kpis import RunOutcome, daily_profit, economics_kpis, lifetime_value

ROOT = Path(__file__).resolve().parents[1]


def crafted_outcome(unit_cost: float, discount: float = 0.0) -> RunOutcome:
    """Three days: 10, 20 and 10 purchases at $50, one refund, $30 of strategy costs; one
    customer acquired on day 1 and never lost (so the survival curve is flat at 1)."""
    daily = pd.DataFrame(
        {
            "day": [1, 2, 3],
            "purchases": [10.0, 20.0, 10.0],
            "repeat_purchases": [2.0, 4.0, 2.0],
            "revenue_usd": [500.0, 950.0, 500.0],  # a $50 refund on day 2
            "strategy_cost_usd": [10.0, 10.0, 10.0],
            "customers": [100.0, 100.0, 100.0],
        }
    )
    return RunOutcome(
        daily,
        acquired_day=np.array([1]),
        churn_day=np.array([-1]),
        counts={},
        unit_cost_usd=unit_cost,
        discount_rate=discount,
        clv_horizon_days=2,
    )


def test_profit_is_revenue_less_units_at_cost_less_strategy_spend():
    outcome = crafted_outcome(unit_cost=20.0)
    kpis = economics_kpis(outcome, outcome.daily.sum(numeric_only=True))
    assert kpis["revenue_usd"] == 1950.0
    assert kpis["gross_profit_usd"] == 1950.0 - 40 * 20.0  # returned units are written off
    assert kpis["strategy_cost_usd"] == 30.0
    assert kpis["profit_usd"] == 1950.0 - 800.0 - 30.0
    assert daily_profit(outcome.daily, 20.0).tolist() == [290.0, 540.0, 290.0]


def test_lifetime_value_over_the_survival_curve_hand_computed():
    outcome = crafted_outcome(unit_cost=20.0)
    kpis = economics_kpis(outcome, outcome.daily.sum(numeric_only=True))
    margin, rate = (1950.0 - 800.0) / 40, 8 / 300  # per purchase; repeats per customer-day
    assert kpis["clv_usd"] == pytest.approx(margin * (1 + 2 * rate))  # S = 1 at ages 1 and 2
    # a halving curve, discounted at 10% a year: margin x (1 + rate x sum S(t) d^t)
    survival = np.array([1.0, 0.5, 0.25])
    d = 1.1 ** (-1 / 365)
    expected = 10.0 * (1 + 0.2 * (0.5 * d + 0.25 * d**2))
    assert lifetime_value(10.0, 0.2, survival, 0.10) == pytest.approx(expected, rel=1e-12)
    assert math.isnan(lifetime_value(10.0, 0.2, np.array([1.0, 0.9, np.nan]), 0.1))


def test_lifetime_value_is_not_observable_beyond_the_window():
    outcome = crafted_outcome(unit_cost=20.0)
    outcome.clv_horizon_days = 10  # the customer is observed to age 2 only
    kpis = economics_kpis(outcome, outcome.daily.sum(numeric_only=True))
    assert math.isnan(kpis["clv_usd"])


def comparison_rows(diffs: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    rows = [
        dict(scenario="plan", reference="base", kpi=k, difference=d, ci_low=lo, ci_high=hi)
        for k, (d, lo, hi) in diffs.items()
    ]
    return pd.DataFrame(rows)


def curves(extra_by_day: list[float]) -> pd.DataFrame:
    """Daily profit of two replications: the plan earns `extra_by_day` more than the base."""
    days = np.arange(1, len(extra_by_day) + 1)
    frames = []
    for replication in (0, 1):
        base = pd.DataFrame({"scenario": "base", "replication": replication, "day": days})
        frames.append(base.assign(profit_usd=100.0))
        frames.append(base.assign(scenario="plan", profit_usd=100.0 + np.array(extra_by_day)))
    return pd.concat(frames, ignore_index=True)


def kpi_runs(values: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """Tidy per-replication KPIs: {scenario: {kpi: [value per replication]}}."""
    rows = [
        (scenario, replication, replication, kpi, value)
        for scenario, kpis in values.items()
        for kpi, series in kpis.items()
        for replication, value in enumerate(series)
    ]
    return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "kpi", "value"])


def test_roi_payback_and_verdict():
    comparison = comparison_rows(
        {"profit_usd": (300.0, 120.0, 480.0), "strategy_cost_usd": (200.0, 200.0, 200.0)}
    )
    runs = kpi_runs(
        {
            "base": {"profit_usd": [1000.0, 1000.0], "strategy_cost_usd": [0.0, 0.0]},
            "plan": {"profit_usd": [1280.0, 1320.0], "strategy_cost_usd": [200.0, 200.0]},
        }
    )
    # cumulative extra profit: -50, -100, -20, +60, +180: paid back on day 4
    (row,) = profitability(comparison, curves([-50, -50, 80, 80, 120]), runs).itertuples()
    assert row.extra_profit_usd == 300.0 and (row.profit_ci_low, row.profit_ci_high) == (120, 480)
    assert row.roi == pytest.approx(1.5)  # $300 more profit on $200 more spending
    # the cost is the same in both replications: ROI's interval is profit's t interval / $200
    half = stats.t.ppf(0.975, 1) * 20.0  # differences 280 and 320: SD 28.28, SEM 20
    assert (row.roi_ci_low, row.roi_ci_high) == pytest.approx(
        ((300 - half) / 200, (300 + half) / 200)
    )
    assert row.payback_days == 4 and row.pays_for_itself == "yes"
    assert row.payback_ci_low == row.payback_ci_high == 4  # both replications pay back on day 4


def test_payback_needs_the_cumulative_gain_to_end_above_zero():
    frame = curves([10, 10, -30])
    assert math.isinf(payback_days(frame, "base", "plan"))  # not within the window
    assert payback_days(curves([5, 5, 5]), "base", "plan") == 1
    assert (pays_for_itself(-5, 10), pays_for_itself(-9, -1)) == ("unclear", "no")


def test_mot_compare_reports_incremental_profit_with_a_ci(tmp_path):
    names = {"base": "", "mail": "[brands.focal.strategies.follow_up_email]\nopen_rate = 0.6\n"}
    paths = []
    for name, extra in names.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\nname = "{name}"\n'
            "days = 60\nwarmup_days = 20\n[population]\nn_consumers = 1000\n" + extra
        )
        paths.append(str(path))
    out = tmp_path / "out"
    argv = ["compare", *paths, "--replications", "3", "--workers", "1", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    (folder,) = (out).glob("compare-*/*")
    costs = pd.read_csv(folder / "costs.csv")
    profit_columns = {"extra_profit_usd", "profit_ci_low", "profit_ci_high", "roi", "roi_ci_low"}
    profit_columns |= {"roi_ci_high", "payback_days", "payback_ci_low", "payback_ci_high"}
    assert profit_columns <= set(costs.columns)
    (row,) = costs.itertuples()
    assert row.roi_ci_low <= row.roi <= row.roi_ci_high
    assert row.payback_ci_low <= row.payback_days <= row.payback_ci_high
    verdicts = (folder / "verdicts.txt").read_text()
    assert "mail: profit after strategy costs" in verdicts and "95% CI" in verdicts
    assert "pays for itself" in verdicts and verdicts.count("95% CI") >= 3
    definitions = json.loads((folder / "definitions.json").read_text())
    assert set(definitions["costs.csv"]) <= set(costs.columns)
    assert "Fieller" in definitions["costs.csv"]["roi_ci_low"]
    assert "profit_usd" in definitions["comparison.csv kpi"]
