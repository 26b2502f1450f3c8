"""Charts of a run, from tidy tables (one row per replication and day, or cohort and age).

Each function takes a tidy frame and returns a matplotlib `Figure` (no pyplot, no global state,
drawn by the Agg backend), so `mot compare` and `mot sweep` can reuse them and the house
`style()`. With several replications, lines are means and shaded bands 95% t intervals
(`sim.reports.stats.mean_ci_by`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import Bbox

from sim.market.measures import CHANNEL_COLUMNS, STAR_COLUMNS, moment_labels
from sim.reports.stats import mean_ci_by
from sim.reports.store import atomic_write

STYLE: dict[str, object] = {
    "figure.figsize": (10, 5.6),
    "figure.dpi": 110,
    "savefig.dpi": 120,
    "savefig.bbox": "tight",
    "font.size": 12,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 11,
}
"""The house look: large type, left titles, light grid (readable on a classroom projector)."""

MOMENT_COLORS: tuple[str, ...] = ("#c7c7c7", "#6baed6", "#2171b5", "#fd8d3c", "#e6550d", "#31a354")
"""<ZMOT grey, research blues, use and feedback oranges, loyalty green (journey order)."""

CHANNEL_LABELS: dict[str, str] = {
    "new_from_reviews": "Reviews and ratings",
    "new_from_word_of_mouth": "Word of mouth",
    "new_from_ads": "Ads",
    "new_from_influencers": "Influencers",
    "new_from_search_and_site": "Search, social video, brand site",
    "new_from_own_need": "Own need (no source)",
}
"""Chart labels of the acquisition channels (`sim.market.sources.ACQUISITION_CHANNELS`)."""

CHANNEL_COLORS: dict[str, str] = dict(
    zip(
        CHANNEL_LABELS,
        ("#1f77b4", "#ff7f0e", "#9467bd", "#e377c2", "#2ca02c", "#7f7f7f"),
        strict=True,
    )
)
"""One fixed colour per channel, so charts of different scenarios read alike."""

POSITIVE, NEGATIVE, NEUTRAL = "#2ca02c", "#d62728", "#1f77b4"
SMOOTH_DAYS = 7
"""Rolling window for noisy daily flows (a week evens out weekday-like bursts)."""


@contextmanager
def style() -> Iterator[None]:
    """Apply the house style while figures are created and saved: ``with style(): ...``."""
    with matplotlib.rc_context(STYLE):
        yield


def new_axes(title: str, xlabel: str, ylabel: str, note: str = "") -> tuple[Figure, Axes]:
    """A figure with one titled, labelled axes; `note` is a grey line under the title."""
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title(title, pad=24 if note else 10)
    if note:
        ax.text(0, 1.02, note, transform=ax.transAxes, color="0.4", fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig, ax


def replication_note(frame: pd.DataFrame, bands: bool = True) -> str:
    """'one run' or 'mean of N replications' (plus ', shaded: 95% CI' when `bands`)."""
    n = frame["replication"].nunique() if "replication" in frame else 1
    if n < 2:
        return "one run"
    return f"mean of {n} replications" + (", shaded: 95% confidence interval" if bands else "")


def plot_band(ax: Axes, band: pd.DataFrame, x: str, column: str, **line) -> None:
    """Draw `column` against `x` and shade `<column>_low`..`<column>_high` where present."""
    (drawn,) = ax.plot(band[x], band[column], linewidth=2.2, **line)
    low, high = band.get(f"{column}_low"), band.get(f"{column}_high")
    if low is not None and low.notna().any():
        ax.fill_between(band[x], low, high, color=drawn.get_color(), alpha=0.2, linewidth=0)


def tidy(daily: pd.DataFrame) -> pd.DataFrame:
    """`daily` with a `replication` column (0 when it has none)."""
    return daily if "replication" in daily else daily.assign(replication=0)


def smoothed(daily: pd.DataFrame, columns: list[str], days: int = SMOOTH_DAYS) -> pd.DataFrame:
    """Trailing `days`-day means of `columns`, within each replication."""
    daily = tidy(daily).sort_values(["replication", "day"])
    rolled = daily.groupby("replication")[columns].transform(
        lambda s: s.rolling(days, min_periods=1).mean()
    )
    return daily[["replication", "day"]].join(rolled)


def thousands(ax: Axes) -> None:
    """Format the y axis as 1,234."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def people_per_moment(daily: pd.DataFrame) -> Figure:
    """Stacked area: how many people stand at each moment of truth, day by day."""
    labels = moment_labels()
    columns = list(labels)
    mean = tidy(daily).groupby("day")[columns].mean()
    fig, ax = new_axes(
        "Where people stand in the customer journey",
        "day",
        "people",
        replication_note(tidy(daily), bands=False),
    )
    ax.stackplot(
        mean.index, *(mean[c] for c in columns), labels=list(labels.values()), colors=MOMENT_COLORS
    )
    ax.set_xlim(mean.index.min(), mean.index.max())
    ax.set_ylim(0, mean[columns].sum(axis=1).max())
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1], names[::-1], title="moment", loc="center left", bbox_to_anchor=(1, 0.5)
    )
    thousands(ax)
    return fig


