"""One model: the shipped baseline reproduces the known patterns at once (issue 14).

The baseline's own settings (a smaller town, the same per-person parameters, the 180-day
warm-up and the 365-day window) must give:

- J-shaped self-selected reviews (Hu, Pavlou & Zhang 2009): 5 stars the most common, 1 star
  above 2 and 3 stars;
- positive : negative word of mouth between 2 : 1 and 4 : 1 (East, Hammond & Wright 2007:
  about 3 : 1 across 15 studies);
- a cost of bad units through negative word of mouth (Goldenberg, Libai, Moldovan & Muller
  2007): in the shipped quality crisis, the focal brand ends the window with fewer customers
  when its critics are heard than when they are silenced, on the same random numbers.

Each check has a negative control with its mechanism switched off, which must make it fail.

Tolerances, fixed before looking: each J inequality must hold by `Z` = 3 standard errors of
the difference of two Poisson counts (sqrt(a + b)); the word-of-mouth ratio's 3-standard-error
interval (delta method over the days of the window) must lie inside [2, 4]; the cost of bad
news is significant when the 99% one-sided t upper bound of the paired difference (over
`SEEDS` replications on common random numbers) is below 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.market.measures import STAR_COLUMNS
from sim.runner import replication_seeds, run_once
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE, CRISIS = SCENARIOS / "baseline.toml", SCENARIOS / "quality_crisis.toml"
Z = 3.0
"""Standard errors by which each J inequality must hold (and the ratio stay inside [2, 4])."""
PEOPLE = 5000
"""Half the baseline's town: about 800 reviews a year, the J's hook (1 vs 3 stars) ~5 se."""
CRISIS_PEOPLE = 3000
"""The quality-crisis arms: the cost of bad news is ~10 paired standard errors at this size."""
SEEDS = replication_seeds(2007, 4)
"""Paired replications of the bad-news comparison (99% one-sided t with 3 degrees of freedom)."""
ALPHA = 0.01
"""One-sided level of the bad-news test."""
SELF_SELECTION_OFF = {
    "feedback.moderate_reporting": 1.0,
    "feedback.extremity_boost": 1.0,
    "feedback.moan_boost": 1.0,
}
"""Posting by Chen, Zheng & Ceran's class rates alone: no brag, no moan, no under-reporting."""


def scenario(path: Path, people: int, **overrides) -> Scenario:
    """A shipped scenario with `people` consumers and dotted-key overrides."""
    return with_overrides(
        load_scenario(path), {"population.n_consumers": people, **overrides}, "<test>"
    )


def window(path: Path, people: int, seed: int = 42, **overrides) -> pd.DataFrame:
    """The measured window's daily table of one run."""
    return run_once(scenario(path, people, **overrides), seed).daily


def j_margins(daily: pd.DataFrame) -> dict[str, float]:
    """Each J inequality's margin in standard errors: (a - b) / sqrt(a + b)."""
    n = daily[list(STAR_COLUMNS)].sum().to_numpy()

    def margin(a: int, b: int) -> float:
        return float((n[a - 1] - n[b - 1]) / np.sqrt(max(n[a - 1] + n[b - 1], 1)))

    return {"5>4": margin(5, 4), "1>2": margin(1, 2), "1>3": margin(1, 3)}


def is_j_shaped(daily: pd.DataFrame) -> bool:
    """5 stars the most common (above 4, the runner-up), 1 star above 2 and 3, each by Z se."""
    return all(m > Z for m in j_margins(daily).values())


def wom_ratio_interval(daily: pd.DataFrame) -> tuple[float, float, float]:
    """(ratio, low, high): positive ÷ negative messages with a Z-se delta-method interval,
    the variances taken over the window's days (so day-level clumping counts)."""
    pos, neg = daily["wom_positive"].to_numpy(), daily["wom_negative"].to_numpy()
    days = len(pos)
    ratio = pos.sum() / neg.sum()
    cov = np.cov(pos, neg) * days  # variance of the window totals
    rel = cov[0, 0] / pos.sum() ** 2 + cov[1, 1] / neg.sum() ** 2
    rel -= 2 * cov[0, 1] / (pos.sum() * neg.sum())
    se = ratio * np.sqrt(max(rel, 0.0))
    return float(ratio), float(ratio - Z * se), float(ratio + Z * se)


def inside_east_range(low: float, high: float) -> bool:
    """Whether the ratio's interval lies inside [2, 4] (East, Hammond & Wright: about 3)."""
    return low >= 2.0 and high <= 4.0


@pytest.fixture(scope="module")
def baseline_window() -> pd.DataFrame:
    return window(BASELINE, PEOPLE)


def test_baseline_reviews_are_j_shaped(baseline_window):
    assert is_j_shaped(baseline_window), j_margins(baseline_window)


def test_without_self_selection_the_reviews_are_not_j_shaped():
    """Negative control: posting by star class only; the J test must fail."""
    daily = window(BASELINE, CRISIS_PEOPLE, **SELF_SELECTION_OFF)
    assert not is_j_shaped(daily), j_margins(daily)


def test_baseline_word_of_mouth_is_about_three_positive_to_one_negative(baseline_window):
    ratio, low, high = wom_ratio_interval(baseline_window)
    assert inside_east_range(low, high), (ratio, low, high)


def test_critics_talking_no_more_than_advocates_leaves_the_ratio_above_four():
    """Negative control: critics as talkative as advocates (no negativity), the ratio fails."""
    daily = window(BASELINE, CRISIS_PEOPLE, **{"feedback.negativity_ratio": 1.0})
    ratio, low, high = wom_ratio_interval(daily)
    assert not inside_east_range(low, high), (ratio, low, high)


def bad_news_cost(**overrides) -> np.ndarray:
    """Focal customers at the window's end in the shipped quality crisis, critics heard minus
    critics silenced, per paired replication."""
    silent = {"brands.focal.silenced_sources": ["negative_word_of_mouth"]}
    differences = []
    for seed in SEEDS:
        heard = run_once(scenario(CRISIS, CRISIS_PEOPLE, **overrides), seed)
        quiet = run_once(scenario(CRISIS, CRISIS_PEOPLE, **overrides, **silent), seed)
        differences.append(heard.kpis["customers_end"] - quiet.kpis["customers_end"])
    return np.asarray(differences)


def costs_customers(differences: np.ndarray) -> bool:
    """Whether the paired difference is significantly below 0 (one-sided t, level ALPHA)."""
    mean, sd = differences.mean(), differences.std(ddof=1)
    upper = mean + stats.t.ppf(1 - ALPHA, len(differences) - 1) * sd / np.sqrt(len(differences))
    return bool(upper < 0)


def test_bad_news_costs_the_brand_customers():
    differences = bad_news_cost()
    assert costs_customers(differences), differences


def test_inert_bad_news_costs_nothing():
    """Negative control: negative messages reach hearers but reject nobody and move no
    attitude (`p_reject_on_negative` = 0, `weight_wom` = 0); the cost must vanish."""
    differences = bad_news_cost(
        **{"feedback.p_reject_on_negative": 0.0, "feedback.weight_wom": 0.0}
    )
    assert not costs_customers(differences), differences
