"""Intervals of ROI (Fieller) and of the payback day (bootstrap over replications) in
`mot compare`, on cases where the answer is known: by hand, by the t test the interval inverts,
or by simulation from a known truth (coverage within its binomial Monte Carlo error)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from sim.comparison.paired import payback_of_curves, payback_phrase, roi_phrase
from sim.reports.stats import bootstrap_ci, ratio_ci

SEED = 2026


def test_fieller_bounds_are_the_ratios_the_paired_t_test_just_rejects():
    """Fieller's interval is the set of r with t test of x - r y not rejecting 0 at 5%."""
    rng = np.random.default_rng(SEED)
    cost = rng.normal(200.0, 20.0, 12)
    profit = 1.5 * cost + rng.normal(0.0, 60.0, 12)
    ratio, low, high = ratio_ci(profit, cost)
    assert ratio == pytest.approx(profit.mean() / cost.mean())
    for bound in (low, high):
        p_value = stats.ttest_1samp(profit - bound * cost, 0.0).pvalue
        assert p_value == pytest.approx(0.05, rel=1e-6)
    assert low < ratio < high


def test_fieller_with_a_constant_cost_is_the_profit_interval_divided_by_it():
    profit = np.array([280.0, 320.0, 310.0, 290.0])
    ratio, low, high = ratio_ci(profit, np.full(4, 200.0))
    t_low, t_high = stats.t.interval(0.95, 3, loc=profit.mean(), scale=stats.sem(profit))
    assert (ratio, low, high) == pytest.approx((1.5, t_low / 200.0, t_high / 200.0))


def test_fieller_is_unbounded_when_the_cost_is_within_the_noise():
    _, low, high = ratio_ci([10.0, 12.0, 9.0], [1.0, -1.0, 0.5])
    assert (low, high) == (-math.inf, math.inf)
    assert all(math.isnan(v) for v in ratio_ci([1.0], [2.0])[1:])  # one pair: no interval


def test_fieller_covers_the_true_roi_95_percent_of_the_time():
    """Bivariate normal replications with true ROI 1.5: coverage within 3 Monte Carlo SEs."""
    rng = np.random.default_rng(SEED)
    trials, n = 2000, 10
    cost = rng.normal(200.0, 30.0, (trials, n))
    profit = 1.5 * cost + rng.normal(0.0, 80.0, (trials, n))  # correlated top and bottom
    covered = [low <= 1.5 <= high for _, low, high in map(ratio_ci, profit, cost)]
    tolerance = 3 * math.sqrt(0.95 * 0.05 / trials)
    assert np.mean(covered) == pytest.approx(0.95, abs=tolerance)


DAYS = np.arange(1, 6)


def test_payback_day_of_a_curve_worked_out_by_hand():
    curves = np.array(
        [
            [-10.0, 5.0, 5.0, 1.0, 1.0],  # running total -10, -5, 0, 1, 2: from day 3
            [-10.0, 20.0, -15.0, 10.0, 0.0],  # 10 on day 2, -5 on day 3, 5 on day 4: day 4
            [1.0, 1.0, 1.0, 1.0, -5.0],  # ends at -1: not paid back
            [1.0, 1.0, 1.0, 1.0, 1.0],  # never below 0: day 1
        ]
    )
    assert payback_of_curves(curves, DAYS).tolist() == [3.0, 4.0, math.inf, 1.0]


def test_payback_interval_over_two_replications_worked_out_by_hand():
    """Two replications, A paying back on day 2 and B never: resamples are AA (chance 1/4),
    AB (1/2, mean running total -1, -0.25, 0, 0.25, 0.5: day 3) and BB (1/4), so the 2.5% and
    97.5% bootstrap quantiles are AA's day 2 and BB's never."""
    a = [-1.0, 2.5, 1.5, 1.5, 1.5]
    b = [-1.0, -1.0, -1.0, -1.0, -1.0]
    assert payback_of_curves(np.array([a, b]), DAYS).tolist() == [2.0, math.inf]
    assert payback_of_curves(np.mean([a, b], axis=0), DAYS)[0] == 3.0
    low, high = bootstrap_ci(np.array([a, b]), lambda m: payback_of_curves(m, DAYS))
    assert (low, high) == (2.0, math.inf)


def test_payback_interval_collapses_when_replications_agree_and_is_reproducible():
    same = np.tile([-3.0, 1.0, 1.0, 1.0, 1.0], (6, 1))
    assert bootstrap_ci(same, lambda m: payback_of_curves(m, DAYS)) == (4.0, 4.0)
    rng = np.random.default_rng(SEED)
    noisy = same + rng.normal(0.0, 1.0, same.shape)
    first = bootstrap_ci(noisy, lambda m: payback_of_curves(m, DAYS))
    assert bootstrap_ci(noisy, lambda m: payback_of_curves(m, DAYS)) == first  # fixed seed


def test_payback_interval_covers_the_true_day_at_least_95_percent_of_the_time():
    """30 replications of a known mean curve plus noise; the true payback day is 15. A
    percentile interval of a whole-day statistic is conservative rather than exact, so the
    check is one-sided: coverage at least 95% up to 3 Monte Carlo SEs."""
    days = np.arange(1, 31)
    mean = np.where(days <= 5, -10.0, 5.5)  # running total -50 on day 5, -0.5 on 14, +5 on 15
    assert payback_of_curves(mean, days)[0] == 15
    rng = np.random.default_rng(SEED)
    trials, n = 400, 30
    covered = 0
    for _ in range(trials):
        rows = mean + rng.normal(0.0, 10.0, (n, len(days)))
        low, high = bootstrap_ci(rows, lambda m: payback_of_curves(m, days), resamples=999)
        covered += low <= 15 <= high
    assert covered / trials >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / trials)


def test_the_verdict_gives_each_interval_in_words():
    row = SimpleNamespace(
        roi=-4.12, roi_ci_low=-4.57, roi_ci_high=-3.68, payback_days=math.inf,
        payback_ci_low=math.inf, payback_ci_high=math.inf,
    )  # fmt: skip
    assert roi_phrase(row) == ", ROI -412% of the extra strategy cost (95% CI -457% to -368%)"
    assert payback_phrase(row) == (
        ", not paid back within the window (95% CI not within the window)"
    )
    row.roi_ci_low, row.roi_ci_high, row.payback_days, row.payback_ci_low = (
        -math.inf,
        math.inf,
        19,
        18,
    )
    assert "unbounded" in roi_phrase(row)
    assert payback_phrase(row) == ", paid back by day 19 (95% CI day 18 to not within the window)"
