"""CRN efficiency: how much quieter a paired comparison is than one on independent runs.

`mot compare` and `mot sweep` run replication i of every arm on the same seed (common random
numbers) and test the per-replication differences. That only pays when the two arms really
share their randomness: the variance of the paired differences should be far below
Var(A) + Var(B), the variance of the difference of two independent runs (Law 2015, ch. 11).
The ratio of the two is the CRN efficiency: how many times fewer replications a paired
comparison needs for the same interval width.

The measurement runs the reference and the treatment scenario (baseline vs follow-up e-mail,
issue 12) on the replication seeds `mot compare` uses. The independent variance is
Var(A) + Var(B) from the arms' own sample variances; a cross-check pairs replication i of A
with replication i + 1 of B (different seeds), as an analyst without CRN would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.bench.targets import Figure, Target
from sim.runner import replication_seeds, run_once
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario

REFERENCE = "scenarios/baseline.toml"
TREATMENT = "scenarios/follow_up_email.toml"
REPLICATIONS = 12
"""The issue's comparison: 12 replications, baseline vs follow-up e-mail."""

CRN_TARGETS: dict[str, Target] = {
    "new_customers": Target(above=10.0),
    "customers_end": Target(above=10.0),
    "churned": Target(above=4.0),
    "reviews": Target(above=4.0),
}
"""Variance of independent differences over variance of paired differences (issue 12)."""


def arm_kpis(
    scenario: Scenario, seeds: list[int], progress: Callable[[str], None]
) -> dict[str, np.ndarray]:
    """The CRN KPIs of every replication of one arm, in seed order."""
    values: dict[str, list[float]] = {kpi: [] for kpi in CRN_TARGETS}
    for replication, seed in enumerate(seeds):
        kpis = run_once(scenario, seed, replication).kpis
        for kpi in CRN_TARGETS:
            values[kpi].append(kpis[kpi])
    progress(f"  {scenario.name}: {len(seeds)} replications done")
    return {kpi: np.asarray(v, dtype=float) for kpi, v in values.items()}


