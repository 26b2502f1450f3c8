"""Make data/calibration_example.csv: eight months of series from the model with known settings.

Run from the repository root: ``PYTHONPATH=. python experiments/make_calibration_example.py``.
The market is experiments/calibration/calibration_example.toml's (the baseline, 2,000 consumers, no
warm-up) with the true values below; one run on seed 20261130, cut into 30-day periods exactly
as `mot calibrate series` cuts the model's runs (`sim.validation.observed.period_series`).
"""

from __future__ import annotations

from pathlib import Path

from sim.validation.abc_fit import Simulator
from sim.validation.calibration_file import load_calibration

TRUTH = {"loyalty.p_leave_category": 0.08, "feedback.p_review_satisfied": 0.20}
SERIES = ("new_customers", "customers", "reviews", "mean_rating", "churn")
PERIODS, PERIOD_DAYS, SEED = 8, 30, 20261130
OUT = Path("data/calibration_example.csv")


def main() -> None:
    """Simulate once with the true values and write the CSV."""
    loaded = load_calibration(Path("experiments/calibration/calibration_example.toml"))
    simulator = Simulator(
        loaded.scenario, tuple(TRUTH), (False, False), SERIES, PERIOD_DAYS, PERIODS, 1.0
    )
    series = simulator.run(list(TRUTH.values()), SEED)
    lines = ["period," + ",".join(SERIES)]
    for t in range(PERIODS):
        cells = [
            f"{series[name][t]:.4f}" if name == "mean_rating" else f"{series[name][t]:.0f}"
            for name in SERIES
        ]
        lines.append(f"{t + 1}," + ",".join(cells))
    OUT.write_text("\n".join(lines) + "\n")
    print(OUT.read_text())


if __name__ == "__main__":
    main()
