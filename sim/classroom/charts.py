"""Matplotlib figures for the classroom page: the journey, the network and the debrief.

Figures are built with `matplotlib.figure.Figure` (no pyplot state), so the page can draw them
from its play thread and offline (the browser receives PNG images, no JavaScript chart library).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.classroom.network_view import NetworkSample, NetworkState
from sim.market.measures import MOMENT_COLUMNS
from sim.market.moments import LABELS, Moment

MOMENT_COLOURS: dict[Moment, str] = {
    Moment.PRE_ZMOT: "#c7c7c7",
    Moment.ZMOT: "#1f77b4",
    Moment.FMOT: "#9467bd",
    Moment.SMOT: "#ff7f0e",
    Moment.UMOT: "#e377c2",
    Moment.LOYALTY: "#17becf",
}
"""One colour per moment, shared by the journey chart and the network picture."""
ADVOCATE, CRITIC = "#2ca02c", "#d62728"
B_AHEAD, A_AHEAD = "#1f77b4", "#ff7f0e"
"""Debrief fills: B above A, B below A (neutral colours: fewer critics is good news)."""
DPI = 80


def journey_figure(daily: pd.DataFrame, title: str) -> Figure:
    """People per moment, customers, and reviews with the public rating, day by day."""
    fig = Figure(figsize=(6.4, 7.6), dpi=DPI)
    fig.subplots_adjust(left=0.13, right=0.87, top=0.93, bottom=0.07, hspace=0.3)
    moments, customers, reviews = fig.subplots(3, 1, sharex=True)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    days = daily["day"] if len(daily) else pd.Series(dtype=float)
    for moment, column in zip(Moment, MOMENT_COLUMNS, strict=True):
        values = daily[column] if len(daily) else []
        moments.plot(days, values, color=MOMENT_COLOURS[moment], label=LABELS[moment], lw=1.8)
    moments.set_yscale("symlog", linthresh=10)
    moments.set_ylabel("people (log scale)")
    moments.set_title("People per moment", fontsize=10, loc="left")
    moments.legend(ncol=3, fontsize=8, loc="lower right")
    plot_customers(customers, daily)
    plot_reviews(reviews, daily)
    reviews.set_xlabel("day")
    reviews.set_xlim(0, max(float(days.max()) if len(daily) else 1.0, 1.0))
    return fig


def plot_customers(ax, daily: pd.DataFrame) -> None:
    """Focal and rival customers, with the focal brand's cumulative new and lost customers."""
    ax.set_title("Customers: new and retained", fontsize=10, loc="left")
    ax.set_ylabel("customers (people)")
    if not len(daily):
        return
    days = daily["day"]
    ax.plot(days, daily["customers"], color="black", lw=2, label="focal customers")
    rivals = [c for c in daily.columns if c.startswith("customers_") and c != "customers_focal"]
    for column in rivals:
        ax.plot(
            days, daily[column], color="grey", lw=1.2, ls="--", label=column[10:] + " customers"
        )
    ax.plot(days, daily["new_customers"].cumsum(), color=ADVOCATE, label="new customers (total)")
    ax.plot(days, daily["churned"].cumsum(), color=CRITIC, label="customers lost (total)")
    ax.legend(fontsize=8, loc="upper left")


def plot_reviews(ax, daily: pd.DataFrame) -> None:
    """Cumulative reviews of the focal brand and its public mean rating."""
    ax.set_title("Reviews and rating", fontsize=10, loc="left")
    ax.set_ylabel("reviews posted (total)")
    rating = ax.twinx()
    rating.set_ylim(1, 5)
    rating.set_ylabel("mean rating (stars)")
    if not len(daily):
        return
    days = daily["day"]
    ax.fill_between(days, daily["review_count"], color="#aec7e8", label="reviews")
    ax.plot(days, daily["negative_reviews"].cumsum(), color=CRITIC, label="negative reviews")
    rating.plot(days, daily["mean_rating"], color="#8c564b", lw=2, label="mean rating")
    lines = ax.get_legend_handles_labels()
    extra = rating.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1], fontsize=8, loc="upper left")


