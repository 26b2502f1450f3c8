"""`mot calibrate series`: fit scenario parameters to observed series and project them.

Reads the data (`sim.validation.observed`) and the calibration file
(`sim.validation.calibration_file`), fits by ABC-SMC (`sim.validation.abc_fit`), simulates the
posterior predictive over the data and up to `--project-to`, and writes one folder, complete or
not at all (`atomic_folder`; pyabc's database lives inside it, so an interrupted fit leaves
nothing):

- `posterior.csv`, `posterior.parquet`: the last generation's particles and weights;
  `posterior_summary.csv`: median and 90% credible interval per parameter; `pairs.png`;
- `calibrated.toml`: extends the base scenario with the fixed overrides and posterior medians;
- `predictive.csv` (every period), `projection.csv` (periods beyond the data: projected value
  and 90% predictive interval), `posterior_predictive.png`;
- `generations.csv` (tolerance, simulations, acceptance per generation), `abc.db` (pyabc's
  SQLite history), `fit.json`, copies of the data and calibration file, `manifest.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import UsageError
from sim.reports import store
from sim.reports.charts import save, style
from sim.sweep.executors import ExecutorChoice, open_executor
from sim.validation.abc_fit import Posterior, Simulator, fit, predictive
from sim.validation.calibration_file import LoadedCalibration, load_calibration
from sim.validation.observed import SERIES, Observed, read_observed_csv

MAX_DAYS = 3650
"""Longest simulated window (`Scenario.days` allows at most 3,650 days)."""


@dataclass
class SeriesOptions:
    """What `mot calibrate series` was asked for."""

    period_days: int
    project_to: int | None = None
    quick: bool = False
    executor: ExecutorChoice | None = None
    """None: one process, reproducible from the seed."""
    seed: int | None = None
    """Overrides the calibration file's seed."""


@dataclass
class SeriesResult:
    """What the command prints."""

    posterior: Posterior
    projection: pd.DataFrame
    folder: Path


def calibrate_series(
    data_path: Path, calibration_path: Path, out: Path, options: SeriesOptions, argv: list[str]
) -> SeriesResult:
    """Check everything, fit, simulate the predictive, and write the folder (module docstring)."""
    observed = read_observed_csv(data_path)
    loaded = load_calibration(calibration_path, quick=options.quick)
    horizon = checked_horizon(observed, options)
    simulator = make_simulator(loaded, observed, options.period_days)
    seed = loaded.calibration.seed if options.seed is None else options.seed
    started = store.started_now()
    with store.atomic_folder(Path(out)) as folder, executor_for(options) as executor:
        workers = options.executor.workers if options.executor else 1
        posterior = fit(
            simulator,
            loaded.calibration.parameters,
            observed.series,
            loaded.calibration.abc,
            folder / "abc.db",
            seed,
            executor,
            workers,
        )
        draws = loaded.calibration.abc.predictive_draws
        table = predictive(simulator, posterior, draws, horizon, seed, executor)
        table = with_data(table, observed)
        write_outputs(folder, loaded, observed, posterior, table, options)
        store.write_manifest(
            folder,
            scenario_files=[loaded.scenario_path] if loaded.scenario_path else [],
            seeds=[seed],
            argv=argv,
            started=started,
            finished=store.started_now(),
            extra=dict(executor=options.executor.describe() if options.executor else "1 process"),
        )
    return SeriesResult(posterior, projection_rows(table, observed.periods), Path(out))


def checked_horizon(observed: Observed, options: SeriesOptions) -> int:
    """Last period simulated: the data's, or `--project-to` (at least the data's)."""
    horizon = observed.periods if options.project_to is None else options.project_to
    if horizon < observed.periods:
        raise UsageError(
            f"--project-to: must be at least the data's last period ({observed.periods}), "
            f"got {horizon}"
        )
    if horizon * options.period_days > MAX_DAYS:
        raise UsageError(
            f"--period-days x periods: {horizon} periods of {options.period_days} days exceed "
            f"the longest simulation ({MAX_DAYS} days)"
        )
    return horizon


