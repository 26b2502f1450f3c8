"""Bass reduction (issue 2): with only ads (p) and word of mouth (q) on a fully mixed population,
adoption follows the discrete Bass recursion x[t+1] = x[t] + (p + q x[t])(1 - x[t]).

Tolerances (derived in `sim.validation.bass`, fixed before looking):
* one-step residuals z_t are N(0, 1) given the past (binomial draws at the recursion's hazard),
  so sum z_t^2 ~ chi-square(df = days used): two-sided test at alpha = 0.001;
* the trajectory stays within 4.5 linear-noise sd of the recursion every day (two-sided chance
  of one 4.5 sd day 6.8e-6; <= 2.5e-3 family-wise over 365 days, Bonferroni).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.validation.bass import (
    BAND_SD,
    bass_scenario,
    continuous,
    diffuse,
    recursion,
    residual_test,
    simulate,
)

N = 30_000
P, Q = 0.03, 0.38  # typical values (Sultan, Farley & Lehmann 1990)


@pytest.fixture(scope="module")
def typical():
    return diffuse("typical", P, Q, N, seed=11)


def test_one_step_residuals_are_binomial(typical):
    chi2 = typical.chi2
    assert chi2["df"] >= 10
    assert chi2["low"] <= chi2["statistic"] <= chi2["high"], chi2


def test_trajectory_within_linear_noise_band(typical):
    gap = np.abs(typical.x - typical.x_rec)
    assert np.all(gap <= BAND_SD * typical.sd + 1e-12), (gap / np.maximum(typical.sd, 1e-12)).max()
    assert typical.x[-1] > 0.99  # the market saturates, as the recursion does


def test_residual_test_has_power_against_a_wrong_q(typical):
    # The same data judged against a 20% stronger word of mouth must be rejected: the test can fail.
    wrong = residual_test(P, 1.2 * Q, N, typical.x, typical.new)
    assert not wrong["low"] <= wrong["statistic"] <= wrong["high"]


def test_record_players_fast_diffusion_also_reduces():
    run = diffuse("record players", 0.0248, 0.6541, 20_000, seed=5)
    assert run.chi2_ok and run.band_ok, run.figures()


def test_no_ads_no_word_of_mouth_means_no_adoption():
    x, new = simulate(bass_scenario(0.0, 0.0, 2_000, 30), seed=1)
    assert new.sum() == 0 and x[-1] == 0.0


def test_ads_only_is_geometric_exactly_in_expectation():
    # q = 0: x[t] = 1 - (1 - p)^t; residual test applies with q = 0.
    p = 0.05
    x, new = simulate(bass_scenario(p, 0.0, 20_000, 40), seed=2)
    chi2 = residual_test(p, 0.0, 20_000, x, new)
    assert chi2["low"] <= chi2["statistic"] <= chi2["high"], chi2


def test_recursion_converges_to_the_continuous_curve_as_the_step_shrinks():
    # Forward Euler is first order: ten times smaller steps cut the largest gap about tenfold.
    gaps = []
    for k in (1, 10, 100):
        t = np.arange(60 * k + 1) / k
        gaps.append(np.abs(recursion(P / k, Q / k, 60 * k) - continuous(P, Q, t)).max())
    assert gaps[0] > 5 * gaps[1] > 25 * gaps[2]