def network_figure(sample: NetworkSample, state: NetworkState, title: str) -> Figure:
    """The sampled people coloured by moment; advocates and critics ringed, their ties lit."""
    fig = Figure(figsize=(6.4, 6.4), dpi=DPI)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.1)
    ax = fig.subplots()
    ax.set_title(title, fontsize=11, fontweight="bold")
    pos = sample.positions
    if len(sample.ties):
        segments = pos[sample.ties]
        ax.add_collection(LineCollection(segments, colors="#dddddd", linewidths=0.4, zorder=1))
        for stance, colour in ((1, ADVOCATE), (-1, CRITIC)):
            loud = state.talking & (state.stance == stance)
            lit = loud[sample.ties[:, 0]] | loud[sample.ties[:, 1]]
            ax.add_collection(
                LineCollection(segments[lit], colors=colour, linewidths=1.2, zorder=2)
            )
    colours = np.array([MOMENT_COLOURS[Moment(m)] for m in range(len(Moment))])
    ax.scatter(pos[:, 0], pos[:, 1], s=9, c=colours[state.moment], linewidths=0, zorder=3)
    for stance, colour in ((1, ADVOCATE), (-1, CRITIC)):
        who = state.talking & (state.stance == stance)
        ax.scatter(
            pos[who, 0],
            pos[who, 1],
            s=36,
            c=colours[state.moment[who]],
            edgecolors=colour,
            linewidths=1.6,
            zorder=4,
        )
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(
        handles=network_legend(),
        fontsize=8,
        loc="upper center",
        ncol=4,
        bbox_to_anchor=(0.5, 0.0),
        frameon=False,
    )
    return fig


def network_legend() -> list[Line2D]:
    """Legend entries: one dot per moment, rings for advocates and critics."""
    dots = [
        Line2D([], [], marker="o", ls="", color=MOMENT_COLOURS[m], label=LABELS[m]) for m in Moment
    ]
    rings = [
        Line2D([], [], marker="o", ls="-", color=c, mfc="white", mew=2, label=label)
        for c, label in ((ADVOCATE, "advocate talking"), (CRITIC, "critic talking"))
    ]
    return dots + rings


DIFFERENCES: dict[str, tuple[str, bool]] = {
    "customers": ("Customers now", False),
    "new_customers": ("New customers (total)", True),
    "reviews": ("Reviews posted (total)", True),
    "critics": ("Critics made (total; lower is better)", True),
}
"""Debrief panels: daily column -> (title, cumulate before subtracting)."""


def difference_table(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """B minus A, day by day, for the debrief measures (cumulated where that reads better)."""
    days = min(len(a), len(b))
    rows = {"day": np.arange(1, days + 1)}
    for column, (_, cumulate) in DIFFERENCES.items():
        left, right = a[column].iloc[:days], b[column].iloc[:days]
        if cumulate:
            left, right = left.cumsum(), right.cumsum()
        rows[column] = right.to_numpy() - left.to_numpy()
    return pd.DataFrame(rows)


def difference_figure(a: pd.DataFrame, b: pd.DataFrame, seed: int) -> Figure:
    """The debrief chart: how much strategy B beats (above 0) or trails strategy A."""
    fig = Figure(figsize=(9.6, 5.6), dpi=DPI)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.1, wspace=0.25, hspace=0.5)
    fig.suptitle(
        f"Strategy B minus strategy A (same market, seed {seed}): blue = B higher, orange = A higher",
        fontweight="bold",
    )
    table = difference_table(a, b)
    for ax, (column, (title, _)) in zip(
        fig.subplots(2, 2).ravel(), DIFFERENCES.items(), strict=True
    ):
        values = table[column]
        ax.axhline(0, color="black", lw=0.8)
        ax.fill_between(table["day"], values, where=values >= 0, color=B_AHEAD, alpha=0.5)
        ax.fill_between(table["day"], values, where=values < 0, color=A_AHEAD, alpha=0.5)
        ax.plot(table["day"], values, color="black", lw=1.2)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_xlabel("day")
        ax.set_ylabel("B - A (people or reviews)")
    return fig
