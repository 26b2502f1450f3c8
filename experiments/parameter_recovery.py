"""Parameter recovery for `mot calibrate series` (simulation-based calibration, Talts et al. 2018).

Run from the repository root: ``PYTHONPATH=. python experiments/parameter_recovery.py [N]``.
Draws N true parameter sets from the priors, makes one synthetic dataset from the model with
each, fits it by ABC-SMC exactly as `mot calibrate series` does (`sim.validation.abc_fit.fit`),
and counts how often the 90% credible intervals contain the truth. Prints one line per dataset
and the coverage; writes `docs/images/calibration_recovery.png`. docs/calibration.md quotes it.

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


def simulator() -> Simulator:
    """Customers and churn per 3-day period of the subscription market (8 periods)."""
    scenario = retention_scenario(0.2, 0.2, 400, 8, 2)
    return Simulator(scenario, tuple(PRIORS), (False, False), ("customers", "churn"), 3, 8, 1.0)


def recover(index: int, rng: np.random.Generator, folder: Path) -> tuple[np.ndarray, object]:
    """One dataset: true values from the priors, data from the model, the ABC posterior."""
    truth = np.array([rng.uniform(p.low, p.high) for p in PRIORS.values()])
    model = simulator()
    data = model.run(list(truth), int(rng.integers(2**31)))
    posterior = fit(model, PRIORS, data, SETTINGS, folder / f"abc{index}.db", SEED + index)
    return truth, posterior.summary()


def chart(truths: np.ndarray, summaries: list, path: Path) -> None:
    """Truth vs posterior median with its 90% credible interval, one panel per parameter."""
    fig = Figure(figsize=(11, 4.8))
    for i, (key, prior) in enumerate(PRIORS.items()):
        ax = fig.add_subplot(1, len(PRIORS), i + 1)
        med = np.array([s["median"][i] for s in summaries])
        low = np.array([s["low_90"][i] for s in summaries])
        high = np.array([s["high_90"][i] for s in summaries])
        inside = (low <= truths[:, i]) & (truths[:, i] <= high)
        for ok in (True, False):
            pick = inside == ok
            ax.errorbar(
                truths[pick, i],
                med[pick],
                yerr=[med[pick] - low[pick], high[pick] - med[pick]],
                fmt="o",
                color="#1f77b4" if ok else "#d62728",
                capsize=3,
                label="90% CI holds the truth" if ok else "misses the truth",
            )
        ax.plot([prior.low, prior.high], [prior.low, prior.high], "k--", linewidth=1)
        ax.set_xlabel(f"true {key}")
        ax.set_ylabel("posterior median, 90% CI")
        ax.set_title(f"{key}: {inside.sum()}/{len(inside)} covered", loc="left", fontsize=11)
        ax.legend(loc="upper left", fontsize=8)
    with style():
        save(fig, path)


def main(n: int = 20) -> None:
    """Run the study and print coverage per parameter and overall."""
    rng = np.random.default_rng(SEED)
    truths, summaries = [], []
    started = time.time()
    with tempfile.TemporaryDirectory() as folder:
        for index in range(n):
            truth, summary = recover(index, rng, Path(folder))
            truths.append(truth)
            summaries.append(summary.to_dict(orient="list"))
            cover = (summary["low_90"] <= truth) & (truth <= summary["high_90"])
            print(
                f"dataset {index + 1:>2}: truth {np.round(truth, 3)}, 90% CIs "
                f"{[(round(lo, 3), round(hi, 3)) for lo, hi in zip(summary['low_90'], summary['high_90'], strict=True)]}, "
                f"covered {cover.tolist()}  [{time.time() - started:.0f} s]",
                flush=True,
            )
    truths = np.array(truths)
    low = np.array([s["low_90"] for s in summaries])
    high = np.array([s["high_90"] for s in summaries])
    covered = (low <= truths) & (truths <= high)
    widths = (high - low).mean(axis=0) / np.array([p.high - p.low for p in PRIORS.values()])
    for i, key in enumerate(PRIORS):
        print(
            f"{key}: {covered[:, i].sum()}/{n} covered; mean 90% CI width {widths[i]:.0%} of the prior's"
        )
    print(f"overall: {covered.sum()}/{covered.size} = {covered.mean():.0%} (target >= 85%)")
    chart(truths, summaries, Path("docs/images/calibration_recovery.png"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
