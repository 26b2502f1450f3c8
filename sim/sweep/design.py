"""Experimental designs: which parameter values each point of a sweep runs.

- `grid`: every combination of the parameters' values (full factorial);
- `lhs`: a Latin hypercube (McKay, Beckman & Conover 1979) from `scipy.stats.qmc`;
- `sobol`: Saltelli's extension of the Sobol sequence (Saltelli 2002; Saltelli et al. 2010),
  N x (k + 2) points, from SALib, for first- and total-order indices;
- `morris`: Morris (1991) elementary-effect trajectories from SALib, r x (k + 1) points.

Designs are seeded from the experiment's seed, so the same file always gives the same points
(which is what lets an interrupted sweep resume).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from sim.sweep.experiment import Experiment, Parameter

POINT = "point"
"""Column naming a design point (0..n-1)."""


def salib_problem(experiment: Experiment) -> dict:
    """SALib's problem dict; log parameters are sampled on log10 bounds."""
    names = list(experiment.parameters)
    bounds = []
    for parameter in experiment.parameters.values():
        low, high = float(parameter.low), float(parameter.high)
        bounds.append([np.log10(low), np.log10(high)] if parameter.log else [low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def build_design(experiment: Experiment) -> pd.DataFrame:
    """The design table: a `point` column, then one column per parameter (key path)."""
    builders = {"grid": grid_design, "lhs": lhs_design, "sobol": sobol_design}
    builders["morris"] = morris_design
    frame = builders[experiment.design](experiment)
    frame.insert(0, POINT, np.arange(len(frame)))
    return frame


def levels(parameter: Parameter) -> list:
    """A grid parameter's values: its list, or `levels` values evenly spread over the range."""
    if parameter.values is not None:
        return list(parameter.values)
    space = np.geomspace if parameter.log else np.linspace
    values = space(parameter.low, parameter.high, parameter.levels)
    if parameter.integer:
        return sorted({int(round(v)) for v in values})
    return [float(v) for v in values]


def grid_design(experiment: Experiment) -> pd.DataFrame:
    """Every combination of the parameters' levels, the first parameter varying slowest."""
    names = list(experiment.parameters)
    combos = itertools.product(*(levels(p) for p in experiment.parameters.values()))
    return pd.DataFrame(list(combos), columns=names)


def lhs_design(experiment: Experiment) -> pd.DataFrame:
    """`samples` points of a seeded Latin hypercube over the parameters' ranges."""
    k = len(experiment.parameters)
    unit = qmc.LatinHypercube(d=k, rng=np.random.default_rng(experiment.seed)).random(
        experiment.samples
    )
    problem = salib_problem(experiment)
    low, high = np.array(problem["bounds"]).T
    return to_frame(experiment, qmc.scale(unit, low, high))


def sobol_design(experiment: Experiment) -> pd.DataFrame:
    """Saltelli's N x (k + 2) points for first- and total-order Sobol indices (no 2nd order)."""
    problem = salib_problem(experiment)
    samples = sobol_sample.sample(
        problem, experiment.samples, calc_second_order=False, seed=experiment.seed
    )
    return to_frame(experiment, samples)


def morris_design(experiment: Experiment) -> pd.DataFrame:
    """`samples` Morris trajectories of k + 1 points each on a `morris_levels` grid."""
    problem = salib_problem(experiment)
    samples = morris_sample.sample(
        problem, experiment.samples, num_levels=experiment.morris_levels, seed=experiment.seed
    )
    return to_frame(experiment, samples)


def to_frame(experiment: Experiment, samples: np.ndarray) -> pd.DataFrame:
    """Sampled columns back to parameter values: undo log10, round integers."""
    frame = pd.DataFrame(samples, columns=list(experiment.parameters))
    for name, parameter in experiment.parameters.items():
        if parameter.log:
            frame[name] = 10.0 ** frame[name]
        if parameter.integer:
            frame[name] = frame[name].round().astype(np.int64)
    return frame


def design_size(experiment: Experiment) -> int:
    """Points the design will have, without building it (for messages and tests)."""
    k = len(experiment.parameters)
    if experiment.design == "grid":
        return int(np.prod([len(levels(p)) for p in experiment.parameters.values()]))
    if experiment.design == "sobol":
        return experiment.samples * (k + 2)
    if experiment.design == "morris":
        return experiment.samples * (k + 1)
    return experiment.samples
