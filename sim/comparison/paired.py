"""Paired comparison of scenarios run on the same seeds (common random numbers).

Replication i of every scenario uses the same seed, so the per-replication difference of a KPI
removes the noise the scenarios share and a paired t interval on those differences is the
right error bar (Law 2015, *Simulation Modeling and Analysis*, ch. 10-11). Effect sizes are
Cohen's d_z: the mean difference over the SD of the differences (Lakens 2013, Frontiers in
Psychology). A difference is called distinguishable from noise when its 95% CI excludes 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from sim.reports.kpis import HEADLINE_NAMES

CONFIDENCE = 0.95
"""Confidence level of the paired intervals (the usual 95%)."""

COLUMNS: tuple[str, ...] = (
    "scenario",
    "reference",
    "kpi",
    "n",
    "reference_mean",
    "scenario_mean",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "effect_size_dz",
    "distinguishable",
)
"""Columns of `comparison.csv`, one row per (scenario, KPI)."""


def paired_test(differences: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean paired difference, its t interval, the two-sided p-value and Cohen's d_z.

    NaN pairs (a KPI undefined in one run) are dropped. With no spread the interval collapses
    on the mean: p is 1 for a zero difference and 0 otherwise (the difference is exact).

    >>> r = paired_test(np.array([1.0, 2.0, 3.0]))
    >>> round(r["difference"], 3), round(r["ci_low"], 3), round(r["effect_size_dz"], 3)
    (2.0, -0.484, 2.0)
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    n = len(d)
    if n == 0:
        return dict(
            n=0,
            difference=math.nan,
            ci_low=math.nan,
            ci_high=math.nan,
            p_value=math.nan,
            effect_size_dz=math.nan,
        )
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    if n > 1 and sd == 0.0:
        exact = 1.0 if mean == 0.0 else 0.0
        dz = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
        return dict(
            n=n, difference=mean, ci_low=mean, ci_high=mean, p_value=exact, effect_size_dz=dz
        )
    if n < 2:
        return dict(
            n=n,
            difference=mean,
            ci_low=math.nan,
            ci_high=math.nan,
            p_value=math.nan,
            effect_size_dz=math.nan,
        )
    sem = sd / math.sqrt(n)
    low, high = stats.t.interval(confidence, df=n - 1, loc=mean, scale=sem)
    p_value = float(stats.ttest_1samp(d, 0.0).pvalue)
    return dict(
        n=n,
        difference=mean,
        ci_low=float(low),
        ci_high=float(high),
        p_value=p_value,
        effect_size_dz=mean / sd,
    )


def finite_mean(values: np.ndarray) -> float:
    """Mean of the non-NaN values; NaN when there are none (a KPI undefined in every run)."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else math.nan