def make_simulator(loaded: LoadedCalibration, observed: Observed, period_days: int) -> Simulator:
    """The model ABC runs: the calibration's scenario, its parameters, the data's series."""
    parameters = loaded.calibration.parameters
    return Simulator(
        scenario=loaded.scenario,
        keys=tuple(parameters),
        integer=tuple(p.integer for p in parameters.values()),
        names=tuple(observed.series),
        period_days=period_days,
        periods=observed.periods,
        scale=loaded.calibration.scale,
    )


@contextlib.contextmanager
def executor_for(options: SeriesOptions) -> Iterator[Executor | None]:
    """`mot sweep`'s executors (local processes or Dask), or None for one process."""
    if options.executor is None:
        yield None
        return
    with open_executor(options.executor) as executor:
        yield executor


def with_data(table: pd.DataFrame, observed: Observed) -> pd.DataFrame:
    """The predictive table with the observed value beside each period of the data."""
    data = [
        observed.series[name][period - 1] if period <= observed.periods else np.nan
        for period, name in zip(table["period"], table["series"], strict=True)
    ]
    return table.assign(data=data)


def projection_rows(table: pd.DataFrame, periods: int) -> pd.DataFrame:
    """projection.csv: periods beyond the data, projected value (median) and 90% interval."""
    beyond = table[table["period"] > periods]
    frame = beyond[["period", "series", "median", "low_90", "high_90"]]
    return frame.rename(columns={"median": "projected"}).reset_index(drop=True)


def write_outputs(
    folder: Path,
    loaded: LoadedCalibration,
    observed: Observed,
    posterior: Posterior,
    table: pd.DataFrame,
    options: SeriesOptions,
) -> None:
    """Every file of the folder but the manifest and pyabc's database."""
    samples = posterior.samples.assign(weight=posterior.weights)
    store.write_table(samples, folder, "posterior")
    summary = posterior.summary()
    store.write_table(summary, folder, "posterior_summary", parquet=False)
    store.write_table(posterior.generations, folder, "generations", parquet=False)
    store.write_table(table, folder, "predictive", parquet=False)
    store.write_table(projection_rows(table, observed.periods), folder, "projection", parquet=False)
    medians = dict(zip(summary["parameter"], summary["median"], strict=True))
    store.write_text(folder / "calibrated.toml", calibrated_toml(loaded, medians, folder))
    store.write_json(folder / "fit.json", fit_json(loaded, observed, posterior, options))
    for source, name in ((observed.path, "data.csv"), (loaded.path, "calibration.toml")):
        store.write_text(folder / name, Path(source).read_text(encoding="utf-8"))
    with style():
        save(pair_plot(posterior, loaded), folder / "pairs.png")
        save(
            predictive_chart(table, observed.periods, options.period_days),
            folder / "posterior_predictive.png",
        )


def fit_json(
    loaded: LoadedCalibration, observed: Observed, posterior: Posterior, options: SeriesOptions
) -> dict:
    """The fit's settings and results in one JSON."""
    return dict(
        series={name: SERIES[name] for name in observed.series},
        periods=observed.periods,
        period_days=options.period_days,
        scale=loaded.calibration.scale,
        abc=loaded.calibration.abc.model_dump(),
        priors={
            k: p.model_dump(exclude_none=True) for k, p in loaded.calibration.parameters.items()
        },
        posterior=posterior.summary().to_dict(orient="records"),
        generations=posterior.generations.to_dict(orient="records"),
    )


