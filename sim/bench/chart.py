"""Scaling: log-log slopes of run time against consumers and days, and the scaling chart.

A slope of 1 on log-log axes means cost proportional to size (linear); above 1, each extra
consumer or day costs more than the last (e.g. an O(n log n) sort or a growing calendar).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from sim.bench.targets import RUN_1M_S, RUN_100K_S  # noqa: E402
from sim.reports.store import atomic_write  # noqa: E402

TARGET_DAYS = 365
"""Days the run-time targets are stated for (issue 8)."""
PLAIN = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")
"""Tick labels as plain numbers (20 rather than 2 x 10^1), easier to read for most people."""
COUNT = FuncFormatter(
    lambda value, _: (
        f"{value / 1e6:g}M"
        if value >= 1e6
        else f"{value / 1e3:g}k"
        if value >= 1e3
        else f"{value:g}"
    )
)
"""Consumer counts as 10k, 100k, 1M."""
WARM_UP_SHARE = 0.1
"""Day slopes ignore the first 10% of days, while the market fills its moments (assumption)."""


def log_log_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log(y) on log(x); NaN with fewer than two distinct x."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(np.unique(x)) < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


def consumer_slope(sizes: list[dict[str, Any]], variant: str, field: str = "run_s") -> float:
    """Slope of run seconds (`run_s` wall or `run_cpu_s`) against consumers for one variant."""
    rows = [r for r in sizes if r["variant"] == variant]
    return log_log_slope([r["n_consumers"] for r in rows], [r[field] for r in rows])


def fixed_and_marginal(sizes: list[dict[str, Any]], variant: str) -> tuple[float, float]:
    """CPU seconds = fixed x days + marginal x agent-days, fitted by least squares.

    The fixed part is what a day costs whatever the market's size (a Python call per rule and
    per strategy, small arrays); the marginal part is the cost per consumer per day. A fixed part
    makes the log-log slope fall below 1 at small sizes even when the marginal cost is constant.
    Returns (fixed seconds per day, marginal seconds per agent-day); NaNs with < 2 sizes.
    """
    rows = [r for r in sizes if r["variant"] == variant]
    if len({r["n_consumers"] for r in rows}) < 2:
        return float("nan"), float("nan")
    design = np.array([[r["days"], r["n_consumers"] * r["days"]] for r in rows], dtype=float)
    cpu = np.array([r["run_cpu_s"] for r in rows], dtype=float)
    (fixed, marginal), *_ = np.linalg.lstsq(design, cpu, rcond=None)
    return float(fixed), float(marginal)


def day_curve(result: dict[str, Any], field: str = "elapsed_by_day_s") -> tuple[np.ndarray, ...]:
    """Days 1..D and the seconds (wall or `cpu_by_day_s`) used by the end of each, after the
    warm-up share."""
    elapsed = np.asarray(result[field], dtype=float)
    days = np.arange(1, len(elapsed) + 1)
    keep = days > int(WARM_UP_SHARE * len(days))
    return days[keep], elapsed[keep]


def day_slope(result: dict[str, Any], field: str = "elapsed_by_day_s") -> float:
    """Slope of elapsed seconds (wall or CPU) against days within one run."""
    return log_log_slope(*day_curve(result, field))


def scaling_chart(sizes: list[dict[str, Any]], path: Path) -> Path:
    """Run time vs consumers (per variant, with fitted slopes) and vs days (largest run)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for variant in dict.fromkeys(r["variant"] for r in sizes):
        rows = sorted((r for r in sizes if r["variant"] == variant), key=lambda r: r["n_consumers"])
        n = np.array([r["n_consumers"] for r in rows])
        t = np.array([r["run_s"] for r in rows])
        cpu = np.array([r["run_cpu_s"] for r in rows])
        slope, cpu_slope = (
            consumer_slope(sizes, variant),
            consumer_slope(sizes, variant, "run_cpu_s"),
        )
        (line,) = left.loglog(n, t, "o-", label=f"{variant}, wall (slope {slope:.2f})")
        left.loglog(n, cpu, "s--", color=line.get_color(), alpha=0.7,
                    label=f"{variant}, CPU (slope {cpu_slope:.2f})")  # fmt: skip
    days = rows[0]["days"]
    if days == TARGET_DAYS:
        for n_target, target in ((100_000, RUN_100K_S), (1_000_000, RUN_1M_S)):
            left.plot([n_target], [target.below], "rv", markersize=9)
            left.annotate(f"target < {target.below:g} s", (n_target, target.below),
                          textcoords="offset points", xytext=(-95, -4), color="red")  # fmt: skip
    left.set(
        title=f"Run time vs market size ({days} days, one core)",
        xlabel="consumers (log scale)",
        ylabel="run time, s (log scale)",
    )
    left.grid(True, which="both", alpha=0.3)
    left.legend(loc="upper left", fontsize=8)
    largest = max((r for r in sizes if r["variant"] == "baseline"), key=lambda r: r["n_consumers"])
    for field, what in (("elapsed_by_day_s", "wall"), ("cpu_by_day_s", "CPU")):
        d, elapsed = day_curve(largest, field)
        slope = day_slope(largest, field)
        right.loglog(d, elapsed, "-", label=f"baseline, {what} (slope {slope:.2f})")
    right.loglog(d, elapsed[-1] * d / d[-1], "k--", alpha=0.5, label="linear (slope 1)")
    right.set(
        title=f"Elapsed time vs days ({largest['n_consumers']:,} consumers)",
        xlabel="day (log scale)",
        ylabel="elapsed run time, s (log scale)",
    )
    right.grid(True, which="both", alpha=0.3)
    right.legend(loc="upper left", fontsize=9)
    for axis in (left.xaxis, left.yaxis, right.xaxis, right.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(COUNT if axis is left.xaxis else PLAIN)
        axis.set_minor_formatter(NullFormatter())
    load = np.mean([np.mean(r["load_average_1min"]) for r in sizes])
    fig.suptitle(
        f"mot bench (load average {load:.1f} on {os.cpu_count()} cores while measured): "
        "a log-log slope of 1 means cost grows linearly"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(path, lambda temp: fig.savefig(temp, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return path
