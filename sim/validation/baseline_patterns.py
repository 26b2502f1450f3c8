"""Baseline checks: the shipped baseline itself reproduces three published patterns (issue 14).

Unlike the mechanism checks, which strip the market down to one mechanism, these run
`scenarios/baseline.toml` as shipped (its 180-day warm-up and 365-day window; quick runs use a
smaller town with the same per-person parameters) and test:

- `j_shape`: J-shaped self-selected ratings (Hu, Pavlou & Zhang 2009): 5 stars the most common,
  1 star above 2 and 3 stars. Negative control: self-selection off (posting by star class only).
- `wom_ratio`: positive : negative word of mouth between 2 : 1 and 4 : 1 (East, Hammond &
  Wright 2007: about 3 : 1 over 15 studies). Negative control: critics as talkative as
  advocates (`negativity_ratio` = 1, the pre-0.2 asymmetry halved away).
- `bad_units`: bad units cost customers through negative word of mouth (Goldenberg, Libai,
  Moldovan & Muller 2007): in the shipped quality crisis the focal brand ends with fewer
  customers when its critics are heard than when they are silenced, on common random numbers.
  Negative control: bad news inert on the receiving side (`p_reject_on_negative` = 0,
  `weight_wom` = 0).

Tolerances, fixed before looking, from sampling error: each J inequality must hold by `Z` = 3
standard errors of the difference of two Poisson counts; the ratio's 3-se delta-method interval
(variances over the window's days, so clumping counts) must lie inside [2, 4]; the paired
difference's 99% one-sided t bound must be below 0. A quick run whose interval straddles the
boundary reports INCONCLUSIVE with its power instead of a verdict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.market.measures import STAR_COLUMNS
from sim.runner import replication_seeds, run_once
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario
from sim.validation.check import CheckResult, Control, power_beyond

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASELINE, CRISIS = SCENARIOS / "baseline.toml", SCENARIOS / "quality_crisis.toml"
Z = 3.0
"""Standard errors by which each J inequality must hold (and the ratio stay inside [2, 4])."""
ALPHA = 0.01
"""One-sided level of the bad-news test."""
EAST_RANGE = (2.0, 4.0)
"""Positive : negative word of mouth, East, Hammond & Wright 2007 (about 3 : 1)."""
SELF_SELECTION_OFF = {
    "feedback.moderate_reporting": 1.0,
    "feedback.extremity_boost": 1.0,
    "feedback.moan_boost": 1.0,
}
"""Posting by Chen, Zheng & Ceran's class rates alone: no brag, no moan, no under-reporting."""
CRITICS_AS_ADVOCATES = {"feedback.negativity_ratio": 1.0}
"""Critics tell as many people as advocates do: the negativity asymmetry switched off."""
BAD_NEWS_INERT = {"feedback.p_reject_on_negative": 0.0, "feedback.weight_wom": 0.0}
"""Negative messages reach hearers but reject nobody and move no attitude."""
SILENCED = {"brands.focal.silenced_sources": ["negative_word_of_mouth"]}
"""The comparison arm: the focal brand's critics are not heard at all."""


@dataclass(frozen=True)
class Size:
    """How big a baseline check runs: consumers and paired seeds."""

    people: int
    seeds: tuple[int, ...]

    @property
    def note(self) -> str:
        """The size in words (a smaller town keeps every per-person parameter)."""
        town = (
            "the shipped 10,000"
            if self.people == 10_000
            else f"{self.people:,} (smaller town, same per-person parameters)"
        )
        return f"{town} consumers, {len(self.seeds)} replication(s)"


PATTERN_SIZE = {True: Size(5_000, (42,)), False: Size(10_000, (42, 43))}
"""J shape and word-of-mouth ratio: quick = half the town (about 800 reviews, the J's hook
about 5 se), full = the shipped town twice."""
CRISIS_SIZE = {
    True: Size(3_000, tuple(replication_seeds(2007, 4))),
    False: Size(10_000, tuple(replication_seeds(2007, 6))),
}
"""Bad-news cost: quick = 3,000 people, 4 paired runs (the cost about 10 paired se)."""


def scenario(path: Path, people: int, overrides: dict | None = None) -> Scenario:
    """A shipped scenario with `people` consumers and dotted-key overrides."""
    return with_overrides(
        load_scenario(path), {"population.n_consumers": people, **(overrides or {})}, "<validate>"
    )


def windows(size: Size, overrides: dict | None = None) -> pd.DataFrame:
    """The measured windows' daily tables of the baseline, one per seed, stacked (cached: the
    J shape and the word-of-mouth ratio read the same runs)."""
    return cached_windows(size, tuple(sorted((overrides or {}).items())))