def new_customers_by_source(daily: pd.DataFrame) -> Figure:
    """Cumulative new (first-time) customers of the focal brand, by acquisition channel."""
    daily = tidy(daily).sort_values(["replication", "day"])
    columns = [c for c in CHANNEL_COLUMNS if c in daily]
    cumulative = daily[["replication", "day"]].join(daily.groupby("replication")[columns].cumsum())
    band = mean_ci_by(cumulative, "day", columns)
    fig, ax = new_axes(
        "New customers: where they came from",
        "day",
        "new customers so far (cumulative)",
        replication_note(daily),
    )
    order = sorted(columns, key=lambda c: -band[c].iloc[-1])
    for column in order:
        label = CHANNEL_LABELS.get(column, column)
        plot_band(ax, band, "day", column, label=label, color=CHANNEL_COLORS.get(column))
    ax.set_xlim(band["day"].min(), band["day"].max())
    ax.set_ylim(bottom=0)
    ax.legend(title="channel (largest first)", loc="upper left")
    thousands(ax)
    return fig


def cohort_retention(cohorts: pd.DataFrame, min_customers: int = 20) -> Figure:
    """Share of each monthly cohort of new customers still with the brand, by age in days.

    Replications are pooled (retained / observed customers). Cohorts smaller than
    `min_customers` are left out as too noisy to read.
    """
    pooled = cohorts.groupby(["cohort_start_day", "age_days"])[["customers", "retained"]].sum()
    pooled["retention"] = pooled["retained"] / pooled["customers"]
    pooled = pooled.reset_index()
    size = pooled[pooled["age_days"] == 0].set_index("cohort_start_day")["customers"]
    keep = size[size >= min_customers].index
    n_runs = cohorts["replication"].nunique() if "replication" in cohorts else 1
    fig, ax = new_axes(
        "Customer retention by cohort",
        "days since first purchase",
        "customers still with the brand",
        "each line: customers acquired in one 30-day window"
        + ("" if n_runs < 2 else f", pooled over {n_runs} replications"),
    )
    starts = [s for s in keep if s > 0]
    cmap = matplotlib.colormaps["viridis"]
    for i, start in enumerate(starts):
        rows = pooled[pooled["cohort_start_day"] == start]
        color = cmap(i / max(len(starts) - 1, 1))
        ax.plot(rows["age_days"], rows["retention"], marker="o", color=color, alpha=0.8)
    new = pooled[pooled["cohort_start_day"] > 0].groupby("age_days")[["customers", "retained"]]
    new = new.sum()
    ax.plot(
        new.index,
        new["retained"] / new["customers"],
        color="black",
        linewidth=3,
        label="all new customers",
    )
    if 0 in keep:
        base = pooled[pooled["cohort_start_day"] == 0]
        ax.plot(
            base["age_days"],
            base["retention"],
            "--",
            color="0.4",
            linewidth=2,
            label="customers at the window's start",
        )
    if starts:
        scale = matplotlib.cm.ScalarMappable(
            norm=matplotlib.colors.Normalize(min(starts), max(starts)), cmap=cmap
        )
        fig.colorbar(scale, ax=ax, label="cohort's first day", pad=0.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="lower left")
    return fig


