"""Experiment files (TOML): which scenario keys to vary, how, and what to record and draw.

An experiment names a base scenario (a path relative to the experiment file), fixed overrides
(`[set]`), the parameters to vary (any scenario key path, values or a range), the design, the
replications per point, the KPIs to record, derived outputs and the charts. A `[quick]` table
shrinks it for CI (`mot sweep --quick`). Every error is one line naming the file and the key:
``experiments/x.toml: parameters.foo.bar: unknown key 'foo'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError, describe_first_error
from sim.reports.kpis import DEPRECATED_NAMES, KPI_NAMES, resolve_name
from sim.scenario.config import load_scenario, read_toml, with_overrides
from sim.scenario.settings import Scenario, Strict
from sim.sweep.formula import Formula, FormulaError, parse_formula

Value = bool | int | float | str


class Parameter(Strict):
    """One scenario key to vary: a list of `values`, or a range `low`..`high`."""

    values: list[Value] | None = None
    """Explicit values (grid designs only)."""
    low: float | None = None
    high: float | None = None
    levels: int = Field(5, ge=2, le=1000)
    """Grid designs: evenly spaced levels between low and high (assumption: 5 shows a curve)."""
    integer: bool = False
    """Round sampled values to whole numbers (days, counts)."""
    log: bool = False
    """Space levels and samples evenly on a log scale (needs low > 0): ratios such as 3 vs 3,000."""
    label: str | None = None
    """Axis label in charts (default: the key path)."""

    @field_validator("values")
    @classmethod
    def _one_kind_of_value(cls, values: list[Value] | None) -> list[Value] | None:
        """Values of one kind only: a key takes numbers, or switches, or names, never a mix
        (`[40.0, "cheap"]` would otherwise fail run by run, after the sweep has started)."""
        kinds = {value_kind(value) for value in values or []}
        if len(kinds) > 1:
            raise ValueError(f"values mix {' and '.join(sorted(kinds))}: {values!r}")
        return values

    @model_validator(mode="after")
    def _values_or_range(self) -> Parameter:
        has_range = self.low is not None and self.high is not None
        if (self.values is None) == (not has_range):
            raise ValueError("give either values = [...] or both low and high")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if has_range and not self.low < self.high:
            raise ValueError(f"low must be < high, got {self.low} and {self.high}")
        if self.log and has_range and self.low <= 0:
            raise ValueError(f"log ranges need low > 0, got {self.low}")
        return self


def value_kind(value: Value) -> str:
    """`numbers`, `booleans` or `text`: booleans are not numbers, whole and decimal numbers mix."""
    if isinstance(value, bool):
        return "booleans"
    return "text" if isinstance(value, str) else "numbers"


class Chart(Strict):
    """A chart request: `line` (KPI vs parameter, 95% CI band, optional `hue` parameter),
    `heatmap` (mean KPI over two parameters), `sobol` or `morris` (sensitivity indices)."""

    kind: Literal["line", "heatmap", "sobol", "morris"]
    y: str
    """An output (KPI name or derived output)."""
    x: str | None = None
    """line, heatmap: the parameter on the x axis."""
    hue: str | None = None
    """line: one curve per value of this parameter; heatmap: the y-axis parameter."""
    log_x: bool = False
    title: str | None = None


class Quick(Strict):
    """Smaller sizes for CI (`--quick`): each key replaces the full-size one."""

    replications: int | None = Field(None, ge=1, le=1000)
    samples: int | None = Field(None, ge=1)
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(default_factory=dict)


class Experiment(Strict):
    """A sweep: the base scenario, the parameters, the design and the outputs."""

    name: str = Field("experiment", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    description: str = ""
    scenario: str | None = None
    """Base scenario file, relative to the experiment file (default: the settings' defaults)."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Fixed overrides of the base scenario (dotted key paths)."""
    parameters: dict[str, Parameter]
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int = Field(32, ge=1, le=1_000_000)
    """lhs: points; sobol: base samples N (N x (k+2) points); morris: trajectories (assumption)."""
    morris_levels: int = Field(4, ge=2, le=100)
    """Morris grid levels (Saltelli et al. 2004 recommend 4)."""
    replications: int = Field(1, ge=1, le=1000)
    seed: int = Field(42, ge=0)
    outputs: list[str] = Field(min_length=1)
    derived: dict[str, str] = Field(default_factory=dict)
    """Outputs computed per run from KPIs, e.g. "a / b" (the language of `sim.sweep.formula`)."""
    charts: list[Chart] = Field(default_factory=list)
    quick: Quick = Field(default_factory=Quick)


@dataclass
class LoadedExperiment:
    """An experiment with its base scenario resolved (fixed overrides applied)."""

    experiment: Experiment
    scenario: Scenario
    path: Path
    scenario_path: Path | None
    formulas: dict[str, Formula] = field(default_factory=dict)
    """The derived outputs, checked (filled by `check_outputs`)."""

    @property
    def source(self) -> str:
        """The file name used in error messages."""
        return str(self.path)

    def label(self, name: str) -> str:
        """Chart label of a parameter or output."""
        parameter = self.experiment.parameters.get(name)
        return parameter.label if parameter is not None and parameter.label else name


def load_experiment(path: str | Path, quick: bool = False) -> LoadedExperiment:
    """Read and validate an experiment file (with its `[quick]` sizes if `quick`)."""
    path = Path(path)
    raw = read_toml(path)
    raw.setdefault("name", path.stem)
    try:
        experiment = Experiment.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {describe_first_error(exc)}") from None
    if quick:
        experiment = apply_quick(experiment)
    experiment = upgrade_kpi_names(experiment, path)
    scenario_path = None
    if experiment.scenario is not None:
        scenario_path = path.parent / experiment.scenario
        if not scenario_path.is_file():
            raise ScenarioError(f"{path}: scenario: no such file {experiment.scenario}")
        base = load_scenario(scenario_path)
    else:
        base = Scenario()
    base = apply_set(base, experiment.set, path)
    loaded = LoadedExperiment(experiment, base, path, scenario_path)
    check_parameters(loaded)
    check_outputs(loaded)
    check_charts(loaded)
    return loaded


def upgrade_kpi_names(experiment: Experiment, path: Path) -> Experiment:
    """The experiment with deprecated KPI names (`sim.reports.kpis.DEPRECATED_NAMES`) replaced by
    their successors in outputs, charts and derived formulas, warning once for each."""
    outputs = [resolve_name(n, f"{path}: outputs.{i}") for i, n in enumerate(experiment.outputs)]
    charts = [
        chart.model_copy(update={"y": resolve_name(chart.y, f"{path}: charts.{i}.y")})
        for i, chart in enumerate(experiment.charts)
    ]
    derived = {
        name: upgrade_formula(expression, f"{path}: derived.{name}")
        for name, expression in experiment.derived.items()
    }
    update = {"outputs": list(dict.fromkeys(outputs)), "charts": charts, "derived": derived}
    return experiment.model_copy(update=update)


def upgrade_formula(expression: str, where: str) -> str:
    """A derived formula with deprecated KPI names replaced (a warning for each)."""
    return OLD_NAME.sub(lambda match: resolve_name(match.group(0), where), expression)


OLD_NAME = re.compile(r"\b(" + "|".join(map(re.escape, DEPRECATED_NAMES)) + r")\b")
"""A deprecated KPI name as a whole word inside a derived formula."""


def apply_quick(experiment: Experiment) -> Experiment:
    """The experiment with its `[quick]` keys replacing the full-size ones."""
    quick = experiment.quick
    update: dict[str, Any] = {"set": {**experiment.set, **quick.set}}
    update["parameters"] = {**experiment.parameters, **quick.parameters}
    if quick.replications is not None:
        update["replications"] = quick.replications
    if quick.samples is not None:
        update["samples"] = quick.samples
    return experiment.model_copy(update=update)


def apply_set(base: Scenario, overrides: dict[str, Any], path: Path) -> Scenario:
    """The base scenario with the fixed overrides, errors named `set.<key>`."""
    try:
        return with_overrides(base, overrides, source="\0")
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: set.{str(exc).removeprefix(chr(0) + ': ')}") from None


def check_parameters(loaded: LoadedExperiment) -> None:
    """Every parameter key path exists and accepts each of its values (or `low` and `high`),
    so a bad value stops the sweep before its first run, not as failed runs afterwards."""
    experiment, path = loaded.experiment, loaded.path
    for dotted, parameter in experiment.parameters.items():
        for value in values_to_check(parameter):
            try:
                with_overrides(loaded.scenario, {dotted: value}, source="\0")
            except ScenarioError as exc:
                message = str(exc).removeprefix("\0: ")
                if not message.startswith(dotted):
                    message = f"{dotted}: {message}"
                raise ScenarioError(f"{path}: parameters.{message}") from None
        if experiment.design != "grid" and parameter.values is not None:
            raise ScenarioError(
                f"{path}: parameters.{dotted}: a {experiment.design} design needs low and high"
            )


def values_to_check(parameter: Parameter) -> list[Value]:
    """A parameter's listed values, or the ends of its range (rounded if `integer`)."""
    if parameter.values is not None:
        return list(parameter.values)
    ends = [parameter.low, parameter.high]
    return [round(end) if parameter.integer else end for end in ends if end is not None]


def check_outputs(loaded: LoadedExperiment) -> None:
    """Outputs are KPI names or derived outputs; derived expressions are checked, never run.

    A derived output may use KPI names and the derived outputs listed before it.
    """
    experiment, path = loaded.experiment, loaded.path
    known = list(KPI_NAMES)
    for name, expression in experiment.derived.items():
        if name in KPI_NAMES:
            raise ScenarioError(f"{path}: derived.{name}: already a KPI name")
        try:
            loaded.formulas[name] = parse_formula(expression, known)
        except FormulaError as exc:
            raise ScenarioError(f"{path}: derived.{name}: {exc}") from None
        known.append(name)
    for index, name in enumerate(experiment.outputs):
        if name not in KPI_NAMES and name not in experiment.derived:
            raise ScenarioError(
                f"{path}: outputs.{index}: unknown KPI {name!r} (see sim.reports.kpis.KPI_NAMES)"
            )


def check_charts(loaded: LoadedExperiment) -> None:
    """Chart requests name outputs and parameters of this experiment and fit its design."""
    experiment, path = loaded.experiment, loaded.path
    outputs = set(experiment.outputs)
    for index, chart in enumerate(experiment.charts):
        where = f"{path}: charts.{index}"
        if chart.y not in outputs:
            raise ScenarioError(f"{where}.y: {chart.y!r} is not in outputs")
        for key in ("x", "hue"):
            value = getattr(chart, key)
            if value is not None and value not in experiment.parameters:
                raise ScenarioError(f"{where}.{key}: {value!r} is not a parameter")
        needs_x = chart.kind in ("line", "heatmap")
        if needs_x and chart.x is None:
            raise ScenarioError(f"{where}.x: a {chart.kind} chart needs x")
        if chart.kind == "heatmap" and chart.hue is None:
            raise ScenarioError(f"{where}.hue: a heatmap needs hue (its y-axis parameter)")
        if chart.kind in ("sobol", "morris") and chart.kind != experiment.design:
            raise ScenarioError(f"{where}.kind: {chart.kind} charts need design = {chart.kind!r}")
