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
from sim.reports.stats import bootstrap_ci, ratio_ci

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


PROFIT_COLUMNS: dict[str, str] = {
    "scenario": "the strategy's scenario, compared with the reference (the first on the command line)",
    "extra_profit_usd": "incremental profit: mean paired difference of profit after strategy costs "
    "(`profit_usd`) over the window, US $",
    "profit_ci_low": "lower bound of its paired t 95% CI",
    "profit_ci_high": "upper bound of its paired t 95% CI",
    "roi": "return on the extra strategy spending: incremental profit / incremental strategy cost "
    "(both means over the paired replications; 1.0 = +100%); empty when the strategy costs no more",
    "roi_ci_low": "lower bound of ROI's 95% Fieller interval over the paired replications "
    "(-inf: the extra cost is not distinguishable from 0)",
    "roi_ci_high": "upper bound of ROI's 95% Fieller interval (+inf: as above)",
    "payback_days": "window day from which the mean cumulative incremental profit (paired by "
    "replication) stays at or above 0 to the window's end; inf: not paid back within the window",
    "payback_ci_low": "lower bound of the payback day's 95% percentile bootstrap interval over "
    "the paired replications",
    "payback_ci_high": "upper bound of that interval; inf: in more than 2.5% of resamples the "
    "strategy has not paid back by the window's end",
    "pays_for_itself": "yes: the profit CI lies above 0; no: below 0; unclear: it includes 0",
}
"""Profit columns of `costs.csv` (beside `cost_per_extra`'s), each with who and what it counts:
does each strategy pay for itself? Written once, to `definitions.json` beside the table."""


