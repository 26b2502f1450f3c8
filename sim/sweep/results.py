"""The tables of a finished sweep in `results/<experiment>/`: design, runs, failures, summary.

- `design.parquet|csv`: one row per point, one column per parameter;
- `runs.parquet|csv`: tidy, one row per run and output (every KPI plus derived outputs), with
  the point's parameter values, the replication, its seed and its run key;
- `failures.csv`: runs that raised, with their error;
- `summary.csv`: per point and output, the mean over replications and its 95% t interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.reports.kpis import KPI_NAMES
from sim.reports.stats import mean_ci_by
from sim.sweep.design import POINT
from sim.sweep.experiment import LoadedExperiment
from sim.sweep.parts import RunSpec, latest_outcomes

RUN_INDEX: tuple[str, ...] = ("point", "replication", "seed", "key")


@dataclass
class SweepTables:
    """A sweep's results in memory: tidy runs, runs wide (one row per run), failures."""

    runs: pd.DataFrame
    wide: pd.DataFrame
    failures: pd.DataFrame
    summary: pd.DataFrame


def build_tables(
    loaded: LoadedExperiment, design: pd.DataFrame, specs: list[RunSpec], rows: pd.DataFrame
) -> SweepTables:
    """Tables from the part rows of this sweep's runs (rows of other sweeps are ignored)."""
    outcomes = latest_outcomes(rows, {spec.key for spec in specs})
    ok = outcomes[outcomes["status"] == "ok"]
    wide = ok.pivot(index=list(RUN_INDEX), columns="kpi", values="value").reset_index()
    wide.columns.name = None
    for name in KPI_NAMES:
        if name not in wide:
            wide[name] = pd.Series(dtype="float64")
    for name, formula in loaded.formulas.items():
        wide[name] = formula.evaluate(wide) if len(wide) else pd.Series(dtype="float64")
    wide = design.merge(wide, on=POINT, how="inner")
    wide = wide.sort_values(["point", "replication"], ignore_index=True)
    outputs = [*KPI_NAMES, *loaded.experiment.derived]
    parameters = list(loaded.experiment.parameters)
    runs = wide.melt(
        id_vars=[*RUN_INDEX, *parameters], value_vars=outputs, var_name="kpi", value_name="value"
    )
    order = {name: index for index, name in enumerate(outputs)}
    runs = runs.sort_values(
        ["point", "replication", "kpi"], key=lambda c: c.map(order) if c.name == "kpi" else c
    ).reset_index(drop=True)
    failures = outcomes[outcomes["status"] == "failed"][
        ["point", "replication", "seed", "key", "error"]
    ].sort_values(["point", "replication"], ignore_index=True)
    summary = summarize(loaded, design, wide)
    return SweepTables(runs=runs, wide=wide, failures=failures, summary=summary)


def summarize(loaded: LoadedExperiment, design: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """Per point: each output's mean over replications with its 95% t interval."""
    outputs = loaded.experiment.outputs
    if wide.empty:
        return pd.DataFrame(columns=[POINT, *outputs])
    stats = mean_ci_by(wide, POINT, outputs)
    counts = wide.groupby(POINT).size().rename("replications").reset_index()
    return design.merge(counts, on=POINT).merge(stats, on=POINT)
