"""How long must a market warm up before its measured window describes a settled market?

Runs a scenario as a launch (no warm-up) for the longest warm-up tried plus its window, on a
few replications, and for each candidate warm-up W measures the drift over the window that
would follow it (days W+1 .. W+days):

- customers: focal customers at the window's end ÷ at its start, minus 1, per replication;
- moments: for each moment of truth holding at least 1% of people, the mean of the window's
  last 30 days ÷ the mean of its first 30 days, minus 1 (mean over replications);
- noise: the 95% t intervals over replications of the customers' drift and of each moment's
  drift; a drift is "within noise" when its interval includes 0.

A warm-up is **settled** when the customers' drift is within `TOLERANCE` (15%, issue 13) in every
replication and every moment's mean drift is within it too. The recommendation is the shortest
candidate from which every longer one is settled as well (a single lucky candidate does not
count). `python -m sim.validation.settle scenarios/baseline.toml --chart docs/images/x.png` prints
the table and draws the chart in docs/kpis.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.market.measures import MOMENT_COLUMNS, moment_labels
from sim.model import JourneyModel
from sim.reports.stats import mean_ci
from sim.runner import replication_seeds
from sim.scenario.config import load_scenario
from sim.scenario.settings import Scenario

TOLERANCE = 0.15
"""Largest drift over the window called settled: customers at the end within 15% of the start
(issue 13's criterion), applied to the moment counts too."""
EDGE_DAYS = 30
"""Moment counts are compared as 30-day means at the window's two ends (a day is noisy)."""
MIN_SHARE = 0.01
"""Moments holding less than 1% of people are too small to judge (their drift is noise)."""
CANDIDATES: tuple[int, ...] = (0, 30, 60, 90, 120, 180, 270, 365, 545, 730, 1095)
"""Warm-ups tried, in days (those up to `--max-warmup`)."""


@dataclass
class Trajectories:
    """Daily levels of a launch run long enough for every candidate warm-up plus a window."""

    daily: pd.DataFrame
    """One row per replication and day (day 1 = the first simulated day)."""
    window_days: int
    people: int


def simulate(scenario: Scenario, max_warmup: int, replications: int) -> Trajectories:
    """Run the scenario from its initial state for `max_warmup` + its `days`, per replication."""
    days = max_warmup + scenario.days
    launch = scenario.model_copy(update={"warmup_days": 0, "days": days})
    frames = []
    for replication, seed in enumerate(replication_seeds(scenario.seed, replications)):
        model = JourneyModel(launch, seed=seed, with_agents=False).run()
        daily = model.daily()
        brands = [c for c in daily.columns if c.startswith("customers_")]
        frame = daily[["day", "customers", *brands, *MOMENT_COLUMNS]]
        frames.append(frame.assign(replication=replication, owners=daily[brands].sum(axis=1)))
    return Trajectories(
        pd.concat(frames, ignore_index=True), scenario.days, launch.population.n_consumers
    )


def drift_table(runs: Trajectories, candidates: list[int]) -> pd.DataFrame:
    """One row per candidate warm-up: the window's customers drift (mean, 95% CI, worst
    replication), the largest moment drift and which moment, and whether it is settled."""
    rows = []
    for warmup in candidates:
        customers = customer_drifts(runs, warmup)
        moments = moment_drifts(runs, warmup)
        mean, low, high = mean_ci(customers)
        worst = customers[np.argmax(np.abs(customers))]
        means = moments.mean()
        moment = means.abs().idxmax()
        noise = [mean_ci(moments[column]) for column in moments.columns]
        settled = bool(np.all(np.abs(customers) <= TOLERANCE) and means.abs().max() <= TOLERANCE)
        rows.append(
            dict(
                warmup_days=warmup,
                customers_drift=mean,
                ci_low=low,
                ci_high=high,
                worst_replication=worst,
                customers_within_noise=bool(low <= 0 <= high),
                largest_moment_drift=float(means[moment]),
                moment=moment_labels()[moment],
                moments_within_noise=all(lo <= 0 <= hi for _, lo, hi in noise),
                settled=settled,
            )
        )
    return pd.DataFrame(rows)


def window_of(daily: pd.DataFrame, warmup: int, days: int) -> pd.DataFrame:
    """The rows of the window after `warmup` days, days numbered 1.. within it."""
    part = daily[(daily["day"] > warmup) & (daily["day"] <= warmup + days)]
    return part.assign(day=part["day"] - warmup)


def customer_drifts(runs: Trajectories, warmup: int) -> np.ndarray:
    """Per replication: focal customers on the window's last day ÷ on its first, minus 1."""
    window = window_of(runs.daily, warmup, runs.window_days)
    ends = window.groupby("replication")["customers"].agg(["first", "last"])
    return (ends["last"] / ends["first"] - 1).to_numpy()


def moment_drifts(runs: Trajectories, warmup: int) -> pd.DataFrame:
    """Per replication (rows) and moment with at least 1% of people (columns): the window's
    last 30 days' mean ÷ its first 30 days' mean, minus 1."""
    window = window_of(runs.daily, warmup, runs.window_days)
    columns = list(MOMENT_COLUMNS)
    first = window[window["day"] <= EDGE_DAYS].groupby("replication")[columns].mean()
    last = window[window["day"] > runs.window_days - EDGE_DAYS].groupby("replication")[columns]
    large = [c for c in columns if first[c].mean() >= MIN_SHARE * runs.people]
    return last.mean()[large] / first[large] - 1


def recommend(table: pd.DataFrame) -> int | None:
    """The shortest warm-up from which every longer candidate is settled too, or None when
    the longest is not settled."""
    chosen = None
    for row in table.sort_values("warmup_days", ascending=False).itertuples():
        if not row.settled:
            break
        chosen = int(row.warmup_days)
    return chosen


def chart(runs: Trajectories, table: pd.DataFrame, chosen: int | None, title: str) -> Figure:
    """Left: focal and rival customers and category owners by day since the start, the chosen
    window shaded. Right: the window's customer drift for each warm-up, with the ±15% band."""
    fig = Figure(figsize=(14, 5.6))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    mean = runs.daily.groupby("day").mean(numeric_only=True)
    brands = [c for c in mean.columns if c.startswith("customers_")]
    for column in brands:
        left.plot(mean.index, mean[column], linewidth=2, label=column.removeprefix("customers_"))
    left.plot(mean.index, mean["owners"], "--", color="0.3", label="owners of any brand")
    if chosen is not None:
        left.axvspan(chosen, chosen + runs.window_days, color="#2ca02c", alpha=0.12)
        left.text(chosen + 5, 0.03 * runs.people, f"window after a {chosen}-day warm-up")
    left.set(xlabel="days since the initial state", ylabel="buying units", ylim=(0, runs.people))
    left.set_title("Customers from the initial state (mean)", loc="left", fontweight="bold")
    left.legend(loc="lower right")
    scale = 100
    x = table["warmup_days"]
    err = [
        scale * (table["customers_drift"] - table["ci_low"]),
        scale * (table["ci_high"] - table["customers_drift"]),
    ]
    right.errorbar(
        x,
        scale * table["customers_drift"],
        yerr=err,
        fmt="o-",
        capsize=4,
        label="customers (95% CI)",
    )
    right.plot(
        x, scale * table["largest_moment_drift"], "s:", color="0.4", label="largest moment drift"
    )
    right.axhspan(-scale * TOLERANCE, scale * TOLERANCE, color="#2ca02c", alpha=0.12)
    right.axhline(0, color="0.3", linewidth=1)
    if chosen is not None:
        right.axvline(chosen, color="#2ca02c", linewidth=2)
    clip_off_scale(right, x, scale * table["largest_moment_drift"], limit=scale * 3 * TOLERANCE)
    right.set(xlabel="warm-up (days)", ylabel="drift over the window (%)")
    right.set_title("Drift over the window vs warm-up", loc="left", fontweight="bold")
    right.legend(loc="upper right")
    fig.suptitle(title, x=0.01, ha="left", fontsize=13)
    fig.tight_layout()
    return fig


def clip_off_scale(ax, x: pd.Series, y: pd.Series, limit: float) -> None:
    """Limit the y axis to ±`limit` and write the values of the points beyond it at the edge
    (the first days' drift dwarfs the differences that matter)."""
    ax.set_ylim(-limit, limit)
    for xi, yi in zip(x, y, strict=True):
        if abs(yi) > limit:
            edge = 0.93 * limit * np.sign(yi)
            ax.annotate(f"{yi:+.0f}%", (xi, edge), ha="left", va="center", color="0.4")


def main(argv: list[str] | None = None) -> int:
    """Print the drift table and the recommended warm-up; draw the chart if asked."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.validation.settle", description=__doc__.splitlines()[0]
    )
    parser.add_argument("scenario", help="scenario file (.toml)")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--max-warmup", type=int, default=730)
    parser.add_argument("--chart", type=Path, help="write the chart here (PNG)")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    candidates = [c for c in CANDIDATES if c <= args.max_warmup]
    runs = simulate(scenario, max(candidates), args.replications)
    table = drift_table(runs, candidates)
    chosen = recommend(table)
    print(table.to_string(index=False, float_format=lambda v: f"{v:+.3f}"))
    verdict = "not settled" if chosen is None else f"settled from a {chosen}-day warm-up on"
    print(
        f"\n{scenario.name}: {args.replications} replications, window {scenario.days} days; {verdict}"
    )
    if args.chart:
        from sim.reports.charts import save, style

        title = (
            f"{scenario.name}: is the window settled? ({args.replications} replications, "
            f"{runs.people:,} people; settled = drift within ±{TOLERANCE:.0%})"
        )
        with style():
            save(chart(runs, table, chosen, title), args.chart)
        print(f"chart: {args.chart}")
    return 0 if chosen is not None else 1


if __name__ == "__main__":
    sys.exit(main())
