"""Paired comparison of scenarios run on the same seeds (common random numbers).

Replication i of every scenario uses the same seed, so the per-replication difference of a KPI
removes the noise the scenarios share and a paired t interval on those differences is the
right error bar (Law 2015, *Simulation Modeling and Analysis*, ch. 10-11). Effect sizes are
Cohen's d_z: the mean difference over the SD of the differences (Lakens 2013, Frontiers in
Psychology). A difference is called distinguishable from noise when its 95% CI excludes 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpis import HEADLINE_NAMES

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
