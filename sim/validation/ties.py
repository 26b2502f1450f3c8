"""Check 5: weak ties are at least as influential as strong ties for spreading information.

Goldenberg, Libai & Muller (2001, Marketing Letters 12(3): 211-223): in cliques joined by weak
ties, the time until 95% of the market is informed depends on weak-tie effects at least as much
as on strong-tie effects, although each weak tie is weaker; advertising matters early.

Design: a 2^3 factorial over their ranges, low/high: strong-tie effect q_strong 0.01/0.07,
weak-tie effect q_weak 0.005/0.015, advertising 0.0005/0.01 (daily reach). Cliques of 10 with
10 weak ties each; 3,000 consumers. Informed = aware of the focal brand. Informed people who
bought talk to about each contact once a day (`loyal_messages_per_day` = 20), heard with the
tie's chance; every heard message informs and starts the need, and everyone triggered buys.

Tolerance (fixed before looking): main effects on T95 (mean over the other factors) with 99% t
intervals over paired replications (common random numbers); PASS when the weak-tie effect is
not significantly smaller than the strong-tie effect (99% interval of |weak| - |strong| reaches
above 0) - "at least as influential".
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.figure import Figure

from sim.reports.charts import new_axes
from sim.reports.stats import mean_ci
from sim.runner import replication_seeds, run_once
from sim.validation.check import (
    CheckResult,
    Control,
    cliques_market,
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
TARGET = 0.95
"""Share of the market informed (their criterion)."""


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
    Everyone triggered buys the same day, so customers = informed-and-acted people."""
    daily = run_once(ties_scenario(q_strong, q_weak, ads, days), seed).daily
    share = daily["customers"].to_numpy() / 3_000
    reached = np.flatnonzero(share >= TARGET)
    return float(reached[0] + 1) if len(reached) else float(days)


def check(quick: bool = False, seed: int = 9) -> CheckResult:
    """Factorial runs, main effects on T95, and the weak-vs-strong comparison."""
    reps, days = (2, 250) if quick else (6, 400)
    seeds = replication_seeds(seed, reps)
    design = list(itertools.product((0, 1), repeat=3))
    t95 = np.array(
        [
            [
                time_to_inform(
                    *(LEVELS[f][lv] for f, lv in zip(LEVELS, cell, strict=True)), s, days
                )
                for s in seeds
            ]
            for cell in design
        ]
    )
    effects = {}
    for i, factor in enumerate(LEVELS):
        high = np.array([c[i] == 1 for c in design])
        effects[factor] = t95[high].mean(axis=0) - t95[~high].mean(axis=0)
    strong, weak, ads = (effects[f] for f in LEVELS)
    diff = mean_ci(np.abs(weak) - np.abs(strong), confidence=0.99)
    passed = reaches_above_zero(diff)
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
        f"ranges (q_strong, q_weak, advertising), {reps} paired replications per cell, up to {days} days",
        tolerance="weak-tie main effect not significantly smaller than the strong-tie one: "
        "99% t interval of |effect weak| - |effect strong| reaches above 0",
        passed=bool(passed),
        summary=f"main effects on T95 (days): strong {strong.mean():+.1f}, weak {weak.mean():+.1f}, "
        f"advertising {ads.mean():+.1f}",
        figures=dict(
            design=[dict(zip(LEVELS, c, strict=True)) for c in design],
            t95=t95.tolist(),
            effects={f: e.tolist() for f, e in effects.items()},
            weak_minus_strong_ci99=list(diff),
        ),
        details="| factor | low -> high | main effect on T95 (days) | 99% CI |\n|---|---|---|---|\n"
        + rows
        + "\n\n"
        + interpret(-weak.mean(), -strong.mean()),
        charts=dict(ties_effects=lambda: chart_effects(effects)),
        control=control,
        power=power_beyond(diff[0] / se(np.abs(weak) - np.abs(strong)), 2.576),
    )


def reaches_above_zero(diff: tuple[float, float, float]) -> bool:
    """The pass rule: the 99% interval (mean, low, high) reaches above 0 (or, with no spread,
    the mean is at least 0)."""
    return bool(diff[2] > 0 if not np.isnan(diff[2]) else diff[0] >= 0)


def se(values: np.ndarray) -> float:
    """Standard error of a mean over replications (inf with no spread: no power claimed)."""
    sd = float(np.std(values, ddof=1))
    return sd / np.sqrt(len(values)) if sd > 0 else np.inf


def weak_ties_off(seeds: list[int], days: int) -> Control:
    """Negative control: weak ties off (q_weak = 0 at both levels, so the weak-tie effect is
    nil), the strong-tie effect measured over the same design; the test must fail."""
    (s_lo, s_hi), (a_lo, a_hi) = LEVELS["strong ties (q_strong)"], LEVELS["advertising (reach)"]
    strong = np.mean(
        [
            [
                time_to_inform(s_hi, 0.0, a, s, days) - time_to_inform(s_lo, 0.0, a, s, days)
                for s in seeds
            ]
            for a in (a_lo, a_hi)
        ],
        axis=0,
    )
    diff = mean_ci(-np.abs(strong), confidence=0.99)
    return Control(
        "weak ties off (q_weak = 0)",
        reaches_above_zero(diff),
        f"strong-tie effect {strong.mean():+.1f} days, weak-tie effect 0; |weak| - |strong| "
        f"{diff[0]:+.1f} [{diff[1]:+.1f}, {diff[2]:+.1f}]",
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
