"""Check 5: weak ties are at least as influential as strong ties for spreading information.

Goldenberg, Libai & Muller (2001, Marketing Letters 12(3): 211-223): in cliques joined by weak
ties, the time until 95% of the market is informed depends on weak-tie effects at least as much
as on strong-tie effects, although each weak tie is weaker; advertising matters early.

Design: a 2^3 factorial over their ranges, low/high: strong-tie effect q_strong 0.01/0.07,
weak-tie effect q_weak 0.005/0.015, advertising 0.0005/0.01 (daily reach). Cliques of 10 with
10 weak ties each; 3,000 consumers. Informed = aware of the focal brand. Informed people who
bought talk to about each contact once a day (`loyal_messages_per_day` = 20), heard with the
tie's chance; every heard message informs and starts the need, and everyone triggered buys.

Tolerances (fixed before looking), on paired replications (common random numbers, the same
seeds in every cell):

1. weak ties inform the market (burden on passing): the days saved when q_weak rises over the
   paper's range (the weak-tie main effect on T95, sign reversed) are above 0, one-sided paired
   t test at `ALPHA`. Negative control: weak ties off (q_weak = 0 at both levels), so the two
   levels are the same runs, the effect is 0 and the test must fail. (The first version had
   only part 2, whose burden is on failing: with weak ties off it still passed.)
2. the paper's comparison, as first fixed: the weak-tie main effect is not significantly
   smaller than the strong-tie one (99% t interval of |weak| - |strong| reaches above 0), "at
   least as influential".

`REPLICATIONS` give part 1 a `design_power` of at least 90% in the full run to detect
`MIN_EFFECT` days when the pairs' sd is `PLANNING_SD`. A quick run with a part undecided (an
interval straddling its boundary) and none failed for sure says INCONCLUSIVE with its power.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from matplotlib.figure import Figure

from sim.reports.charts import new_axes
from sim.reports.stats import mean_ci
from sim.runner import replication_seeds, run_once
from sim.validation.check import (
    CheckResult,
    Control,
    OneSided,
    cliques_market,
    design_power,
    power_beyond,
    quiet_brand,
    scenario,
)

LEVELS: dict[str, tuple[float, float]] = {
    "strong ties (q_strong)": (0.01, 0.07),
    "weak ties (q_weak)": (0.005, 0.015),
    "advertising (reach)": (0.0005, 0.01),
}
"""Low and high levels: the ranges Goldenberg, Libai & Muller (2001) explored."""
WEAK = "weak ties (q_weak)"
WEAK_OFF = {**LEVELS, WEAK: (0.0, 0.0)}
"""The negative control's design: weak ties off at both levels."""
TARGET = 0.95
"""Share of the market informed (their criterion)."""
ALPHA = 0.01
"""One-sided level of the weak-ties-inform test (fixed before looking)."""
MIN_EFFECT = 5.0
"""Smallest weak-tie effect worth detecting: 5 days saved to 95% informed (assumption)."""
PLANNING_SD = 2.5
"""Planning sd of a replication's weak-tie effect in days (assumption, before any run)."""
REPLICATIONS = {True: (4, 250), False: (8, 400)}
"""(paired replications per cell, days): full `design_power(8, 5, 2.5, 0.01)` = 98%; quick
(4 replications) 49%, so a quick run that does not decide says INCONCLUSIVE."""


def ties_scenario(q_strong: float, q_weak: float, ads: float, days: int):
    """Cliques of 10 plus 10 weak ties; only ads and word of mouth inform people."""
    brand = quiet_brand(
        initial_awareness=0.0,
        strategies=dict(advertising=dict(reach_daily=ads, attitude_gain=0.0, cpm_usd=0.0)),
    )
    raw = cliques_market(
        "ties",
        days,
        clique_size=10,
        ties=(q_strong, q_weak),
        brand=brand,
        triggers=dict(p_trigger_ad=1.0, p_trigger_wom=1.0),
        choice=dict(walk_away_utility=-50.0),
        feedback=dict(messages_advocate=20.0, loyal_messages_per_day=20.0),
    )
    return scenario(raw, source="strong vs weak ties check")


