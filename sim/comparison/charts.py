"""Charts of a comparison: KPI differences with 95% CI bars, and per-scenario curves with bands.

Built on the house style of `sim.reports.charts` (titled, labelled, large type). Bars are coloured by
whether the difference is distinguishable from noise and whether it is good for the brand
(fewer critics is good, more cost is not).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.reports.charts import new_axes, plot_band, save, style, thousands
from sim.reports.kpi_table import KPI_LABELS, kind_of
from sim.reports.kpis import KPI_DEFINITIONS
from sim.reports.stats import mean_ci_by

HEADLINE_KPIS: tuple[str, ...] = (
    "new_customers",
    "customers_end",
    "retention_km_365d",
    "repeat_purchase_rate",
    "reviews",
    "mean_rating",
    "critic_people",
    "wom_negative",
    "profit_usd",
    "strategy_cost_usd",
)
"""KPIs shown in the differences chart (all are in comparison.csv)."""

MANY_SCENARIO_KPIS: tuple[str, ...] = (
    "new_customers",
    "customers_end",
    "retention_km_365d",
    "mean_rating",
    "critic_people",
    "profit_usd",
)
"""The panels kept when many scenarios are compared at once."""

LOWER_IS_BETTER: frozenset[str] = frozenset(k.name for k in KPI_DEFINITIONS if k.better == "lower")
"""KPIs whose fall is good news (from each KPI's definition)."""
GOOD, BAD, NOISE = "#2ca02c", "#d62728", "#9e9e9e"
WOM_SMOOTH_DAYS = 14
"""Rolling window of the word-of-mouth chart: influencer critics posting to their whole
audience make single days spiky; two weeks show the trend."""
MAX_BANDS = 6
"""With more scenarios than this, curve charts drop the bands (they would hide each other)."""


def money(value: float, _position: int = 0) -> str:
    """$1,234 below ten thousand, $12k above (axis ticks stay short)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value / 1000:,.0f}k" if value >= 10_000 else f"{sign}${value:,.0f}"


def unit_label(kpi: str) -> str:
    """Axis label of a KPI difference, with its unit."""
    return {
        "share": "difference (percentage points)",
        "usd": "difference (USD)",
        "stars": "difference (stars)",
        "days": "difference (days)",
        "ratio": "difference (ratio, positive per negative)",
    }.get(kind_of(kpi), "difference (count)")


NOTE = {"ha": "center", "va": "center", "color": "0.4", "fontsize": 10, "backgroundcolor": "white"}
"""A note in a panel where a KPI has no value (it needs a longer window than the run's)."""


def kpi_differences(comparison: pd.DataFrame, order: list[str]) -> Figure:
    """One panel per headline KPI: each scenario's difference to the reference, 95% CI bars."""
    kpis = [k for k in HEADLINE_KPIS if k in set(comparison["kpi"])]
    others = [n for n in order[1:] if n in set(comparison["scenario"])]
    if len(others) > 4:  # many scenarios: fewer panels, so the figure stays readable
        kpis = [k for k in kpis if k in MANY_SCENARIO_KPIS]
    cols = 2
    rows = int(np.ceil(len(kpis) / cols))
    fig = Figure(figsize=(12, 1.2 + rows * (0.36 * len(others) + 1.3)))
    reference = comparison["reference"].iloc[0]
    fig.suptitle(
        f"Difference to {reference} per KPI, {comparison['n'].max()} paired replications "
        "(bars: 95% confidence intervals)\n"
        f"green = better, red = worse, grey = within the noise",
        x=0.01,
        ha="left",
        fontsize=14,
        fontweight="bold",
    )
    for index, kpi in enumerate(kpis):
        ax = fig.add_subplot(rows, cols, index + 1)
        part = comparison[comparison["kpi"] == kpi].set_index("scenario").reindex(others)
        scale = 100.0 if kind_of(kpi) == "share" else 1.0
        y = np.arange(len(others))[::-1]
        for yi, (_name, r) in zip(y, part.iterrows(), strict=True):
            if not np.isfinite(r["difference"]):  # e.g. 365-day retention in a 365-day launch
                where = ax.get_yaxis_transform()  # x in the panel's width, y in rows
                ax.text(0.5, yi, "not observed in the window", transform=where, **NOTE)
                continue
            good = (r["difference"] < 0) == (kpi in LOWER_IS_BETTER)
            color = (GOOD if good else BAD) if r["distinguishable"] else NOISE
            low, high = r["ci_low"] * scale, r["ci_high"] * scale
            ax.errorbar(
                r["difference"] * scale,
                yi,
                xerr=[[r["difference"] * scale - low], [high - r["difference"] * scale]],
                fmt="o",
                color=color,
                capsize=4,
                markersize=7,
                linewidth=2,
            )
        ax.axvline(0, color="0.3", linewidth=1)
        ax.set_yticks(y, others)
        ax.set_ylim(-0.7, len(others) - 0.3)
        ax.set_title(KPI_LABELS.get(kpi, kpi), fontsize=12, loc="left")
        ax.set_xlabel(unit_label(kpi), fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        if kind_of(kpi) == "usd":
            ax.xaxis.set_major_formatter(FuncFormatter(money))
        values = part[["difference", "ci_low", "ci_high"]].to_numpy(dtype=float)
        if not np.any(np.nan_to_num(values)):
            ax.set_xlim(-1, 1)  # identical in every replication: one tick at 0, not "-$0 $0"
            ax.set_xticks([0])
        ax.tick_params(labelsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def scenario_bands(
    frame: pd.DataFrame,
    x: str,
    column: str,
    order: list[str],
    labels: tuple[str, str, str],
    **line,
) -> Figure:
    """Mean of `column` against `x` per scenario, shaded by its 95% CI over replications.

    The bands show each scenario's run-to-run spread; whether two scenarios differ is the
    paired test of `kpi_differences`, which removes the noise they share.
    """
    title, xlabel, ylabel = labels
    n = frame["replication"].nunique()
    bands = len(order) <= MAX_BANDS
    note = f"mean of {n} replications per scenario on shared seeds" + (
        "; shaded: 95% CI of the mean (the paired KPI chart tests differences)" if bands else ""
    )
    fig, ax = new_axes(title, xlabel, ylabel, note)
    colors = colormaps["tab10" if len(order) <= 10 else "tab20"].colors
    for index, name in enumerate(order):
        part = frame[frame["scenario"] == name]
        if part.empty:
            continue
        band = mean_ci_by(part, x, [column])
        band[f"{column}_low"] = band[f"{column}_low"].clip(lower=0.0)  # counts and shares
        if not bands:
            band = band[[x, column]]
        plot_band(ax, band, x, column, label=name, color=colors[index % len(colors)], **line)
    if len(order) > 4:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10)
    else:
        ax.legend(loc="best")
    return fig


def retention_curves(retention: pd.DataFrame, order: list[str]) -> Figure:
    """Share of the brand's customers still customers, by days since they were acquired."""
    labels = (
        "Customer retention by scenario (Kaplan-Meier)",
        "days since the customer was acquired",
        "customers still customers (%)",
    )
    fig = scenario_bands(retention, "age_days", "retention", order, labels)
    ax = fig.axes[0]
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(top=1.01)
    return fig


def cumulative_acquisitions(acquisitions: pd.DataFrame, order: list[str]) -> Figure:
    """New customers won so far, by day, per scenario."""
    labels = ("New customers won, cumulative, by scenario", "day", "new customers (count)")
    fig = scenario_bands(acquisitions, "day", "cumulative_new_customers", order, labels)
    thousands(fig.axes[0])
    return fig


def negative_word_of_mouth(curves: pd.DataFrame, order: list[str]) -> Figure:
    """Negative messages about the brand per day (trailing 14-day mean), per scenario."""
    curves = curves.sort_values(["scenario", "replication", "day"])
    rolled = curves.groupby(["scenario", "replication"])["wom_negative"].transform(
        lambda s: s.rolling(WOM_SMOOTH_DAYS, min_periods=1).mean()
    )
    smooth = curves[["scenario", "replication", "day"]].assign(wom_negative=rolled)
    labels = (
        "Negative word of mouth about the brand, by scenario",
        "day",
        f"negative messages heard per day ({WOM_SMOOTH_DAYS}-day mean)",
    )
    fig = scenario_bands(smooth, "day", "wom_negative", order, labels)
    thousands(fig.axes[0])
    return fig


def write_charts(
    comparison: pd.DataFrame,
    curves: pd.DataFrame,
    retention: pd.DataFrame,
    order: list[str],
    folder: Path,
) -> list[Path]:
    """Draw the comparison charts into `folder`; return the PNG paths."""
    folder = Path(folder)
    with style():
        return [
            save(kpi_differences(comparison, order), folder / "kpi_differences.png"),
            save(retention_curves(retention, order), folder / "retention_curves.png"),
            save(cumulative_acquisitions(curves, order), folder / "acquisitions.png"),
            save(negative_word_of_mouth(curves, order), folder / "negative_word_of_mouth.png"),
        ]
