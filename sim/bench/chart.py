"""Scaling: log-log slopes of run time against consumers and days, and the scaling chart.

A slope of 1 on log-log axes means cost proportional to size (linear); above 1, each extra
consumer or day costs more than the last (e.g. an O(n log n) sort or a growing calendar).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from sim.bench.targets import RUN_1M_S, RUN_100K_S  # noqa: E402
from sim.store import atomic_write  # noqa: E402

TARGET_DAYS = 365
"""Days the run-time targets are stated for (issue 8)."""
PLAIN = FuncFormatter(lambda value, _: f"{value:,.6g}")
"""Tick labels as plain numbers (10,000 rather than 10^4), easier to read for most people."""
WARM_UP_SHARE = 0.1
"""Day slopes ignore the first 10% of days, while the market fills its moments (assumption)."""


def log_log_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log(y) on log(x); NaN with fewer than two distinct x."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(np.unique(x)) < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


def consumer_slope(sizes: list[dict[str, Any]], variant: str) -> float:
    """Slope of run seconds against consumers for one variant."""
    rows = [r for r in sizes if r["variant"] == variant]
    return log_log_slope([r["n_consumers"] for r in rows], [r["run_s"] for r in rows])


def day_curve(result: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Days 1..D and the seconds elapsed by the end of each, after the warm-up share."""
    elapsed = np.asarray(result["elapsed_by_day_s"], dtype=float)
    days = np.arange(1, len(elapsed) + 1)
    keep = days > int(WARM_UP_SHARE * len(days))
    return days[keep], elapsed[keep]


def day_slope(result: dict[str, Any]) -> float:
    """Slope of elapsed seconds against days within one run."""
    return log_log_slope(*day_curve(result))


def scaling_chart(sizes: list[dict[str, Any]], path: Path) -> Path:
    """Run time vs consumers (per variant, with fitted slopes) and vs days (largest run)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for variant in dict.fromkeys(r["variant"] for r in sizes):
        rows = sorted((r for r in sizes if r["variant"] == variant), key=lambda r: r["n_consumers"])
        n = np.array([r["n_consumers"] for r in rows])
        t = np.array([r["run_s"] for r in rows])
        slope = consumer_slope(sizes, variant)
        label = f"{variant} (slope {slope:.2f})" if np.isfinite(slope) else variant
        left.loglog(n, t, "o-", label=label)
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
    left.legend(loc="upper left", fontsize=9)
    largest = max((r for r in sizes if r["variant"] == "baseline"), key=lambda r: r["n_consumers"])
    d, elapsed = day_curve(largest)
    right.loglog(d, elapsed, "-", label=f"baseline (slope {day_slope(largest):.2f})")
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
        axis.set_major_formatter(PLAIN)
        axis.set_minor_formatter(NullFormatter())
    fig.suptitle("mot bench: cost grows linearly with consumers and days when slopes are ~1")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(path, lambda temp: fig.savefig(temp, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return path
