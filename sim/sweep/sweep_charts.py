"""Charts of a sweep (matplotlib, from the tidy tables): KPI vs parameter with 95% CI bands,
heatmaps over two parameters, Sobol indices with CIs, Morris mu*/sigma, and a one-page summary.

Each drawing function fills one `Axes`, so the same drawing serves a chart's own PNG and its
panel on the summary page.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from sim.reports.kpis import KPIS  # noqa: E402
from sim.reports.stats import mean_ci_by  # noqa: E402
from sim.sweep.experiment import Chart, LoadedExperiment  # noqa: E402

MAX_LEVELS = 12
"""A parameter with more distinct values (LHS, Sobol) is binned into this many quantile bins."""


def output_label(name: str) -> str:
    """An output's axis label with its unit: a KPI's from its definition (`sim.reports.kpis`); a
    derived output has no definition, so only its name's `_usd` ending says it is money."""
    definition = KPIS.get(name)
    if definition is not None:
        unit = {"share": "share", "usd": "USD", "stars": "stars"}.get(definition.unit)
        return definition.label + (f" ({unit})" if unit else f" ({definition.unit})")
    unit = " (USD)" if name.endswith("_usd") else ""
    text = name.removesuffix("_usd").replace("_", " ")
    return text[:1].upper() + text[1:] + unit


def levels_of(values: pd.Series) -> pd.Series:
    """Values as they are, or the mean of their quantile bin when there are too many."""
    if values.nunique() <= MAX_LEVELS:
        return values
    bins = pd.qcut(values, MAX_LEVELS, duplicates="drop")
    return values.groupby(bins, observed=True).transform("mean")


