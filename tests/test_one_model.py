"""One model: the shipped baseline reproduces the known patterns at once (issue 14).

The baseline checks of `mot validate` (`sim.validation.baseline_patterns`) at their quick size
(a smaller town, the same per-person parameters, the 180-day warm-up and the 365-day window,
fixed seeds) must pass on the shipped baseline, and each negative control, run with the
mechanism switched off, must fail:

- J-shaped self-selected reviews (Hu, Pavlou & Zhang 2009); control: self-selection off;
- positive : negative word of mouth between 2 : 1 and 4 : 1 (East, Hammond & Wright 2007);
  control: critics as talkative as advocates;
- a cost of bad units through negative word of mouth (Goldenberg, Libai, Moldovan & Muller
  2007); control: bad news inert on the receiving side.

Tolerances are the checks' own (module docstring of `baseline_patterns`).
"""

from __future__ import annotations

import pytest

from sim.validation import baseline_patterns as bp

QUICK = bp.PATTERN_SIZE[True]
CRISIS_QUICK = bp.CRISIS_SIZE[True]


@pytest.fixture(scope="module")
def j_result():
    return bp.check_j_shape(quick=True)


def test_baseline_reviews_are_j_shaped(j_result):
    assert j_result.passed and j_result.verdict == "PASS", j_result.summary


def test_without_self_selection_the_reviews_are_not_j_shaped(j_result):
    """Negative control: posting by star class only; the J test must fail."""
    assert not j_result.control.passed, j_result.control.summary
    assert j_result.control_verdict == "FAIL as expected"


def test_baseline_word_of_mouth_is_about_three_positive_to_one_negative(j_result):
    daily = bp.windows(QUICK)  # the J check's runs, cached
    ratio, low, high = bp.wom_ratio_interval(daily)
    assert bp.inside_east_range(low, high), (ratio, low, high)


def test_critics_talking_no_more_than_advocates_leaves_the_ratio_above_four():
    """Negative control: critics as talkative as advocates (no negativity), the ratio fails."""
    daily = bp.windows(QUICK, bp.CRITICS_AS_ADVOCATES)
    ratio, low, high = bp.wom_ratio_interval(daily)
    assert not bp.inside_east_range(low, high), (ratio, low, high)


def test_bad_news_costs_the_brand_customers():
    differences = bp.bad_news_cost(CRISIS_QUICK)
    assert bp.costs_customers(differences), differences


def test_inert_bad_news_costs_nothing():
    """Negative control: negative messages reach hearers but reject nobody and move no
    attitude (`p_reject_on_negative` = 0, `weight_wom` = 0); the cost must vanish."""
    differences = bp.bad_news_cost(CRISIS_QUICK, bp.BAD_NEWS_INERT)
    assert not bp.costs_customers(differences), differences
