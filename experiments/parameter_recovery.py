"""Parameter recovery for `mot calibrate series` (simulation-based calibration, Talts et al. 2018).

Run from the repository root: ``PYTHONPATH=. python experiments/parameter_recovery.py [N [START]]``
(datasets START+1..N; rows are appended to results/parameter_recovery.csv as they finish, so a
long study can be split over several runs).
Draws N true parameter sets from the priors, makes one synthetic dataset from the model with
each, fits it by ABC-SMC exactly as `mot calibrate series` does (`sim.validation.abc_fit.fit`),
and counts how often the 90% credible intervals contain the truth. Prints one line per dataset
and the coverage of every row in the table; writes `docs/images/calibration_recovery.png`. docs/calibration.md quotes it.

The market is the subscription reduction of `mot validate`'s retention check
(`sim.validation.retention.retention_scenario`: 400 subscribers, a renewal every 3 days, 8
periods of 3 days), the cheapest market in which both fitted settings act; a run takes about
0.15 s, so the study is affordable on a shared 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reports.charts import save, style
from sim.sweep.experiment import Parameter
from sim.validation.abc_fit import Simulator, fit
from sim.validation.calibration_file import AbcSettings
from sim.validation.retention import retention_scenario

PRIORS = {
    "loyalty.p_leave_category": Parameter(low=0.05, high=0.5),
    "loyalty.leave_polarisation": Parameter(low=0.0, high=0.6),
}
SETTINGS = AbcSettings(population_size=60, generations=4)
SEED = 2026
TABLE = Path("results/parameter_recovery.csv")
"""One row per finished dataset: truth, 90% interval and median per parameter."""


def simulator() -> Simulator:
    """Customers and churn per 3-day period of the subscription market (8 periods)."""
    scenario = retention_scenario(0.2, 0.2, 400, 8, 2)
    return Simulator(scenario, tuple(PRIORS), (False, False), ("customers", "churn"), 3, 8, 1.0)


def recover(truth: np.ndarray, data_seed: int, index: int, folder: Path) -> dict:
    """One dataset: data from the model with the true values, the ABC posterior's summary."""
    model = simulator()
    data = model.run(list(truth), data_seed)
    posterior = fit(model, PRIORS, data, SETTINGS, folder / f"abc{index}.db", SEED + index)
    summary = posterior.summary()
    row = {"dataset": index + 1}
    for i, key in enumerate(PRIORS):
        row |= {f"{key}:truth": truth[i], f"{key}:low_90": summary["low_90"][i]}
        row |= {f"{key}:median": summary["median"][i], f"{key}:high_90": summary["high_90"][i]}
    return row


def chart(table: pd.DataFrame, path: Path) -> None:
    """Each dataset's 90% credible interval against its true value, one panel per parameter:
    an interval crossing the diagonal holds the truth."""
    fig = Figure(figsize=(11, 4.8))
    for i, (key, prior) in enumerate(PRIORS.items()):
        ax = fig.add_subplot(1, len(PRIORS), i + 1)
        truth, low, high = (table[f"{key}:{c}"].to_numpy() for c in ("truth", "low_90", "high_90"))
        inside = (low <= truth) & (truth <= high)
        ax.vlines(
            truth[inside],
            low[inside],
            high[inside],
            color="#1f77b4",
            linewidth=3,
            label="90% credible interval holds the truth",
        )
        ax.vlines(
            truth[~inside],
            low[~inside],
            high[~inside],
            color="#d62728",
            linewidth=3,
            label="misses the truth",
        )
        ax.plot([prior.low, prior.high], [prior.low, prior.high], "k--", linewidth=1, label="truth")
        ax.set_xlim(prior.low, prior.high)
        ax.set_ylim(prior.low, prior.high)
        ax.set_xlabel(f"true {key}")
        ax.set_ylabel("90% credible interval")
        ax.set_title(f"{key}: {inside.sum()}/{len(inside)} covered", loc="left", fontsize=11)
        ax.legend(loc="upper left", fontsize=8)
    with style():
        save(fig, path)


def main(n: int = 20, start: int = 0) -> None:
    """Datasets start+1..n (the earlier ones' draws are replayed, so any split gives the same
    datasets), appended to `TABLE` as they finish; then coverage of every row there and the chart."""
    rng = np.random.default_rng(SEED)
    began = time.time()
    with tempfile.TemporaryDirectory() as folder:
        for index in range(n):
            truth = np.array([rng.uniform(p.low, p.high) for p in PRIORS.values()])
            data_seed = int(rng.integers(2**31))
            if index < start:
                continue
            row = recover(truth, data_seed, index, Path(folder))
            append(row)
            print(f"dataset {index + 1:>2} done [{time.time() - began:.0f} s]: {row}", flush=True)
    table = pd.read_csv(TABLE)
    for key, prior in PRIORS.items():
        truth, low, high = (table[f"{key}:{c}"] for c in ("truth", "low_90", "high_90"))
        covered = ((low <= truth) & (truth <= high)).sum()
        width = ((high - low) / (prior.high - prior.low)).mean()
        print(
            f"{key}: {covered}/{len(table)} covered; mean 90% CI width {width:.0%} of the prior's"
        )
    chart(table, Path("docs/images/calibration_recovery.png"))


def append(row: dict) -> None:
    """Add one dataset's row to `TABLE` (header first if the file is new)."""
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    new = not TABLE.exists()
    pd.DataFrame([row]).to_csv(TABLE, mode="a", header=new, index=False)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*arguments)