def number(value: float) -> str:
    """A cell or tick value: thousands separators for counts, 3 significant digits otherwise."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def draw_line(ax: Axes, loaded: LoadedExperiment, chart: Chart, wide: pd.DataFrame) -> None:
    """Mean output vs a parameter, one curve per `hue` value, shaded 95% t interval."""
    data = wide.assign(_x=levels_of(wide[chart.x]))
    groups = [(None, data)] if chart.hue is None else list(data.groupby(levels_of(data[chart.hue])))
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(groups), 1)))
    for color, (hue, group) in zip(colors, groups, strict=True):
        stats = mean_ci_by(group, "_x", [chart.y]).sort_values("_x")
        label = None if hue is None else f"{loaded.label(chart.hue)} = {hue:.3g}"
        ax.plot(stats["_x"], stats[chart.y], marker="o", color=color, label=label)
        ax.fill_between(
            stats["_x"], stats[f"{chart.y}_low"], stats[f"{chart.y}_high"], color=color, alpha=0.2
        )
    if chart.log_x:
        ax.set_xscale("log")
    ax.set_xlabel(loaded.label(chart.x))
    ax.set_ylabel(output_label(chart.y))
    ax.set_title(chart.title or f"{output_label(chart.y)} vs {loaded.label(chart.x)} (95% CI)")
    if chart.hue is not None:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def draw_heatmap(ax: Axes, loaded: LoadedExperiment, chart: Chart, wide: pd.DataFrame) -> None:
    """Mean output over two parameters (x across, hue up), each cell annotated."""
    data = wide.assign(_x=levels_of(wide[chart.x]), _y=levels_of(wide[chart.hue]))
    grid = data.pivot_table(index="_y", columns="_x", values=chart.y, aggfunc="mean")
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [number(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [number(v) for v in grid.index])
    middle = np.nanmean(grid.to_numpy())
    for (row, col), value in np.ndenumerate(grid.to_numpy()):
        if not math.isnan(value):
            color = "black" if value > middle else "white"
            ax.text(col, row, number(value), ha="center", va="center", fontsize=7, color=color)
    ax.figure.colorbar(image, ax=ax, label=output_label(chart.y))
    ax.set_xlabel(loaded.label(chart.x))
    ax.set_ylabel(loaded.label(chart.hue))
    ax.set_title(chart.title or f"Mean {output_label(chart.y)}")


def draw_sobol(ax: Axes, loaded: LoadedExperiment, chart: Chart, table: pd.DataFrame) -> None:
    """First- and total-order Sobol indices per parameter, with 95% bootstrap CIs."""
    rows = table[table["output"] == chart.y].sort_values("ST")
    positions = np.arange(len(rows))
    labels = [loaded.label(p) for p in rows["parameter"]]
    ax.barh(positions - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="first order S1")
    ax.barh(positions + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="total order ST")
    ax.set_yticks(positions, labels, fontsize="small")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Sobol index (share of output variance)")
    ax.set_title(chart.title or f"Sobol indices: {output_label(chart.y).lower()}")
    ax.legend(fontsize="small", loc="lower right")


def draw_morris(ax: Axes, loaded: LoadedExperiment, chart: Chart, table: pd.DataFrame) -> None:
    """Morris mu* (importance, with its 95% CI) against sigma (non-linearity, interactions)."""
    rows = table[table["output"] == chart.y]
    ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", capsize=3)
    for _, row in rows.iterrows():
        ax.annotate(
            loaded.label(row["parameter"]),
            (row["mu_star"], row["sigma"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel(f"mu* (mean |elementary effect| on {chart.y})")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(chart.title or f"Morris screening: {output_label(chart.y).lower()}")
    ax.grid(alpha=0.3)


def draw(ax: Axes, loaded: LoadedExperiment, chart: Chart, wide: pd.DataFrame, table) -> None:
    """Draw any chart request on `ax`."""
    if chart.kind == "line":
        draw_line(ax, loaded, chart, wide)
    elif chart.kind == "heatmap":
        draw_heatmap(ax, loaded, chart, wide)
    elif table is None or table.empty or chart.y not in set(table["output"]):
        ax.text(0.5, 0.5, f"no indices for {chart.y}", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
    elif chart.kind == "sobol":
        draw_sobol(ax, loaded, chart, table)
    else:
        draw_morris(ax, loaded, chart, table)


def chart_name(chart: Chart) -> str:
    """File stem of a chart: kind, output and parameters."""
    parts = [chart.kind, chart.y] + [p.split(".")[-1] for p in (chart.x, chart.hue) if p]
    return "-".join(parts)


def save_charts(
    loaded: LoadedExperiment, wide: pd.DataFrame, table, folder: Path, facts: list[str]
) -> list[Path]:
    """Each chart request as its own PNG, plus `summary.png` with every chart on one page."""
    folder = Path(folder)
    paths = []
    if wide.empty:
        return paths
    for chart in loaded.experiment.charts:
        fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
        draw(ax, loaded, chart, wide, table)
        paths.append(save(fig, folder / f"{chart_name(chart)}.png"))
    paths.append(save(summary_page(loaded, wide, table, facts), folder / "summary.png"))
    return paths


def summary_page(loaded: LoadedExperiment, wide: pd.DataFrame, table, facts: list[str]):
    """One page: what was swept and how, then every chart."""
    charts = loaded.experiment.charts
    cols = 2 if len(charts) > 1 else 1
    rows = max(1, math.ceil(len(charts) / cols))
    header = "\n".join(textwrap.fill(line, 60 * cols, subsequent_indent="  ") for line in facts)
    header_in = 0.2 * (header.count("\n") + 1) + 0.6
    fig = plt.figure(figsize=(8 * cols, header_in + 5 * rows), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[header_in, 5 * rows])
    experiment = loaded.experiment
    top.suptitle(f"Sweep {experiment.name}: {experiment.description}".rstrip(": "), fontsize=13)
    top.text(0.01, 0.72, header, va="top", family="monospace", fontsize=9)
    axes = bottom.subplots(rows, cols, squeeze=False).ravel()
    for ax, chart in zip(axes, charts, strict=False):
        draw(ax, loaded, chart, wide, table)
    for ax in axes[len(charts) :]:
        ax.set_axis_off()
    return fig


def save(fig, path: Path) -> Path:
    """Save a figure as PNG (temporary name, then rename) and close it."""
    from sim.reports.store import atomic_write

    atomic_write(path, lambda temp: fig.savefig(temp, dpi=110, format="png"))
    plt.close(fig)
    return path