@functools.lru_cache(maxsize=4)
def cached_windows(size: Size, overrides: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    """`windows` on hashable arguments."""
    sc = scenario(BASELINE, size.people, dict(overrides))
    return pd.concat([run_once(sc, seed).daily for seed in size.seeds], ignore_index=True)


# --- J shape -----------------------------------------------------------------------------


def j_margins(daily: pd.DataFrame) -> dict[str, float]:
    """Each J inequality's margin in standard errors: (a - b) / sqrt(a + b)."""
    n = daily[list(STAR_COLUMNS)].sum().to_numpy()

    def margin(a: int, b: int) -> float:
        return float((n[a - 1] - n[b - 1]) / np.sqrt(max(n[a - 1] + n[b - 1], 1)))

    return {"5>4": margin(5, 4), "1>2": margin(1, 2), "1>3": margin(1, 3)}


def is_j_shaped(daily: pd.DataFrame) -> bool:
    """5 stars the most common (above 4, the runner-up), 1 star above 2 and 3, each by Z se."""
    return all(m > Z for m in j_margins(daily).values())


def j_text(daily: pd.DataFrame) -> str:
    """Reviews and margins in words."""
    counts = daily[list(STAR_COLUMNS)].sum().to_numpy()
    shares = ", ".join(f"{100 * c / max(counts.sum(), 1):.1f}" for c in counts)
    margins = ", ".join(f"{k} by {v:.1f} se" for k, v in j_margins(daily).items())
    return f"{int(counts.sum()):,} reviews, 1-5 stars {shares}%; {margins}"


def check_j_shape(quick: bool = False) -> CheckResult:
    """J-shaped self-selected ratings on the shipped baseline, with self-selection off beside."""
    size = PATTERN_SIZE[quick]
    daily, off = windows(size), windows(size, SELF_SELECTION_OFF)
    weakest = min(j_margins(daily).values())
    return CheckResult(
        name="j_shape",
        title="Baseline: J-shaped self-selected ratings",
        source="Hu, Pavlou & Zhang 2009 (CACM 52(10): 144-147): 5 stars most common, 1 star "
        "above 2 and 3 (brag and moan)",
        settings=f"`scenarios/baseline.toml` as shipped (warm-up, 365-day window), {size.note}",
        tolerance=f"5 > 4, 1 > 2 and 1 > 3 stars, each by more than {Z:g} Poisson se of the "
        "difference",
        passed=is_j_shaped(daily),
        summary=j_text(daily),
        figures=dict(margins_se=j_margins(daily), control_margins_se=j_margins(off)),
        kind="baseline",
        control=Control(
            "self-selection off (moderate_reporting, extremity_boost, moan_boost = 1)",
            is_j_shaped(off),
            j_text(off),
        ),
        power=power_beyond(weakest, Z),
        inconclusive=quick and abs(weakest) < Z,
    )


# --- word-of-mouth ratio -------------------------------------------------------------------


def wom_ratio_interval(daily: pd.DataFrame) -> tuple[float, float, float]:
    """(ratio, low, high): positive ÷ negative messages with a Z-se delta-method interval,
    the variances taken over the window's days (so day-level clumping counts)."""
    ratio, se = wom_ratio_se(daily)
    return ratio, ratio - Z * se, ratio + Z * se


def wom_ratio_se(daily: pd.DataFrame) -> tuple[float, float]:
    """(ratio, standard error) of positive ÷ negative messages by the delta method."""
    pos, neg = daily["wom_positive"].to_numpy(), daily["wom_negative"].to_numpy()
    ratio = pos.sum() / neg.sum()
    cov = np.cov(pos, neg) * len(pos)  # variance of the window totals
    rel = cov[0, 0] / pos.sum() ** 2 + cov[1, 1] / neg.sum() ** 2
    rel -= 2 * cov[0, 1] / (pos.sum() * neg.sum())
    return float(ratio), float(ratio * np.sqrt(max(rel, 0.0)))


def inside_east_range(low: float, high: float) -> bool:
    """Whether the ratio's interval lies inside [2, 4] (East, Hammond & Wright: about 3)."""
    return low >= EAST_RANGE[0] and high <= EAST_RANGE[1]


def wom_text(daily: pd.DataFrame) -> str:
    """The ratio and its interval in words."""
    ratio, low, high = wom_ratio_interval(daily)
    return f"{ratio:.2f} : 1 (3-se interval {low:.2f}-{high:.2f})"


def ratio_straddles(daily: pd.DataFrame) -> bool:
    """Whether the ratio's interval contains 2 or 4 (quick runs: no verdict)."""
    _, low, high = wom_ratio_interval(daily)
    return any(low < edge < high for edge in EAST_RANGE)


def check_wom_ratio(quick: bool = False) -> CheckResult:
    """Positive : negative word of mouth of the shipped baseline, critics as talkative beside."""
    size = PATTERN_SIZE[quick]
    daily, off = windows(size), windows(size, CRITICS_AS_ADVOCATES)
    ratio, se = wom_ratio_se(daily)
    edge = min(EAST_RANGE, key=lambda e: abs(ratio - e))
    low, high = wom_ratio_interval(daily)[1:]
    return CheckResult(
        name="wom_ratio",
        title="Baseline: positive to negative word of mouth 2-4 : 1",
        source="East, Hammond & Wright 2007 (IJRM 24(2): 175-184): about 3 : 1 over 15 studies",
        settings=f"`scenarios/baseline.toml` as shipped, {size.note}",
        tolerance=f"the ratio's {Z:g}-se delta-method interval (variances over days) inside [2, 4]",
        passed=inside_east_range(low, high),
        summary=wom_text(daily),
        figures=dict(ratio=ratio, se=se, control_ratio=wom_ratio_se(off)[0]),
        kind="baseline",
        control=Control(
            "critics as talkative as advocates (negativity_ratio = 1)",
            inside_east_range(*wom_ratio_interval(off)[1:]),
            wom_text(off),
        ),
        power=power_beyond((ratio - edge) / se if se > 0 else np.inf, Z),
        inconclusive=quick and ratio_straddles(daily),
    )


# --- cost of bad units through negative word of mouth ---------------------------------------


def bad_news_cost(size: Size, overrides: dict | None = None) -> np.ndarray:
    """Focal customers at the window's end in the shipped quality crisis, critics heard minus
    critics silenced, per paired replication (common random numbers)."""
    differences = []
    for seed in size.seeds:
        heard = run_once(scenario(CRISIS, size.people, overrides), seed)
        quiet = run_once(scenario(CRISIS, size.people, {**(overrides or {}), **SILENCED}), seed)
        differences.append(heard.kpis["customers_end"] - quiet.kpis["customers_end"])
    return np.asarray(differences, dtype=float)


def paired_t(differences: np.ndarray) -> tuple[float, float, float]:
    """(mean, standard error, one-sided critical t at ALPHA) of paired differences."""
    se = differences.std(ddof=1) / np.sqrt(len(differences))
    return float(differences.mean()), float(se), float(stats.t.ppf(1 - ALPHA, len(differences) - 1))


def costs_customers(differences: np.ndarray) -> bool:
    """Whether the paired difference is significantly below 0 (one-sided t, level ALPHA)."""
    mean, se, t = paired_t(differences)
    return bool(mean + t * se < 0)


def cost_text(differences: np.ndarray) -> str:
    """The paired differences in words."""
    mean, se, t = paired_t(differences)
    runs = ", ".join(f"{d:+.0f}" for d in differences)
    return f"focal customers at the end {mean:+.0f} on average ({runs}); 99% bound {mean + t * se:+.0f}"


def check_bad_units(quick: bool = False) -> CheckResult:
    """The quality crisis's cost in customers through heard bad news, inert bad news beside."""
    size = CRISIS_SIZE[quick]
    differences, inert = bad_news_cost(size), bad_news_cost(size, BAD_NEWS_INERT)
    mean, se, t = paired_t(differences)
    distance = mean / se if se > 0 else (-np.inf if mean < 0 else np.inf)
    return CheckResult(
        name="bad_units",
        title="Baseline: bad units cost customers through negative word of mouth",
        source="Goldenberg, Libai, Moldovan & Muller 2007 (IJRM 24(3): 186-200): a few "
        "dissatisfied customers cut value through negative word of mouth",
        settings=f"`scenarios/quality_crisis.toml` (the baseline with 40% bad units on days "
        f"60-120), focal brand's critics heard vs silenced on common random numbers, "
        f"{size.note} paired",
        tolerance=f"one-sided {1 - ALPHA:.0%} t bound of the paired difference below 0",
        passed=costs_customers(differences),
        summary=cost_text(differences),
        figures=dict(differences=differences.tolist(), control_differences=inert.tolist()),
        kind="baseline",
        control=Control(
            "bad news inert for hearers (p_reject_on_negative = 0, weight_wom = 0)",
            costs_customers(inert),
            cost_text(inert),
        ),
        power=power_beyond(distance, t),
        inconclusive=quick and abs(distance) < t,
    )
