"""Comparisons whose CIs include parameter uncertainty: `mot compare --posterior FILE`.

A posterior (`posterior.csv` or `.parquet` from `mot calibrate series`: one column per scenario
key path, plus `weight`) says which settings the data leave plausible. Replication i draws one
parameter set from it, by weight, and every scenario of the comparison runs replication i with
that same set on the same seed, so the pair still differs only by the strategy: the paired
differences now vary with the parameters as well as with the seed, and their CIs include what the
data leave unknown (a Monte Carlo estimate of the posterior-predictive distribution of the
difference, as in probabilistic sensitivity analysis; Briggs, Claxton & Sculpher 2006, ch. 4).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, UsageError
from sim.scenario.config import read_bounded, with_overrides
from sim.scenario.settings import Scenario

MAX_POSTERIOR_BYTES = 200_000_000
"""Largest posterior file read (200 MB: millions of particles; a posterior of 100-10,000 rows is
well under 1 MB); reading is bounded, so `/dev/zero` is refused too."""
DRAW_STREAM = 1_414
"""Mixed into the base seed for the posterior draws, so they do not reuse the replications'
seed stream (any fixed number; assumption)."""


@dataclass
class PosteriorDraws:
    """Parameter sets drawn from a posterior: row i is replication i's."""

    path: Path
    keys: list[str]
    values: np.ndarray

    def overrides(self, replication: int) -> dict[str, float]:
        """Replication i's parameter set as scenario overrides."""
        return dict(zip(self.keys, self.values[replication].tolist(), strict=True))


def read_posterior(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(keys, values, normalised weights) from a posterior CSV or Parquet file; bad input is
    a one-line `UsageError` naming the file and the column."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--posterior: {path}: no such file")
    try:
        data = read_bounded(path, MAX_POSTERIOR_BYTES, "a posterior file")
        frame = (
            pd.read_parquet(io.BytesIO(data))
            if path.suffix == ".parquet"
            else pd.read_csv(io.BytesIO(data))
        )
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise UsageError(f"{path}: cannot read a posterior table: {exc}".splitlines()[0]) from None
    keys = [str(c) for c in frame.columns if c != "weight"]
    if "weight" not in frame.columns or not keys or frame.empty:
        raise UsageError(f"{path}: expected columns <scenario key>..., weight and one row or more")
    values, weights = numbers(path, frame, keys), numbers(path, frame, ["weight"])[:, 0]
    if np.any(weights < 0) or not weights.sum() > 0:
        raise UsageError(f"{path}: weight: must be >= 0 with a positive sum")
    return keys, values, weights / weights.sum()


def numbers(path: Path, frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as finite floats, or a one-line error naming the first bad one."""
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise UsageError(
                f"{path}: {column}: row {bad[0] + 2} must be a finite number, "
                f"got {frame[column].iloc[bad[0]]!r}"
            )
    return frame[columns].to_numpy(float)


def draw_posterior(
    path: Path, scenarios: list[Scenario], replications: int, seed: int
) -> PosteriorDraws:
    """One parameter set per replication, drawn by weight; every scenario must accept each key
    (checked now, so a bad key stops the comparison before its first run)."""
    keys, values, weights = read_posterior(path)
    rng = np.random.default_rng([seed, DRAW_STREAM])
    draws = PosteriorDraws(
        Path(path), keys, values[rng.choice(len(weights), replications, p=weights)]
    )
    for scenario in scenarios:
        for replication in range(replications):
            apply_draw(scenario, draws, replication)
    return draws


def apply_draw(scenario: Scenario, draws: PosteriorDraws, replication: int) -> Scenario:
    """The scenario with replication i's parameter set (whole-number settings rounded)."""
    current = scenario.model_dump()
    overrides = {}
    for key, value in draws.overrides(replication).items():
        setting = lookup(current, key)
        whole = isinstance(setting, int) and not isinstance(setting, bool)
        overrides[key] = round(value) if whole and math.isfinite(value) else value
    try:
        return with_overrides(scenario, overrides, str(draws.path))
    except ScenarioError as exc:
        raise UsageError(f"--posterior: {exc}") from None


def lookup(settings: dict, dotted: str) -> object:
    """The value at a dotted key path, or None where the path does not exist."""
    node: object = settings
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def simulate_with_posterior(
    scenarios: list[Scenario], seeds: list[int], draws: PosteriorDraws, workers: int, quiet: bool
) -> list[dict]:
    """`sim.comparison.runs.simulate`, with replication i of every scenario on draw i."""
    from sim.comparison.runs import simulate

    return simulate(scenarios, seeds, workers, quiet, lambda s, i: apply_draw(s, draws, i))