def efficiency(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Paired and independent variances of B - A, and their ratios.

    `ratio` uses Var(A) + Var(B) (each with n - 1 degrees of freedom, so steadier than any one
    re-pairing); `ratio_shifted` pairs A[i] with B[i + 1], runs on different seeds;
    `ratio_low`, `ratio_high` bound a 95% bootstrap interval of `ratio` over replications
    (a variance ratio from 12 runs is itself uncertain by a factor of two or so).
    """
    paired = float(np.var(b - a, ddof=1))
    independent = float(np.var(a, ddof=1) + np.var(b, ddof=1))
    shifted = float(np.var(np.roll(b, -1) - a, ddof=1))
    low, high = ratio_interval(a, b)
    return {
        "mean_difference": float(np.mean(b - a)),
        "var_paired": paired,
        "var_independent": independent,
        "var_shifted": shifted,
        "ratio": safe_ratio(independent, paired),
        "ratio_low": low,
        "ratio_high": high,
        "ratio_shifted": safe_ratio(shifted, paired),
    }


def safe_ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, infinite when the denominator is 0 (identical arms)."""
    return numerator / denominator if denominator > 0 else float("inf")


def ratio_interval(a: np.ndarray, b: np.ndarray, resamples: int = 2000) -> tuple[float, float]:
    """2.5% and 97.5% percentiles of (Var A + Var B) / Var(B - A) over replications
    resampled with replacement (a fixed generator: the bench stays reproducible)."""
    picks = np.random.default_rng(0).integers(0, len(a), size=(resamples, len(a)))
    ra, rb = a[picks], b[picks]
    paired = np.var(rb - ra, axis=1, ddof=1)
    independent = np.var(ra, axis=1, ddof=1) + np.var(rb, axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(paired > 0, independent / paired, np.inf)
    low, high = np.percentile(ratios, [2.5, 97.5], method="inverted_cdf")  # no inf - inf
    return float(low), float(high)


def measure_crn(
    reference: str = REFERENCE,
    treatment: str = TREATMENT,
    replications: int = REPLICATIONS,
    days: int | None = None,
    n_consumers: int | None = None,
    progress: Callable[[str], None] = print,
    seed: int | None = None,
) -> dict[str, Any]:
    """Run both arms on `mot compare`'s seeds; the CRN efficiency of each KPI in `CRN_TARGETS`.

    `days` and `n_consumers` shrink the comparison for a smoke run; left None, the scenario
    files' own values make the target case of issue 12. `seed` replaces the files' base seed
    (to see how much the figure moves with the replications drawn).
    """
    overrides: dict[str, object] = {}
    if days is not None:
        overrides["days"] = days
    if n_consumers is not None:
        overrides["population.n_consumers"] = n_consumers
    arms = [with_overrides(load_scenario(p), overrides, p) for p in (reference, treatment)]
    seeds = replication_seeds(arms[0].seed if seed is None else seed, replications)
    start = time.perf_counter()
    a, b = (arm_kpis(arm, seeds, progress) for arm in arms)
    return {
        "reference": reference,
        "treatment": treatment,
        "replications": replications,
        "days": arms[0].days,
        "n_consumers": arms[0].population.n_consumers,
        "seed": arms[0].seed if seed is None else seed,
        "target_case": replications >= REPLICATIONS and not overrides and seed is None,
        "wall_s": time.perf_counter() - start,
        "kpis": {kpi: efficiency(a[kpi], b[kpi]) for kpi in CRN_TARGETS},
    }


def crn_paths() -> tuple[str, str] | None:
    """The issue's two scenario files, if they are here (the repository root)."""
    return (
        (REFERENCE, TREATMENT) if all(Path(p).is_file() for p in (REFERENCE, TREATMENT)) else None
    )


def crn_figures(crn: dict[str, Any] | None) -> list[Figure]:
    """The CRN efficiency per KPI against its target; a reduced (smoke) comparison is listed
    without targets, and the targeted figures then read "not measured"."""
    at_target = crn is not None and crn["target_case"]
    figures = []
    for kpi, target in CRN_TARGETS.items():
        record = crn["kpis"][kpi] if at_target else None
        note = (
            f"95% bootstrap {record['ratio_low']:.3g}-{record['ratio_high']:.3g}x; "
            f"re-paired i with i+1: {record['ratio_shifted']:.3g}x"
            if record
            else ""
        )
        figures.append(
            Figure(
                f"crn.{kpi}",
                f"CRN efficiency, {kpi}: Var(A) + Var(B) over Var(B - A), "
                f"{REPLICATIONS} replications, follow-up e-mail vs baseline",
                None if record is None else record["ratio"],
                "x",
                target,
                note,
            )
        )
    if crn is not None and not at_target:
        where = f"{crn['replications']} replications x {crn['days']} d x {crn['n_consumers']:,}"
        figures += [
            Figure(f"crn_reduced.{kpi}", f"CRN efficiency, {kpi} ({where})", r["ratio"], "x")
            for kpi, r in crn["kpis"].items()
        ]
    return figures


def crn_table(crn: dict[str, Any]) -> pd.DataFrame:
    """One row per KPI: mean difference, paired and independent variances, their ratios."""
    table = pd.DataFrame(crn["kpis"]).T.reset_index(names="kpi")
    variances = dict.fromkeys(("var_paired", "var_independent", "var_shifted"), 0)
    ratios = dict.fromkeys(("ratio", "ratio_low", "ratio_high", "ratio_shifted"), 2)
    return table.round({"mean_difference": 1} | ratios | variances)


def main() -> None:
    """Print the CRN efficiency of the issue's comparison (`python -m sim.bench.crn`)."""
    crn = measure_crn()
    for figure in crn_figures(crn):
        print(figure.line())
    print(crn_table(crn).to_string(index=False))
    print(f"{crn['wall_s']:.1f} s")


if __name__ == "__main__":
    main()