def profitability(
    comparison: pd.DataFrame,
    curves: pd.DataFrame,
    runs: pd.DataFrame,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per scenario: incremental profit after strategy costs with its paired CI, ROI (extra
    profit per extra dollar of strategy cost) and payback day, each with a 95% interval from
    the paired replications, and a verdict.

    ROI is a ratio of two paired means, so its interval is Fieller's (`sim.reports.stats.ratio_ci`);
    the payback day is a first-passage day of the mean cumulative curve, with no standard error
    formula, so its interval is a percentile bootstrap over replications
    (`sim.reports.stats.bootstrap_ci`). `pays_for_itself` is "yes" when the CI of the extra profit lies
    above 0, "no" when below, "unclear" when it includes 0 (Law 2015: a paired interval on
    common random numbers). Profit counts the window only: value a strategy creates after it
    (customers kept beyond the window) is not in it; customer lifetime value is the KPI for that.
    """
    rows = []
    reference = comparison["reference"].iloc[0] if len(comparison) else None
    for name, part in comparison.groupby("scenario", sort=False):
        profit = part.set_index("kpi").loc["profit_usd"]
        low, high = float(profit["ci_low"]), float(profit["ci_high"])
        payback = payback_with_ci(curves, reference, name, confidence)
        rows.append(
            dict(
                scenario=name,
                extra_profit_usd=float(profit["difference"]),
                profit_ci_low=low,
                profit_ci_high=high,
                **roi_with_ci(runs, reference, name, confidence),
                **payback,
                pays_for_itself=pays_for_itself(low, high),
            )
        )
    return pd.DataFrame(rows, columns=list(PROFIT_COLUMNS))


def paired_differences(runs: pd.DataFrame, reference: str, name: str, kpi: str) -> np.ndarray:
    """Per replication (in order): `name`'s `kpi` minus the reference's on the same seed."""
    rows = runs[runs["kpi"] == kpi].pivot_table(
        index="replication", columns="scenario", values="value", dropna=False
    )
    return (rows[name] - rows[reference]).to_numpy(dtype=float)


def roi_with_ci(
    runs: pd.DataFrame, reference: str | None, name: str, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """ROI = mean extra profit / mean extra strategy cost, with its Fieller interval; NaN when
    the strategy costs no more than the reference (nothing to return on)."""
    nothing = dict(roi=math.nan, roi_ci_low=math.nan, roi_ci_high=math.nan)
    if reference is None:
        return nothing
    profit = paired_differences(runs, reference, name, "profit_usd")
    cost = paired_differences(runs, reference, name, "strategy_cost_usd")
    if not np.nanmean(cost) > 0:
        return nothing
    roi, low, high = ratio_ci(profit, cost, confidence)
    return dict(roi=roi, roi_ci_low=low, roi_ci_high=high)


def pays_for_itself(low: float, high: float) -> str:
    """'yes' if the interval of the extra profit is above 0, 'no' if below, else 'unclear'."""
    if math.isnan(low) or math.isnan(high):
        return "unclear"
    return "yes" if low > 0 else "no" if high < 0 else "unclear"


def daily_extra_profit(
    curves: pd.DataFrame, reference: str, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """(window days, extra profit per replication (rows) and day (columns)), paired by seed."""
    wide = curves.pivot_table(index="day", columns=["scenario", "replication"], values="profit_usd")
    extra = (wide[name] - wide[reference]).to_numpy(dtype=float).T
    return wide.index.to_numpy(), extra


def payback_of_curves(mean_extra: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per row of mean daily extra profit: the first day from which its running total stays at
    or above 0 to the last day; inf when it ends below 0 (not paid back in the window). The
    running total is rounded to a millionth of a dollar, so that rounding noise of a mean (a
    total that is 0 by hand, -1e-16 in floating point) does not move the day."""
    mean_extra = np.atleast_2d(mean_extra)
    below = np.round(np.cumsum(mean_extra, axis=1), 6) < 0
    last = len(days) - 1
    last_below = np.where(below.any(axis=1), last - np.argmax(below[:, ::-1], axis=1), -1)
    paid = last_below < last
    payback = np.full(len(mean_extra), math.inf)
    payback[paid] = days[last_below[paid] + 1]
    return payback


def payback_days(curves: pd.DataFrame, reference: str | None, name: str) -> float:
    """The window day from which the mean cumulative extra profit (paired by replication)
    stays at or above 0 to the window's end; inf if it ends below 0 (not paid back)."""
    if reference is None or "profit_usd" not in curves:
        return math.nan
    days, extra = daily_extra_profit(curves, reference, name)
    if extra.size == 0:
        return math.nan
    return float(payback_of_curves(extra.mean(axis=0), days)[0])


def payback_with_ci(
    curves: pd.DataFrame, reference: str | None, name: str, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """The payback day and its percentile bootstrap interval over the paired replications."""
    point = payback_days(curves, reference, name)
    if math.isnan(point):
        return dict(payback_days=point, payback_ci_low=math.nan, payback_ci_high=math.nan)
    days, extra = daily_extra_profit(curves, reference, name)
    low, high = bootstrap_ci(extra, lambda means: payback_of_curves(means, days), confidence)
    return dict(payback_days=point, payback_ci_low=low, payback_ci_high=high)


def percent(value: float) -> str:
    """A ratio as a signed percentage with thousands separators; infinite bounds in words."""
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value:+,.0%}"


def day_text(day: float) -> str:
    """'day 19', or 'not within the window' for inf."""
    return "not within the window" if math.isinf(day) else f"day {day:.0f}"


def day_interval(low: float, high: float) -> str:
    """'day 15 to day 24'; one bound when both agree ('not within the window')."""
    return day_text(low) if low == high else f"{day_text(low)} to {day_text(high)}"


def roi_phrase(r) -> str:
    """', ROI +150% of the extra strategy cost (95% CI +80% to +220%)', or '' without one."""
    if math.isnan(r.roi):
        return ""
    if math.isnan(r.roi_ci_low):
        ci = ""
    elif math.isinf(r.roi_ci_low) or math.isinf(r.roi_ci_high):
        ci = " (95% CI unbounded: the extra cost is within the noise)"
    else:
        ci = f" (95% CI {percent(r.roi_ci_low)} to {percent(r.roi_ci_high)})"
    return f", ROI {percent(r.roi)} of the extra strategy cost{ci}"


def payback_phrase(r) -> str:
    """', paid back by day 19 (95% CI day 15 to day 24)' or ', not paid back within the window'."""
    if math.isnan(r.payback_days):
        return ""
    point = (
        ", not paid back within the window"
        if math.isinf(r.payback_days)
        else f", paid back by day {r.payback_days:.0f}"
    )
    if math.isnan(r.payback_ci_low):
        return point
    return f"{point} (95% CI {day_interval(r.payback_ci_low, r.payback_ci_high)})"


def profit_verdicts(profits: pd.DataFrame, money: Callable[[float], str]) -> list[str]:
    """Plain-English sentences: does each strategy pay for itself within the window?"""
    lines = []
    for r in profits.itertuples():
        ci = f"{money(r.extra_profit_usd)} (95% CI {money(r.profit_ci_low)} to {money(r.profit_ci_high)})"
        verdict = {
            "yes": "it pays for itself",
            "no": "it does not pay for itself",
            "unclear": "whether it pays for itself is within the noise",
        }[r.pays_for_itself]
        lines.append(
            f"{r.scenario}: profit after strategy costs {ci}{roi_phrase(r)}{payback_phrase(r)}: "
            f"{verdict} within the window."
        )
    return lines
