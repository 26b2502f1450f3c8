"""Fit scenario parameters to observed series by ABC-SMC (`mot calibrate series`).

Approximate Bayesian computation with sequential Monte Carlo (Toni et al. 2009, J. R. Soc.
Interface 6: 187-202), as implemented by pyabc (Schaelte et al. 2022, JOSS 7: 4304): particles
drawn from the priors are simulated, kept when their series are close enough to the data, and
moved and re-weighted generation after generation as the tolerance shrinks. The model is
stochastic and has no likelihood, which is exactly ABC's case.

- Priors: uniform on each parameter's [low, high], or log-uniform with `log = true`.
- Summary statistics: every observed value, per series and period (`sim.validation.observed`).
- Distance: the Euclidean distance with each value scaled by its median absolute deviation over
  the generation's simulations, refitted every generation (pyabc's `AdaptivePNormDistance`,
  Prangle 2017), so new customers in thousands do not drown a mean rating near 4.
- Tolerance: each generation's is the median distance of the previous one (pyabc's default).

pyabc draws particles from numpy's global generator: with one worker the fit is reproducible
from `seed`; on several workers (or Dask) each evaluation is seeded afresh by pyabc, so reruns
differ by Monte Carlo noise only.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import JourneyModel
from sim.scenario.config import with_overrides
from sim.scenario.settings import Scenario
from sim.sweep.experiment import Parameter
from sim.validation.observed import period_series

QUANTILES = (0.05, 0.5, 0.95)
"""Lower end, median and upper end of 90% credible and predictive intervals."""


@dataclass(frozen=True)
class Simulator:
    """The model as ABC sees it: parameter values in, the observed series per period out.

    Picklable (a module-level class holding a scenario), so it runs in worker processes and on
    Dask workers alike.
    """

    scenario: Scenario
    keys: tuple[str, ...]
    integer: tuple[bool, ...]
    names: tuple[str, ...]
    period_days: int
    periods: int
    scale: float

    def __call__(self, particle: dict) -> dict[str, np.ndarray]:
        """pyabc's model call: particle {"p0": ..., ...} -> series; the seed comes from numpy's
        global generator, which pyabc seeds (module docstring)."""
        values = [particle[f"p{i}"] for i in range(len(self.keys))]
        return self.run(values, int(np.random.randint(0, 2**31 - 1)))

    def run(self, values: list[float], seed: int, periods: int | None = None) -> dict:
        """The series of one run with `values` for the keys, over `periods` (default: the data's)."""
        periods = self.periods if periods is None else periods
        overrides = {
            key: round(value) if whole else float(value)
            for key, value, whole in zip(self.keys, values, self.integer, strict=True)
        }
        overrides["days"] = periods * self.period_days
        scenario = with_overrides(self.scenario, overrides, "calibration")
        model = JourneyModel(scenario, seed=seed, with_agents=False).run()
        return period_series(model.daily(), self.period_days, periods, self.names, self.scale)


def prior(parameters: dict[str, Parameter]):
    """pyabc prior: independent uniform (or log-uniform) distributions named p0, p1, ..."""
    import pyabc

    rvs = {}
    for i, parameter in enumerate(parameters.values()):
        low, high = float(parameter.low), float(parameter.high)
        if parameter.log:
            rvs[f"p{i}"] = pyabc.RV("loguniform", low, high)
        else:
            rvs[f"p{i}"] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


@dataclass
class Posterior:
    """The last generation's particles (columns = key paths) and their normalised weights."""

    samples: pd.DataFrame
    weights: np.ndarray
    generations: pd.DataFrame
    """One row per generation: tolerance, particles, simulations, acceptance rate."""

    def summary(self) -> pd.DataFrame:
        """Per parameter: weighted median and 90% credible interval (5% and 95% quantiles)."""
        from pyabc.weighted_statistics import weighted_quantile

        rows = []
        for key in self.samples:
            points = self.samples[key].to_numpy()
            low, median, high = (
                weighted_quantile(points, self.weights, alpha=q) for q in QUANTILES
            )
            rows.append(dict(parameter=key, median=median, low_90=low, high_90=high))
        return pd.DataFrame(rows)

    def draw(self, n: int, seed: int) -> np.ndarray:
        """`n` parameter sets drawn by weight (rows of `samples`)."""
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.samples.to_numpy()[rows]


def fit(
    simulator: Simulator,
    parameters: dict[str, Parameter],
    observed: dict[str, np.ndarray],
    settings,
    database: Path,
    seed: int,
    executor: Executor | None = None,
    workers: int = 1,
) -> Posterior:
    """Run ABC-SMC and return the last generation (module docstring for the choices)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # our summary replaces pyabc's chatter
    np.random.seed(seed)  # pyabc samples from numpy's global generator
    if executor is None:
        sampler = pyabc.sampler.SingleCoreSampler()
    else:
        sampler = pyabc.sampler.ConcurrentFutureSampler(executor, client_max_jobs=workers)
    distance = pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad)
    abc = pyabc.ABCSMC(
        simulator,
        prior(parameters),
        distance,
        population_size=settings.population_size,
        sampler=sampler,
    )
    abc.new(f"sqlite:///{database}", {k: np.asarray(v, float) for k, v in observed.items()})
    history = abc.run(
        max_nr_populations=settings.generations,
        min_acceptance_rate=settings.min_acceptance_rate,
    )
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    keys = list(parameters)
    samples = pd.DataFrame({key: frame[f"p{i}"].to_numpy() for i, key in enumerate(keys)})
    weights = np.asarray(weights, float) / np.sum(weights)
    return Posterior(samples, weights, generation_table(history))


def generation_table(history) -> pd.DataFrame:
    """Tolerance, simulations and acceptance rate per generation, from pyabc's history."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    particles = history.get_nr_particles_per_population()
    return pd.DataFrame(
        dict(
            generation=populations["t"].to_numpy(),
            tolerance=populations["epsilon"].to_numpy(),
            simulations=populations["samples"].to_numpy(),
            particles=[int(particles[t]) for t in populations["t"]],
            acceptance_rate=[
                int(particles[t]) / s
                for t, s in zip(populations["t"], populations["samples"], strict=True)
            ],
        )
    )


def predictive(
    simulator: Simulator,
    posterior: Posterior,
    draws: int,
    periods: int,
    seed: int,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Posterior predictive over periods 1..`periods`: `draws` parameter sets drawn from the
    posterior, each simulated once on its own seed; per series and period the median and the
    90% predictive interval. Long form: period, series, median, low_90, high_90."""
    sets = posterior.draw(draws, seed)
    seeds = np.random.SeedSequence(seed).generate_state(draws).tolist()
    jobs = [(list(values), s, periods) for values, s in zip(sets, seeds, strict=True)]
    if executor is None:
        runs = [simulator.run(*job) for job in jobs]
    else:
        runs = list(executor.map(simulator.run, *zip(*jobs, strict=True)))
    rows = []
    for name in simulator.names:
        stacked = np.vstack([run[name] for run in runs])
        low, median, high = np.quantile(stacked, QUANTILES, axis=0)
        for t in range(periods):
            rows.append((t + 1, name, median[t], low[t], high[t]))
    return pd.DataFrame(rows, columns=["period", "series", "median", "low_90", "high_90"])