def compare_runs(
    runs: pd.DataFrame, reference: str, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per scenario (other than `reference`) and KPI: the paired difference to `reference`.

    Args:
        runs: tidy rows (scenario, replication, seed, kpi, value); each replication of every
            scenario must share its seed with the reference's.
        reference: the scenario every other one is compared with (the first on the command line).
        confidence: level of the intervals.
    """
    wide = runs.pivot_table(
        index=["replication", "seed"], columns=["scenario", "kpi"], values="value", dropna=False
    )
    names = list(dict.fromkeys(runs["scenario"]))
    kpis = [k for k in HEADLINE_NAMES if k in set(runs["kpi"])]
    rows = []
    for name in names:
        if name == reference:
            continue
        for kpi in kpis:
            base, alt = wide[(reference, kpi)].to_numpy(), wide[(name, kpi)].to_numpy()
            test = paired_test(alt - base, confidence)
            distinguishable = bool(test["n"] > 1 and not (test["ci_low"] <= 0.0 <= test["ci_high"]))
            rows.append(
                dict(
                    scenario=name,
                    reference=reference,
                    kpi=kpi,
                    reference_mean=finite_mean(base),
                    scenario_mean=finite_mean(alt),
                    **test,
                    distinguishable=distinguishable,
                )
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


GAINS: tuple[tuple[str, str, int], ...] = (
    ("acquired", "new_customers", 1),
    ("retained", "churned", -1),
    ("at_end", "customers_end", 1),
)
"""(label, KPI, sign): the gains the strategy cost is divided by in `cost_per_extra`."""


def cost_per_extra(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: extra strategy cost over extra customers acquired and kept.

    Three gains: 'acquired', more `new_customers`; 'retained', fewer customers lost (the drop
    in `churned`); 'at_end', more `customers_end`. Churn counts grow with the customer base, so
    for strategies that win many customers 'at_end' is the fairer retention figure. A ratio is
    reported only when its gain is distinguishable from noise and positive; otherwise it is NaN
    (no reliable gain to divide by).
    """
    rows = []
    for name, part in comparison.groupby("scenario", sort=False):
        by_kpi = part.set_index("kpi")
        extra_cost = float(by_kpi.loc["strategy_cost_usd", "difference"])
        row = {"scenario": name, "extra_cost_usd": extra_cost}
        for label, kpi, sign in GAINS:
            gain = sign * float(by_kpi.loc[kpi, "difference"])
            reliable = bool(by_kpi.loc[kpi, "distinguishable"]) and gain > 0
            row[f"extra_{label}"] = gain
            row[f"cost_per_extra_{label}_usd"] = extra_cost / gain if reliable else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def verdicts(comparison: pd.DataFrame, labels: dict[str, str] | None = None) -> list[str]:
    """Plain-English sentences: per scenario, which KPI differences are distinguishable."""
    labels = labels or {}
    lines = []
    for name, part in comparison.groupby("scenario", sort=False):
        reference = part["reference"].iloc[0]
        clear = part[part["distinguishable"]]
        if clear.empty:
            lines.append(
                f"{name} vs {reference}: no KPI differs by more than the noise "
                f"(every 95% CI includes 0)."
            )
            continue
        phrases = [
            f"{labels.get(r.kpi, r.kpi)} {'up' if r.difference > 0 else 'down'}"
            for r in clear.itertuples()
        ]
        lines.append(
            f"{name} vs {reference}: distinguishable from noise: {', '.join(phrases)}; "
            f"{len(part) - len(clear)} other KPIs within the noise."
        )
    return lines


PROFIT_COLUMNS: tuple[str, ...] = (
    "scenario",
    "extra_profit_usd",
    "profit_ci_low",
    "profit_ci_high",
    "roi",
    "payback_days",
    "pays_for_itself",
)
"""Profit columns of `costs.csv` (beside `cost_per_extra`'s): does each strategy pay for itself?"""


def profitability(comparison: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: incremental profit after strategy costs with its paired 95% CI, ROI
    (extra profit per extra dollar of strategy cost), payback days and a verdict.

    `pays_for_itself` is "yes" when the CI of the extra profit lies above 0, "no" when below,
    "unclear" when it includes 0 (Law 2015: a paired interval on common random numbers).
    Profit counts the window only: value a strategy creates after it (customers kept beyond
    the window) is not in it; customer lifetime value is the KPI for that.
    """
    rows = []
    reference = comparison["reference"].iloc[0] if len(comparison) else None
    for name, part in comparison.groupby("scenario", sort=False):
        row = part.set_index("kpi").loc["profit_usd"]
        extra_cost = float(part.set_index("kpi").loc["strategy_cost_usd", "difference"])
        roi = float(row["difference"]) / extra_cost if extra_cost > 0 else math.nan
        rows.append(
            dict(
                scenario=name,
                extra_profit_usd=float(row["difference"]),
                profit_ci_low=float(row["ci_low"]),
                profit_ci_high=float(row["ci_high"]),
                roi=roi,
                payback_days=payback_days(curves, reference, name),
                pays_for_itself=pays_for_itself(float(row["ci_low"]), float(row["ci_high"])),
            )
        )
    return pd.DataFrame(rows, columns=list(PROFIT_COLUMNS))


def pays_for_itself(low: float, high: float) -> str:
    """'yes' if the interval of the extra profit is above 0, 'no' if below, else 'unclear'."""
    if math.isnan(low) or math.isnan(high):
        return "unclear"
    return "yes" if low > 0 else "no" if high < 0 else "unclear"


def payback_days(curves: pd.DataFrame, reference: str | None, name: str) -> float:
    """The window day from which the mean cumulative extra profit (paired by replication)
    stays at or above 0 to the window's end; NaN if it ends below 0 (not paid back)."""
    if reference is None or "profit_usd" not in curves:
        return math.nan
    wide = curves.pivot_table(index="day", columns=["scenario", "replication"], values="profit_usd")
    extra = (wide[name] - wide[reference]).mean(axis=1).cumsum().to_numpy()
    if len(extra) == 0 or extra[-1] < 0:
        return math.nan
    below = np.flatnonzero(extra < 0)
    return float(wide.index[below[-1] + 1] if len(below) else wide.index[0])


def profit_verdicts(profits: pd.DataFrame, money: Callable[[float], str]) -> list[str]:
    """Plain-English sentences: does each strategy pay for itself within the window?"""
    lines = []
    for r in profits.itertuples():
        ci = f"{money(r.extra_profit_usd)} (95% CI {money(r.profit_ci_low)} to {money(r.profit_ci_high)})"
        roi = "" if math.isnan(r.roi) else f", ROI {r.roi:+.0%} of the extra strategy cost"
        payback = (
            f", paid back by day {r.payback_days:.0f}"
            if not math.isnan(r.payback_days)
            else ", not paid back within the window"
        )
        verdict = {
            "yes": "it pays for itself",
            "no": "it does not pay for itself",
            "unclear": "whether it pays for itself is within the noise",
        }[r.pays_for_itself]
        lines.append(
            f"{r.scenario}: profit after strategy costs {ci}{roi}{payback}: {verdict} "
            "within the window."
        )
    return lines
