"""Check 4: bad units and negative word of mouth cut customers and NPV; weak ties carry bad news.

Goldenberg, Libai, Moldovan & Muller (2007, IJRM 24: 186-200): in a network of strong-tie
cliques and weak ties, a share of disappointed adopters whose negative word of mouth is stronger
than the positive loses a substantial part of the product's NPV, and weak ties spread the bad
news. Their baseline: 3,000 consumers, cliques of 8 plus 8 weak ties each, 15% bad units,
p = 0.005, q_strong = 0.04, q_weak = 0.001, negative word of mouth twice as strong.

Mapping (one model day = one period): ads reach everyone with trigger chance p; every owner
talks to about each of their ~15 contacts once a day (`loyal_messages_per_day` = 15), heard with
chance q_strong or q_weak by tie; a heard positive message starts the need; a heard negative
message makes a hearer who does not own the product a permanent rejecter
(`feedback.p_reject_on_negative` = 1; attitudes are not used, `weight_wom` = 0); critics
talk twice as often (`negativity_ratio` = 2). A bad unit (`p_problem`) gives a 2-star experience
(critic), a good one 5 stars (advocate); no service, returns, research or repurchase.

Tolerances (fixed before looking): replications share seeds across arms (common random numbers),
so the loss 1 - NPV(bad)/NPV(no bad) is paired per replication; PASS when the 99% t interval of
the loss at 15% bad units is above 0, the loss rises with the bad-unit share (Spearman rho > 0
with p < 0.01 over replication-level losses), and the loss when the extra reach goes to weak
ties exceeds the loss when the same expected reach goes to strong ties (99% paired t interval of
the difference above 0).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

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

BAD_SHARES: tuple[float, ...] = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30)
"""Bad-unit shares compared (Goldenberg et al. 2007 baseline: 0.15)."""
ANNUAL_DISCOUNT = 0.10
"""Discount rate of the NPV, per year (assumption)."""
EXTRA_REACH = 0.02
"""Extra hearing chance given to weak ties (strong ties get 8/7 of it: the same expected reach)."""


def nwom_scenario(
    bad: float, days: int, q_strong: float = 0.04, q_weak: float = 0.001, reject: float = 1.0
):
    """The Goldenberg et al. (2007) baseline market with `bad` share of bad units; `reject` is
    the chance a heard negative message makes a permanent rejecter (0: the negative control)."""
    brand = quiet_brand(
        initial_awareness=0.0,
        p_problem=bad,
        p_contact_service=0.0,
        strategies=dict(advertising=dict(reach_daily=1.0, attitude_gain=0.0, cpm_usd=0.0)),
    )
    raw = cliques_market(
        "negative-wom",
        days,
        clique_size=8,
        ties=(q_strong, q_weak),
        brand=brand,
        triggers=dict(p_trigger_ad=0.005, p_trigger_wom=1.0),
        choice=dict(walk_away_utility=-3.0),
        experience=dict(penalty_problem=3.0, p_return_if_unresolved=0.0),
        feedback=dict(
            messages_advocate=15.0,
            loyal_messages_per_day=15.0,
            negativity_ratio=2.0,
            weight_wom=0.0,
            p_reject_on_negative=reject,
        ),
    )
    return scenario(raw, source=f"negative word of mouth check (bad {bad})")


def npv(new_customers: np.ndarray) -> float:
    """Discounted adoptions (price 1 each) at `ANNUAL_DISCOUNT` a year, one period = one day."""
    days = np.arange(1, len(new_customers) + 1)
    return float(new_customers @ (1 + ANNUAL_DISCOUNT) ** (-days / 365))


def npvs(bad: float, seeds: list[int], days: int, **ties: float) -> np.ndarray:
    """NPV of adoptions per replication seed (`ties` also takes `reject`)."""
    scn = nwom_scenario(bad, days, **ties)
    return np.array([npv(run_once(scn, s).daily["new_customers"].to_numpy()) for s in seeds])


def ci99(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 99% t interval."""
    return mean_ci(values, confidence=0.99)


