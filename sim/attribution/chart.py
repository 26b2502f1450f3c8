"""The attribution chart: each heuristic's credit next to the truth, and how far off it is.

Left: share of conversions each method gives each channel, the incremental truth as a black
bar with its paired 95% CI. Right: heuristic minus truth, in percentage points, so a marketer
sees at a glance which channel each rule over- or under-credits. House style of `sim.reports.charts`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.attribution.channels import LABELS
from sim.attribution.incrementality import HEURISTICS, METHOD_LABELS
from sim.reports.charts import save, style

COLORS: dict[str, str] = {
    "first_touch": "#6baed6",
    "last_touch": "#2171b5",
    "linear": "#fd8d3c",
    "markov": "#31a354",
    "incremental": "#252525",
}
"""Blues for the position rules, orange for linear, green for Markov, black for the truth."""


def shown_channels(table: pd.DataFrame) -> pd.DataFrame:
    """Channels that some method credits or some conversion touched (others would be empty rows)."""
    values = table[["first_touch", "last_touch", "linear", "markov", "incremental", "touched"]]
    return table[(values.fillna(0).abs() > 1e-9).any(axis=1)].reset_index(drop=True)


def attribution_figure(table: pd.DataFrame, title: str, note: str) -> Figure:
    """Two panels from the wide attribution table (`incrementality.wide_table`)."""
    table = shown_channels(table)
    fig = Figure(figsize=(14, 1.6 + 0.9 * len(table)))
    credit, error = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(table))[::-1].astype(float)
    draw_credit(credit, table, y)
    draw_error(error, table, y)
    credit.set_yticks(y, [LABELS[c] for c in table["channel"]])
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=15)
    fig.text(0.01, 0.995 - 0.5 / fig.get_figheight(), note, color="0.4", fontsize=11)
    fig.legend(
        *credit.get_legend_handles_labels(),
        loc="lower center",
        ncol=5,
        bbox_to_anchor=(0.5, -0.01),
    )
    fig.subplots_adjust(top=1 - 1.0 / fig.get_figheight(), bottom=1.1 / fig.get_figheight())
    return fig


def draw_credit(ax, table: pd.DataFrame, y: np.ndarray) -> None:
    """Grouped horizontal bars: each heuristic's share, then the truth with its CI."""
    height = 0.8 / (len(HEURISTICS) + 1)
    for i, method in enumerate((*HEURISTICS, "incremental")):
        offset = (len(HEURISTICS) / 2 - i) * height
        values = table[method].fillna(0)
        bars = ax.barh(
            y + offset, values, height, color=COLORS[method], label=METHOD_LABELS[method]
        )
        if method == "incremental":
            low, high = table["incremental_low"], table["incremental_high"]
            whisker = np.vstack([(values - low).clip(lower=0), (high - values).clip(lower=0)])
            ax.errorbar(values, y + offset, xerr=np.nan_to_num(whisker), fmt="none", ecolor="0.5")
            for bar, missing in zip(bars, table[method].isna(), strict=True):
                if missing:
                    ax.text(0.005, bar.get_y() + height / 2, "no switch", va="center", fontsize=9)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of conversions credited")
    ax.set_title("Credit by method", fontsize=13)


def draw_error(ax, table: pd.DataFrame, y: np.ndarray) -> None:
    """Heuristic minus truth in percentage points (channels without a truth left blank)."""
    truth = table["incremental"]
    for i, method in enumerate(HEURISTICS):
        gap = 100 * (table[method] - truth)
        offset = (len(HEURISTICS) / 2 - 0.5 - i) * 0.16
        ax.scatter(gap, y + offset, s=70, color=COLORS[method], zorder=3)
        ax.hlines(y + offset, 0, gap, color=COLORS[method], linewidth=2)
    ax.axvline(0, color="0.1", linewidth=1.2)
    ax.set_xlabel("heuristic minus truth (percentage points)")
    ax.set_title("How far each heuristic is from the truth", fontsize=13)


def write_chart(table: pd.DataFrame, title: str, note: str, folder: Path) -> Path:
    """attribution.png in `folder`."""
    with style():
        return save(attribution_figure(table, title, note), Path(folder) / "attribution.png")
