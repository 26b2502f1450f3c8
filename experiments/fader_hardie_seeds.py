"""Fader & Hardie (2007) regular segment: fit years 1-7, project years 8-12, over 10 seeds.

Run from the repository root: ``python experiments/fader_hardie_seeds.py``. Prints, per seed,
the mean absolute error of the projection of years 8-12 in percentage points of the starting
cohort and as a share of the data, and whether each year's count lies in its 90% predictive
interval; docs/calibration.md quotes the result. Same code path as `mot calibrate retention`
(`fit_and_simulate`, `project`), default size (20,000 simulated subscribers).
"""

from __future__ import annotations

import numpy as np

from sim.validation.projection import project
from sim.validation.retention import REGULAR, fit_and_simulate

FIT_YEARS = 7
SEEDS = range(1, 11)


def main() -> None:
    """One line per seed, then the mean and the worst seed."""
    alive = np.array(REGULAR, dtype=float)
    horizon = len(alive) - 1
    points, relative, inside = [], [], []
    for seed in SEEDS:
        fit = fit_and_simulate(alive, FIT_YEARS, 20_000, seed, horizon)
        projection = project(alive, FIT_YEARS, fit.model_share, horizon, seed)
        error = np.abs(projection.projected - projection.data)
        points.append(float(np.mean(error) / alive[0] * 100))
        relative.append(float(np.mean(error / projection.data) * 100))
        inside.append(
            int(np.sum((projection.low <= projection.data) & (projection.data <= projection.high)))
        )
        print(
            f"seed {seed:>2}: MAE {points[-1]:.2f} pp, {relative[-1]:.2f}% of the data, {inside[-1]}/5 in the 90% interval"
        )
    print(
        f"mean MAE {np.mean(points):.2f} pp (worst {np.max(points):.2f}); "
        f"relative {np.mean(relative):.2f}% (worst {np.max(relative):.2f}%); "
        f"in the interval {sum(inside)}/{5 * len(SEEDS)}"
    )


if __name__ == "__main__":
    main()