def calibrated_toml(loaded: LoadedCalibration, medians: dict[str, float], folder: Path) -> str:
    """A scenario extending the base one, with the fixed overrides and the posterior medians.

    `folder` is the hidden sibling of the final folder (`atomic_folder`), at the same depth, so
    the relative `extends` path holds after the rename.
    """
    values: dict[str, object] = dict(loaded.calibration.set)
    for key, parameter in loaded.calibration.parameters.items():
        values[key] = round(medians[key]) if parameter.integer else float(medians[key])
    lines = [
        f"# Calibrated by `mot calibrate series` ({loaded.path.name}): posterior medians of "
        f"{', '.join(loaded.keys)}",
    ]
    if loaded.scenario_path is not None:
        base = os.path.relpath(loaded.scenario_path.resolve(), folder.resolve())
        lines.append(f"extends = {json.dumps(base)}")
    lines.append(f"name = {json.dumps(loaded.calibration.name + '_calibrated')}")
    return "\n".join(lines + toml_tables(values)) + "\n"


def toml_tables(values: dict[str, object]) -> list[str]:
    """Dotted key paths and scalar values as TOML tables ([a.b] then key = value)."""
    tables: dict[str, list[str]] = {}
    for dotted, value in flatten(values).items():
        table, _, key = dotted.rpartition(".")
        tables.setdefault(table, []).append(f"{toml_key(key)} = {toml_value(value)}")
    lines = tables.pop("", [])
    for table, entries in tables.items():
        lines += ["", f"[{'.'.join(toml_key(part) for part in table.split('.'))}]", *entries]
    return lines


def flatten(values: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested tables given as values ({"a": {"b": 1}}) as dotted keys ({"a.b": 1})."""
    flat: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def toml_key(key: str) -> str:
    """A bare TOML key where allowed (letters, digits, _ and -), else a quoted one."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_value(value: object) -> str:
    """A TOML value: true/false, a number, a list, or a quoted string (JSON quoting is valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value))


def pair_plot(posterior: Posterior, loaded: LoadedCalibration, truth: dict | None = None) -> Figure:
    """pyabc's KDE matrix of the posterior on the prior ranges (truth marked when known)."""
    from pyabc.visualization import plot_kde_matrix

    keys = loaded.keys
    k = len(keys)
    fig = Figure(figsize=(2.6 * k + 1.5, 2.6 * k + 1))
    axes = np.asarray(fig.subplots(k, k, squeeze=False))
    limits = {key: (p.low, p.high) for key, p in loaded.calibration.parameters.items()}
    plot_kde_matrix(
        posterior.samples,
        posterior.weights,
        limits=limits,
        colorbar=False,
        arr_ax=axes,
        refval=truth,
    )
    fig.subplots_adjust(top=0.9)
    fig.suptitle("Posterior (ABC-SMC, last generation): densities and pairs", fontweight="bold")
    return fig


def predictive_chart(table: pd.DataFrame, periods: int, period_days: int) -> Figure:
    """Per series: the data, the posterior predictive median and 90% band, the projection."""
    names = list(dict.fromkeys(table["series"]))
    fig = Figure(figsize=(10, 3.2 * len(names) + 0.6))
    axes = np.atleast_1d(fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0])
    for ax, name in zip(axes, names, strict=True):
        part = table[table["series"] == name]
        ax.fill_between(
            part["period"],
            part["low_90"],
            part["high_90"],
            color="#1f77b4",
            alpha=0.25,
            label="90% predictive interval",
        )
        ax.plot(
            part["period"],
            part["median"],
            "-",
            color="#1f77b4",
            label="posterior predictive median",
        )
        ax.plot(part["period"], part["data"], "ko", markersize=5, label="data")
        if part["period"].max() > periods:
            ax.axvspan(periods + 0.5, part["period"].max() + 0.5, color="0.92", zorder=0)
        ax.set_ylabel(name.replace("_", " "))
    axes[0].set_title(
        "Data vs the calibrated model (posterior predictive); shaded: projection",
        loc="left",
        fontweight="bold",
    )
    axes[0].legend(loc="best")
    axes[-1].set_xlabel(f"period ({period_days} days each)")
    return fig