def reviews_and_rating(daily: pd.DataFrame) -> Figure:
    """Reviews posted per day (7-day mean, left) and the mean star rating so far (right)."""
    daily = tidy(daily)
    flow = mean_ci_by(smoothed(daily, ["reviews"]), "day", ["reviews"])
    rating = mean_ci_by(daily, "day", ["mean_rating"])
    fig, ax = new_axes(
        "Reviews posted and mean rating",
        "day",
        f"reviews per day ({SMOOTH_DAYS}-day average)",
        replication_note(daily),
    )
    plot_band(ax, flow, "day", "reviews", color=NEUTRAL, label="reviews per day")
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    right.grid(False)
    right.spines["right"].set_visible(True)
    plot_band(right, rating, "day", "mean_rating", color="#ff7f0e", label="mean rating (stars)")
    right.set_ylim(1, 5)
    right.set_ylabel("mean rating of all reviews so far (stars, 1-5)")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="lower right")
    ax.set_xlim(daily["day"].min(), daily["day"].max())
    return fig


def rating_distribution(daily: pd.DataFrame) -> Figure:
    """Share of the window's reviews with 1..5 stars: the shape the next shoppers read (J-shaped
    when customers choose whether to post, Hu, Pavlou & Zhang 2009); 95% CI bars over
    replications."""
    daily = tidy(daily)
    counts = daily.groupby("replication")[list(STAR_COLUMNS)].sum()
    shares = counts.div(counts.sum(axis=1).where(lambda n: n > 0), axis=0).assign(one=0)
    band = mean_ci_by(shares, "one", list(STAR_COLUMNS)).iloc[0]
    stars = np.arange(1, 6)
    mean = np.array([band[c] for c in STAR_COLUMNS])
    fig, ax = new_axes(
        "Reviews by star rating",
        "stars",
        "share of the window's reviews",
        f"{replication_note(daily, bands=False)}; {int(counts.to_numpy().sum()):,} reviews"
        + ("; bars: 95% CI" if len(counts) > 1 else ""),
    )
    ax.bar(stars, mean, color=[NEGATIVE, NEGATIVE, "0.6", POSITIVE, POSITIVE], width=0.6)
    if len(counts) > 1:
        low = np.array([band[f"{c}_low"] for c in STAR_COLUMNS])
        high = np.array([band[f"{c}_high"] for c in STAR_COLUMNS])
        ax.errorbar(stars, mean, yerr=[mean - low, high - mean], fmt="none", color="0.2")
    ax.set_xticks(stars)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return fig


def word_of_mouth(daily: pd.DataFrame) -> Figure:
    """Positive vs negative word-of-mouth messages about the focal brand per day (smoothed)."""
    daily = tidy(daily)
    columns = ["wom_positive", "wom_negative"]
    band = mean_ci_by(smoothed(daily, columns), "day", columns)
    fig, ax = new_axes(
        "Word of mouth: positive vs negative",
        "day",
        f"messages per day ({SMOOTH_DAYS}-day average)",
        replication_note(daily),
    )
    plot_band(ax, band, "day", "wom_positive", color=POSITIVE, label="positive (advocates)")
    plot_band(ax, band, "day", "wom_negative", color=NEGATIVE, label="negative (critics)")
    ax.set_xlim(band["day"].min(), band["day"].max())
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    thousands(ax)
    return fig


DAILY_CHARTS: dict[str, Callable[[pd.DataFrame], Figure]] = {
    "people_per_moment": people_per_moment,
    "new_customers_by_source": new_customers_by_source,
    "reviews_and_rating": reviews_and_rating,
    "rating_distribution": rating_distribution,
    "word_of_mouth": word_of_mouth,
}
"""File stem -> chart drawn from the tidy daily table."""