def time_to_inform(q_strong: float, q_weak: float, ads: float, seed: int, days: int) -> float:
    """First day on which `TARGET` of the market bought (and so is informed); `days` if never.
    Everyone triggered buys the same day, so customers = informed-and-acted people. Cached:
    the control's cells with q_weak = 0 at both levels run once."""
    return cached_time(float(q_strong), float(q_weak), float(ads), int(seed), int(days))


@functools.lru_cache(maxsize=256)
def cached_time(q_strong: float, q_weak: float, ads: float, seed: int, days: int) -> float:
    """`time_to_inform` on hashable arguments."""
    daily = run_once(ties_scenario(q_strong, q_weak, ads, days), seed).daily
    share = daily["customers"].to_numpy() / 3_000
    reached = np.flatnonzero(share >= TARGET)
    return float(reached[0] + 1) if len(reached) else float(days)


def main_effects(
    levels: dict[str, tuple[float, float]], seeds: list[int], days: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """T95 per cell and seed of the 2^3 factorial over `levels`, and each factor's main effect
    per seed (mean T95 at its high level minus at its low level)."""
    design = list(itertools.product((0, 1), repeat=3))
    t95 = np.array(
        [
            [
                time_to_inform(*(levels[f][lv] for f, lv in zip(levels, c, strict=True)), s, days)
                for s in seeds
            ]
            for c in design
        ]
    )
    effects = {}
    for i, factor in enumerate(levels):
        high = np.array([c[i] == 1 for c in design])
        effects[factor] = t95[high].mean(axis=0) - t95[~high].mean(axis=0)
    return t95, effects


def check(quick: bool = False, seed: int = 9) -> CheckResult:
    """Factorial runs, main effects on T95, the weak-ties-inform test and the comparison."""
    reps, days = REPLICATIONS[quick]
    seeds = replication_seeds(seed, reps)
    design = list(itertools.product((0, 1), repeat=3))
    t95, effects = main_effects(LEVELS, seeds, days)
    strong, weak, ads = (effects[f] for f in LEVELS)
    inform = OneSided(-weak, ALPHA)
    diff = mean_ci(np.abs(weak) - np.abs(strong), confidence=0.99)
    parts = dict(weak_ties_inform=inform.passed, at_least_as_strong=reaches_above_zero(diff))
    undecided = not inform.decided or diff[1] < 0 < diff[2]
    fails_for_sure = inform.distance < -inform.critical or diff[2] < 0
    control = weak_ties_off(seeds, days)
    rows = "\n".join(
        f"| {f} | {lo} -> {hi} | {mean_ci(e, 0.99)[0]:+.1f} | "
        f"[{mean_ci(e, 0.99)[1]:+.1f}, {mean_ci(e, 0.99)[2]:+.1f}] |"
        for f, (lo, hi), e in zip(LEVELS, LEVELS.values(), effects.values(), strict=True)
    )
    return CheckResult(
        name="ties",
        title="Strong vs weak ties: time until 95% of the market is informed",
        source="Goldenberg, Libai & Muller 2001 (Marketing Letters 12(3): 211-223)",
        settings=f"3,000 consumers, cliques of 10 + 10 weak ties, 2^3 factorial over the paper's "
        f"ranges (q_strong, q_weak, advertising), {reps} paired replications per cell, up to "
        f"{days} days; design power {design_power(reps, MIN_EFFECT, PLANNING_SD, ALPHA):.0%} to "
        f"detect a weak-tie effect of {MIN_EFFECT:g} days (sd {PLANNING_SD:g})",
        tolerance=f"weak ties inform: days saved by raising q_weak over its range above 0, "
        f"one-sided paired t, alpha = {ALPHA}; and the weak-tie main effect not significantly "
        "smaller than the strong-tie one: 99% t interval of |effect weak| - |effect strong| "
        "reaches above 0",
        passed=all(parts.values()),
        summary=f"main effects on T95 (days): strong {strong.mean():+.1f}, weak {weak.mean():+.1f}, "
        f"advertising {ads.mean():+.1f}; weak ties save {inform.text(unit=' days')}; "
        f"|weak| - |strong| {diff[0]:+.1f} [{diff[1]:+.1f}, {diff[2]:+.1f}]",
        figures=dict(
            design=[dict(zip(LEVELS, c, strict=True)) for c in design],
            t95=t95.tolist(),
            effects={f: e.tolist() for f, e in effects.items()},
            weak_saves_one_sided_bound=inform.bound,
            parts=parts,
            weak_minus_strong_ci99=list(diff),
        ),
        details="| factor | low -> high | main effect on T95 (days) | 99% CI |\n|---|---|---|---|\n"
        + rows
        + "\n\nParts: "
        + ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in parts.items())
        + ". "
        + interpret(-weak.mean(), -strong.mean()),
        charts=dict(ties_effects=lambda: chart_effects(effects)),
        control=control,
        power=min(inform.power, power_beyond(diff[0] / se(np.abs(weak) - np.abs(strong)), 2.576)),
        inconclusive=quick and undecided and not fails_for_sure,
    )


