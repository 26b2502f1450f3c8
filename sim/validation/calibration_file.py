"""Calibration files (TOML) for `mot calibrate series`: the scenario parameters to fit and their
prior ranges, in the experiment-file syntax (`sim.sweep.experiment`).

```toml
scenario = "../scenarios/baseline.toml"   # relative to this file
[set]                                     # fixed overrides, as in experiments
"population.n_consumers" = 2000
[parameters."loyalty.p_leave_category"]   # uniform prior on [low, high]
low = 0.01
high = 0.3
[parameters."brands.focal.ad_budget"]     # log = true: uniform on the log scale
low = 10
high = 1000
log = true
[abc]
population_size = 100
generations = 6
[quick]                                   # smaller sizes for CI (--quick)
population_size = 20
```

Every error is one line naming the file and the key, like experiment files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from sim.errors import ScenarioError, describe_first_error
from sim.scenario.config import load_scenario, read_toml
from sim.scenario.settings import Scenario, Strict
from sim.sweep.experiment import Parameter, apply_set, check_parameters


class AbcSettings(Strict):
    """How hard ABC-SMC works (Toni et al. 2009; pyabc, Schaelte et al. 2022)."""

    population_size: int = Field(100, ge=5, le=100_000)
    """Particles per generation (pyabc's default, 100)."""
    generations: int = Field(6, ge=1, le=100)
    """Most generations (assumption: each shrinks the tolerance to the previous one's median
    distance, so six take it to about 1/64 of the first distances' spread)."""
    min_acceptance_rate: float = Field(0.01, gt=0.0, le=1.0)
    """Stop earlier when fewer than this share of simulations is accepted (assumption: below 1%
    each generation costs 100 simulations per particle for little gain)."""
    predictive_draws: int = Field(40, ge=5, le=10_000)
    """Posterior draws simulated for the predictive chart and `projection.csv` (assumption: the
    5% and 95% quantiles of 40 draws are rough but honest; raise it for a report)."""


class QuickAbc(Strict):
    """Smaller sizes for CI (`--quick`): each key replaces the full-size one."""

    population_size: int | None = Field(None, ge=5, le=100_000)
    generations: int | None = Field(None, ge=1, le=100)
    predictive_draws: int | None = Field(None, ge=5, le=10_000)
    set: dict[str, Any] = Field(default_factory=dict)


class CalibrationFile(Strict):
    """A calibration: base scenario, fixed overrides, parameters with prior ranges, ABC sizes."""

    name: str = Field("calibration", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    description: str = ""
    scenario: str | None = None
    """Base scenario file, relative to the calibration file (default: the settings' defaults)."""
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(min_length=1, max_length=20)
    seed: int = Field(42, ge=0, le=2**32 - 1)
    scale: float = Field(1.0, gt=0.0, le=1e9)
    """Real consumers per simulated one: simulated counts are multiplied by it before they are
    compared with the data (1: the scenario's market is the data's market)."""
    abc: AbcSettings = Field(default_factory=AbcSettings)
    quick: QuickAbc = Field(default_factory=QuickAbc)


@dataclass
class LoadedCalibration:
    """A calibration file with its base scenario resolved (fixed overrides applied)."""

    calibration: CalibrationFile
    scenario: Scenario
    path: Path
    scenario_path: Path | None

    @property
    def keys(self) -> list[str]:
        """The parameters' key paths, in the file's order."""
        return list(self.calibration.parameters)


def load_calibration(path: str | Path, quick: bool = False) -> LoadedCalibration:
    """Read and check a calibration file (with its `[quick]` sizes if `quick`)."""
    path = Path(path)
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    try:
        calibration = CalibrationFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {describe_first_error(exc)}") from None
    if quick:
        calibration = apply_quick(calibration)
    scenario_path = None
    base = Scenario()
    if calibration.scenario is not None:
        scenario_path = path.parent / calibration.scenario
        if not scenario_path.is_file():
            raise ScenarioError(f"{path}: scenario: no such file {calibration.scenario}")
        base = load_scenario(scenario_path)
    base = apply_set(base, calibration.set, path)
    check_ranges(path, calibration)
    check_parameters(_AsExperiment(calibration, base, path))  # keys exist, ends are accepted
    return LoadedCalibration(calibration, base, path, scenario_path)


def apply_quick(calibration: CalibrationFile) -> CalibrationFile:
    """The calibration with its `[quick]` keys replacing the full-size ones."""
    quick = calibration.quick
    sizes = {
        key: value
        for key in ("population_size", "generations", "predictive_draws")
        if (value := getattr(quick, key)) is not None
    }
    abc = calibration.abc.model_copy(update=sizes)
    return calibration.model_copy(update={"abc": abc, "set": {**calibration.set, **quick.set}})


def check_ranges(path: Path, calibration: CalibrationFile) -> None:
    """A prior needs a range: `values = [...]` lists are for sweeps."""
    for key, parameter in calibration.parameters.items():
        if parameter.values is not None:
            raise ScenarioError(
                f"{path}: parameters.{key}: a calibration needs a prior range (low and high), "
                "not values"
            )


@dataclass
class _AsExperiment:
    """What `sim.sweep.experiment.check_parameters` reads, from a calibration."""

    calibration: CalibrationFile
    scenario: Scenario
    path: Path

    @property
    def experiment(self) -> _AsExperiment:
        return self

    @property
    def parameters(self) -> dict[str, Parameter]:
        return self.calibration.parameters

    design = "lhs"