def save(fig: Figure, path: Path) -> Path:
    """Save `fig` as PNG atomically (temp name, then rename)."""
    box = tight_box(fig)
    return atomic_write(Path(path), lambda temp: fig.savefig(temp, format="png", bbox_inches=box))


def tight_box(fig: Figure) -> Bbox | None:
    """The box (inches) that `savefig` with the house style's ``bbox_inches="tight"`` crops to,
    measured without the extra draw savefig makes first; None (savefig measures it) when the
    style is not tight or the figure has a layout engine, which that draw must run.

    Why: savefig draws a tight figure three times over (a draw to lay it out, the measure, the
    draw that paints); the figures here need no layout pass, so measuring first saves ~20 ms a
    chart. The PNG is the same to the byte (`tests/test_run_cli.py` checks it).
    """
    dpi = matplotlib.rcParams["savefig.dpi"]
    if (
        matplotlib.rcParams["savefig.bbox"] != "tight"
        or fig.get_layout_engine() is not None
        or dpi == "figure"
    ):
        return None
    shown = fig.dpi
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)  # text is measured at the resolution it is saved at, as savefig does
    try:
        box = fig.get_tightbbox(canvas.get_renderer())
    finally:
        fig.set_dpi(shown)
    return box.padded(matplotlib.rcParams["savefig.pad_inches"])


def footnote(fig: Figure, window: str) -> Figure:
    """Say under the chart which days it covers (e.g. '365 days after a 90-day warm-up')."""
    if window:
        fig.text(0.99, 0.0, f"Measured window: {window}", ha="right", va="top", color="0.4")
    return fig


def retention_curve(retention: pd.DataFrame) -> Figure:
    """Kaplan-Meier retention by age: one run's curve with its 95% band, or the mean of the
    replications' curves with the t interval of that mean."""
    curve = tidy(retention).dropna(subset=["retention"])
    runs = curve["replication"].nunique()
    band = mean_ci_by(curve, "age_days", ["retention"])
    if runs < 2:  # one run: the estimator's own interval
        band = band.assign(
            retention_low=curve["ci_low"].to_numpy(), retention_high=curve["ci_high"].to_numpy()
        )
    fig, ax = new_axes(
        "Customer retention by age (Kaplan-Meier)",
        "days since the customer's first purchase",
        "customers still customers",
        "every customer the window observes: censored at its end, counted from their age at its "
        "start; "
        + ("shaded: 95% CI" if runs < 2 else f"mean of {runs} replications, shaded: 95% CI"),
    )
    plot_band(ax, band, "age_days", "retention", color=NEUTRAL, label="retention")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(int(retention["age_days"].max()), 1))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return fig


def write_charts(
    daily: pd.DataFrame,
    cohorts: pd.DataFrame,
    folder: Path,
    window: str = "",
    retention: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw every run chart into `folder`; return the PNG paths. `window` says which days the
    charts cover (the measured window, after any warm-up); it is printed under each chart."""
    paths = []
    with style():
        for stem, draw in DAILY_CHARTS.items():
            paths.append(save(footnote(draw(daily), window), Path(folder) / f"{stem}.png"))
        if not cohorts.empty:
            figure = footnote(cohort_retention(cohorts), window)
            paths.append(save(figure, Path(folder) / "cohort_retention.png"))
        if retention is not None and retention["retention"].notna().any():
            figure = footnote(retention_curve(retention), window)
            paths.append(save(figure, Path(folder) / "retention_curve.png"))
    return paths


__all__ = [
    "DAILY_CHARTS",
    "cohort_retention",
    "new_axes",
    "new_customers_by_source",
    "people_per_moment",
    "plot_band",
    "rating_distribution",
    "retention_curve",
    "reviews_and_rating",
    "save",
    "style",
    "word_of_mouth",
    "write_charts",
]
