"""Sensitivity indices from a sweep, computed by SALib.

- Sobol (Sobol 2001; Saltelli et al. 2010 estimators): first-order S1 (the share of the output's
  variance a lever explains alone) and total-order ST (alone and through interactions), with
  bootstrap 95% confidence intervals.
- Morris (1991), with mu* (Campolongo, Cariboni & Saltelli 2007): the mean absolute elementary
  effect (how much a lever matters) and sigma (how non-linear or interacting it is).

Each design point's output is averaged over its replications first, so noise between
replications does not pass for sensitivity. Indices are in the design's sampling space (log10
for `log` parameters).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from sim.sweep.design import POINT, salib_problem
from sim.sweep.experiment import LoadedExperiment

RESAMPLES = 1000
"""Bootstrap resamples for the confidence intervals (SALib's default is 100; assumption)."""


def point_means(wide: pd.DataFrame, design: pd.DataFrame, output: str) -> np.ndarray:
    """The output's mean over replications at every design point, in point order (NaN if none)."""
    means = wide.groupby(POINT)[output].mean()
    return means.reindex(design[POINT]).to_numpy(dtype=float)


def sensitivity_table(
    loaded: LoadedExperiment, design: pd.DataFrame, wide: pd.DataFrame
) -> pd.DataFrame:
    """One row per output and parameter with its indices; empty for grid and LHS designs.

    Outputs with a missing value at any point (a failed run, a ratio with a zero denominator)
    are left out: the estimators need every point.
    """
    experiment = loaded.experiment
    analyse = {"sobol": sobol_rows, "morris": morris_rows}.get(experiment.design)
    if analyse is None:
        return pd.DataFrame()
    frames = []
    for output in experiment.outputs:
        y = point_means(wide, design, output)
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        frames.append(analyse(loaded, design, y).assign(output=output))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    return table[["output", "parameter", *[c for c in table if c not in ("output", "parameter")]]]


def sobol_rows(loaded: LoadedExperiment, design: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """S1, ST and their 95% CI half-widths per parameter."""
    problem = salib_problem(loaded.experiment)
    result = sobol_analyze.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        seed=loaded.experiment.seed,
    )
    total, first = result.to_df()
    table = first.join(total).rename_axis("parameter").reset_index()
    return table[["parameter", "S1", "S1_conf", "ST", "ST_conf"]]


def morris_rows(loaded: LoadedExperiment, design: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """mu, mu*, its 95% CI half-width and sigma per parameter."""
    experiment = loaded.experiment
    problem = salib_problem(experiment)
    x = design[list(experiment.parameters)].to_numpy(dtype=float)
    for column, parameter in enumerate(experiment.parameters.values()):
        if parameter.log:
            x[:, column] = np.log10(x[:, column])
    result = morris_analyze.analyze(
        problem,
        x,
        y,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=experiment.morris_levels,
        seed=experiment.seed,
    )
    table = result.to_df().rename_axis("parameter").reset_index()
    return table[["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]]


def top_levers(table: pd.DataFrame, output: str, n: int = 3) -> list[str]:
    """The `n` parameters with the largest total-order index (or mu*) for an output."""
    rows = table[table["output"] == output]
    column = "ST" if "ST" in rows else "mu_star"
    ranked = rows.sort_values(column, ascending=False)
    return [
        p for p, v in zip(ranked["parameter"], ranked[column], strict=True) if not math.isnan(v)
    ][:n]