def reaches_above_zero(diff: tuple[float, float, float]) -> bool:
    """The comparison's rule: the 99% interval (mean, low, high) reaches above 0 (or, with no
    spread, the mean is at least 0)."""
    return bool(diff[2] > 0 if not np.isnan(diff[2]) else diff[0] >= 0)


def se(values: np.ndarray) -> float:
    """Standard error of a mean over replications (inf with no spread: no power claimed)."""
    sd = float(np.std(values, ddof=1))
    return sd / np.sqrt(len(values)) if sd > 0 else np.inf


def weak_ties_off(seeds: list[int], days: int) -> Control:
    """Negative control: weak ties off (q_weak = 0 at both levels, the rest of the factorial
    as in the check), judged by the weak-ties-inform test; it must fail."""
    _, effects = main_effects(WEAK_OFF, seeds, days)
    inform = OneSided(-effects[WEAK], ALPHA)
    return Control(
        "weak ties off (q_weak = 0 at both levels)",
        inform.passed,
        f"strong-tie effect {effects[next(iter(LEVELS))].mean():+.1f} days; weak ties save "
        + inform.text(unit=" days"),
    )


def chart_effects(effects: dict[str, np.ndarray]) -> Figure:
    """Main effects on T95 with 99% intervals."""
    fig, ax = new_axes(
        "Strong ties, weak ties, advertising: effect on days to inform 95%",
        "change in days until 95% informed (low -> high level)",
        "",
        note="2^3 factorial over Goldenberg, Libai & Muller's (2001) ranges; 99% CI",
    )
    names = list(effects)
    stats_ = [mean_ci(e, 0.99) for e in effects.values()]
    mean = np.array([s[0] for s in stats_])
    err = np.array([[s[0] - s[1], s[2] - s[0]] for s in stats_]).T
    err = np.nan_to_num(err)
    ax.barh(names, mean, xerr=err, color=["#6baed6", "#2171b5", "#fd8d3c"], capsize=6)
    ax.axvline(0, color="k", linewidth=0.8)
    return fig


def interpret(weak_days: float, strong_days: float) -> str:
    """Plain reading of the two tie effects (days saved over each factor's range)."""
    (s_lo, s_hi), (w_lo, w_hi) = LEVELS["strong ties (q_strong)"], LEVELS["weak ties (q_weak)"]
    per_weak, per_strong = weak_days / (w_hi - w_lo), strong_days / (s_hi - s_lo)
    text = (
        f"Over the paper's ranges, stronger weak ties save {weak_days:.0f} days and stronger "
        f"strong ties {strong_days:.0f} days. Per 0.01 of tie strength, weak ties save "
        f"{per_weak / 100:.1f} days and strong ties {per_strong / 100:.1f}: strong ties soon "
        "repeat the news inside an informed clique; weak ties carry it to new cliques "
        "(Granovetter 1973)."
    )
    if weak_days >= strong_days:
        return text
    return text + (
        " **Cause of the failure:** the criterion compares effects over the ranges, and the "
        f"strong-tie range ({s_lo}-{s_hi}) is {(s_hi - s_lo) / (w_hi - w_lo):.0f} times wider "
        f"than the weak-tie range ({w_lo}-{w_hi}); per unit of tie strength weak ties are "
        f"{per_weak / per_strong:.1f} times as influential. Goldenberg, Libai & Muller varied "
        "clique size and weak-tie counts as well (5-29 each), which this factorial holds at 10 "
        "(not explored here). Whether the engine should be judged "
        "per range or per unit is the lead's call; the verdict was fixed per range beforehand."
    )