def check(quick: bool = False, seed: int = 5) -> CheckResult:
    """Loss of NPV against bad-unit share, and weak vs strong ties carrying the bad news."""
    reps, days = (3, 200) if quick else (12, 365)
    shares = (0.0, 0.15, 0.30) if quick else BAD_SHARES
    seeds = replication_seeds(seed, reps)
    base = npvs(0.0, seeds, days)
    losses = {b: 1 - npvs(b, seeds, days) / base for b in shares if b > 0}
    loss15 = ci99(losses[0.15])
    xs = np.concatenate([[b] * reps for b in losses])
    rho = stats.spearmanr(xs, np.concatenate(list(losses.values())))
    weak = dict(q_strong=0.04, q_weak=0.001 + EXTRA_REACH)
    strong = dict(q_strong=0.04 + EXTRA_REACH * 8 / 7, q_weak=0.001)
    loss_weak = 1 - npvs(0.15, seeds, days, **weak) / npvs(0.0, seeds, days, **weak)
    loss_strong = 1 - npvs(0.15, seeds, days, **strong) / npvs(0.0, seeds, days, **strong)
    diff = ci99(loss_weak - loss_strong)
    passed = loss15[1] > 0 and rho.statistic > 0 and rho.pvalue < 0.01 and diff[1] > 0
    control = rejection_off(seeds, days)
    table = "\n".join(
        f"| {100 * b:.0f}% | {ci99(v)[0]:.1%} | [{ci99(v)[1]:.1%}, {ci99(v)[2]:.1%}] |"
        for b, v in losses.items()
    )
    return CheckResult(
        name="negative_wom",
        title="Negative word of mouth: bad units cut NPV; weak ties spread bad news",
        source="Goldenberg, Libai, Moldovan & Muller 2007 (IJRM 24(3): 186-200)",
        settings="3,000 consumers, cliques of 8 + 8 weak ties, p = 0.005, q_strong = 0.04, "
        "q_weak = 0.001, negative word of mouth 2x, one day = one period, "
        f"{days} days, {reps} paired replications (`sim.validation.negative_wom.nwom_scenario`)",
        tolerance="99% t interval of the loss at 15% bad units above 0; Spearman rho > 0 "
        "(p < 0.01) of loss on bad share; weak-tie loss - strong-tie loss: 99% paired interval "
        "above 0 (same expected extra reach)",
        passed=bool(passed),
        summary=f"15% bad units cost {loss15[0]:.1%} of NPV (99% CI {loss15[1]:.1%} to "
        f"{loss15[2]:.1%}); weak-minus-strong extra loss {diff[0]:+.1%} "
        f"[{diff[1]:+.1%}, {diff[2]:+.1%}]",
        figures=dict(
            npv_no_bad=base.tolist(),
            loss={str(b): v.tolist() for b, v in losses.items()},
            spearman_rho=float(rho.statistic),
            spearman_p=float(rho.pvalue),
            loss_weak=loss_weak.tolist(),
            loss_strong=loss_strong.tolist(),
            weak_minus_strong_ci99=list(diff),
        ),
        details="| bad units | NPV loss | 99% CI |\n|---|---|---|\n" + table + "\n\n"
        f"Extra reach {EXTRA_REACH} on weak ties: loss {loss_weak.mean():.1%}; the same expected "
        f"reach on strong ties: loss {loss_strong.mean():.1%}. " + ties_text(diff),
        charts=dict(negative_wom_loss=lambda: chart_loss(losses)),
        control=control,
        power=power_beyond(loss15[0] / se(losses[0.15]), stats.t.ppf(0.995, reps - 1)),
        inconclusive=quick and loss15[1] <= 0 < loss15[2] and diff[1] > 0,
    )


def se(values: np.ndarray) -> float:
    """Standard error of a mean over replications."""
    return float(np.std(values, ddof=1) / np.sqrt(len(values)))


def rejection_off(seeds: list[int], days: int) -> Control:
    """Negative control: bad news rejects nobody (`p_reject_on_negative` = 0), judged by the
    loss test at 15% bad units. Bad units also silence would-be advocates, so some loss may
    remain: a control that passes says the loss test cannot tell negative word of mouth from
    missing positive word of mouth."""
    loss = 1 - npvs(0.15, seeds, days, reject=0.0) / npvs(0.0, seeds, days, reject=0.0)
    mean, low, high = ci99(loss)
    return Control(
        "negative word of mouth rejects nobody (p_reject_on_negative = 0)",
        bool(low > 0),
        f"15% bad units cost {mean:.1%} of NPV (99% CI {low:.1%} to {high:.1%})",
    )


def chart_loss(losses: dict[float, np.ndarray]) -> Figure:
    """NPV loss (mean and 99% CI) against the share of bad units."""
    fig, ax = new_axes(
        "Bad units and negative word of mouth cut the NPV",
        "share of bad units (%)",
        "NPV lost vs no bad units (%)",
        note="Goldenberg et al. (2007) baseline network; mean and 99% CI over paired replications",
    )
    shares = np.array([0.0, *losses])
    stats_ = [(0.0, 0.0, 0.0)] + [ci99(v) for v in losses.values()]
    mean = np.array([s[0] for s in stats_])
    low = np.array([s[1] for s in stats_])
    high = np.array([s[2] for s in stats_])
    ax.plot(100 * shares, 100 * mean, "o-", color="#d62728", linewidth=2.2)
    ax.fill_between(100 * shares, 100 * low, 100 * high, color="#d62728", alpha=0.2, linewidth=0)
    return fig


def ties_text(diff: tuple[float, float, float]) -> str:
    """Why weak ties did or did not make bad news costlier."""
    if diff[1] > 0:
        return (
            "Bad news inside a clique reaches people already told or already adopters; a weak "
            "tie carries it to a clique that has not adopted yet, turning buyers into rejecters."
        )
    return (
        "**Cause of the failure:** with Goldenberg et al.'s permanent rejecters, extra reach on "
        "weak ties does not cost more NPV than the same expected extra reach on strong ties "
        f"(difference {diff[0]:+.1%}, 99% CI {diff[1]:+.1%} to {diff[2]:+.1%}). In this engine a "
        "weak tie carries good news exactly as fast as bad news, so extra reach of either kind "
        "speeds adopters and rejecters alike and leaves the share of NPV lost unchanged. "
        "Goldenberg et al.'s weak ties are 'changing, often random' links redrawn every period; "
        "sending weak-tie messages to random people instead was tried and changed nothing "
        "(+0.4%, 99% CI -1.6% to +2.4%), so the mechanism behind their result is not in the model."
    )
