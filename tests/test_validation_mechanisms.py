"""Mechanism checks that can fail (issue 14): each test is run with its mechanism on and with it
switched off, with fixed seeds, and must pass on and fail off.

- negative word of mouth (Goldenberg et al. 2007): the NPV lost to rejection, on minus off on
  the same seeds, is significantly above 0 (one-sided paired t at the check's alpha); with
  rejection off in both arms it is not;
- weak ties (Goldenberg, Libai & Muller 2001): raising q_weak over the paper's range saves days
  to 95% informed (one-sided paired t); with weak ties off at both levels it does not;
- Bass in calendar time: daily chances p/365 and q/365 reproduce the yearly closed form F(year)
  within the Euler error + 4.5 linear-noise sd; with imitation off (q = 0) they do not.

Tolerances are the checks' own (module docstrings of `sim.validation.negative_wom`, `ties`,
`bass`), fixed before looking; sizes are smaller than `mot validate --quick` to keep CI short.
"""

from __future__ import annotations

from sim.runner import replication_seeds
from sim.validation import bass, negative_wom, reviews, ties
from sim.validation.check import CheckResult, OneSided, design_power
from sim.validation.report import count_text


def test_negative_word_of_mouth_costs_npv_on_minus_off():
    seeds = replication_seeds(5, 4)
    test = OneSided(negative_wom.attributable(0.15, seeds, 150), negative_wom.ALPHA)
    assert test.passed, test.text(100, "%")


def test_with_negative_word_of_mouth_off_in_both_arms_the_test_fails():
    """Negative control; the first version's test (loss with bad units vs none) still passed
    here, because bad units also silence would-be advocates."""
    seeds = replication_seeds(5, 4)
    control = OneSided(negative_wom.attributable(0.15, seeds, 150, reject=0.0), negative_wom.ALPHA)
    assert not control.passed, control.text(100, "%")
    confounded = 1 - negative_wom.npvs(0.15, seeds, 150, reject=0.0) / negative_wom.npvs(
        0.0, seeds, 150
    )
    assert OneSided(confounded, negative_wom.ALPHA).passed  # why on-minus-off is needed


LOW_CELL = {
    "strong ties (q_strong)": (0.01, 0.01),
    ties.WEAK: ties.LEVELS[ties.WEAK],
    "advertising (reach)": (0.0005, 0.0005),
}
"""The factorial collapsed onto its slowest cell (strong ties and ads low): two distinct runs
per seed, the weak-tie levels."""


def test_weak_ties_save_days_to_inform_the_market():
    _, effects = ties.main_effects(LOW_CELL, replication_seeds(9, 4), 300)
    test = OneSided(-effects[ties.WEAK], ties.ALPHA)
    assert test.passed, test.text(unit=" days")


def test_with_weak_ties_off_at_both_levels_the_test_fails():
    off = {**LOW_CELL, ties.WEAK: (0.0, 0.0)}
    _, effects = ties.main_effects(off, replication_seeds(9, 4), 300)
    assert not OneSided(-effects[ties.WEAK], ties.ALPHA).passed, effects[ties.WEAK]


RECORD_PLAYERS = bass.PRODUCTS["record players"]
"""The fastest product of Bass (1969): about 13 years to 99.5% in calendar time."""


def test_daily_p_and_q_over_365_reproduce_the_yearly_bass_curve():
    run = bass.diffuse("record players", *RECORD_PLAYERS, 5_000, 4, bass.DAYS_PER_YEAR)
    years = bass.yearly(run)
    assert years["passed"], years
    assert len(years["years"]) >= 10 and years["simulated"][-1] > 0.98


def test_without_imitation_the_yearly_bass_curve_is_not_reproduced():
    run = bass.diffuse("record players", *RECORD_PLAYERS, 5_000, 4, bass.DAYS_PER_YEAR, q_model=0)
    assert not bass.yearly(run)["passed"]


def test_slow_products_run_past_ten_years_until_they_saturate():
    p, q = bass.PRODUCTS["refrigerators"]
    days = bass.days_to_saturate(p / 365, q / 365)
    assert days > 3650 and bass.recursion(p / 365, q / 365, days)[-1] >= 0.995
    assert bass.bass_scenario(p, q, 100, days, steps_per_period=365).days == days


def test_design_power_grows_with_replications_and_is_low_for_a_tiny_effect():
    powers = [design_power(n, 0.05, 0.03, 0.01) for n in (4, 8, 16)]
    assert powers == sorted(powers) and powers[1] > 0.9
    assert design_power(8, 0.001, 0.03, 0.01) < 0.05


def test_everyone_reviewing_is_a_consistency_check_not_a_validation():
    result = reviews.check_consistency(quick=True)
    assert result.by_construction and result.control is None
    assert result.kind_label == "consistency check (holds by construction)"
    fake = CheckResult("demo", "Demo", "s", "s", "t", False, "x")
    assert count_text([fake, result]).startswith("0 of 1 validation checks pass; 1 of 1")
