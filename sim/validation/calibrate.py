"""Calibrate the model's churn to a user's cohort survival curve (`mot calibrate retention`).

The user gives a CSV of (period, customers alive) for one cohort, period 0 first, and a
scenario. The shifted-beta-geometric curve (Fader & Hardie 2007) is fitted by maximum likelihood
on the first `fit_periods` periods; its Beta(a, b) becomes the model's heterogeneous churn
(`loyalty.p_leave_category` = a/(a+b), `loyalty.leave_polarisation` = 1/(a+b+1)), with one period
of the data (`period_days`, which the user states: nothing in a survival curve says whether its
periods are months or years) = one renewal cycle (`loyalty.fixed_cycle`,
`loyalty.repurchase_days`). The model is then run with those settings in the subscription
reduction (`sim.validation.retention`) and compared with every period of the data, fitted and
held out, and projected from the last fitted period to `project_to` with a 90% predictive
interval (`sim.validation.projection`).
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError, UsageError
from sim.reports.charts import save, style
from sim.reports.store import atomic_folder, write_json, write_text
from sim.scenario.config import load_scenario, read_bounded, with_overrides
from sim.validation.projection import Projection, chart_with_projection, project
from sim.validation.retention import RetentionFit, fit_and_simulate, mean_polarisation

MAX_CSV_BYTES = 50_000_000
"""Largest survival CSV read (50 MB): a cohort curve has tens of rows, so anything this big is
not one; reading is bounded, so `/dev/zero` is refused too."""


@dataclass
class SurvivalData:
    """A cohort survival curve: customers alive at periods 0, 1, 2, ..."""

    path: Path
    alive: np.ndarray

    def __repr__(self) -> str:
        return f"SurvivalData({self.path}, {len(self.alive)} periods)"


def read_survival_csv(path: Path) -> SurvivalData:
    """Read `period,alive` rows (a header line is allowed); periods must be 0, 1, 2, ... and the
    counts positive and never rising. Errors are one line naming the file and the row."""
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise UsageError(f"{path}: no such file")
    rows = read_rows(path)
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    alive = []
    for line, row in enumerate(rows, start=1):
        if len(row) < 2 or not _is_number(row[0]) or not _is_number(row[1]):
            raise UsageError(f"{path}: row {line}: expected 'period,customers alive', got {row!r}")
        period, count = float(row[0]), float(row[1])
        if not (math.isfinite(period) and math.isfinite(count)):
            raise UsageError(
                f"{path}: row {line}: period and customers alive must be finite numbers, "
                f"got {row[0].strip()!r} and {row[1].strip()!r}"
            )
        if period != len(alive):
            raise UsageError(f"{path}: row {line}: periods must be 0, 1, 2, ... in order")
        alive.append(count)
    alive = np.array(alive)
    if len(alive) < 3:
        raise UsageError(f"{path}: need at least periods 0, 1 and 2, got {len(alive)} rows")
    if alive[0] <= 0 or np.any(alive < 0) or np.any(np.diff(alive) > 0):
        raise UsageError(f"{path}: customers alive must start positive and never rise")
    return SurvivalData(path, alive)


def read_rows(path: Path) -> list[list[str]]:
    """The file's non-blank CSV rows, read with a size limit (`MAX_CSV_BYTES`)."""
    try:
        text = read_bounded(path, MAX_CSV_BYTES, "a CSV file").decode("utf-8")
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [row for row in reader if row and any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise UsageError(f"{path}: malformed CSV: {exc}") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def calibrated_toml(
    scenario_path: Path, out_file: Path, fit: RetentionFit, period_days: float
) -> str:
    """A scenario file that extends the user's and sets the fitted churn settings, with one
    renewal cycle = one period of the data (`period_days`)."""
    mean, polarisation = mean_polarisation(fit.a, fit.b)
    base = os.path.relpath(Path(scenario_path).resolve(), Path(out_file).resolve().parent)
    return (
        f"# Calibrated by `mot calibrate retention` to {fit.alive[0]:.0f} customers over "
        f"{len(fit.alive) - 1} periods of {period_days:g} days\n"
        f"# (fitted on periods 1-{fit.fit_periods}): shifted-beta-geometric a = {fit.a:.4f}, "
        f"b = {fit.b:.4f} (Fader & Hardie 2007).\n"
        f'extends = "{base}"\n\n[loyalty]\n'
        f"# one period of the data ({period_days:g} days) = one renewal cycle: the need recurs\n"
        "# repurchase_days after the rebuy, and the rebuy takes a day\n"
        f"repurchase_days = {renewal_setting(period_days):.1f}\nfixed_cycle = true\n"
        f"# mean chance of leaving at a renewal, a / (a + b)\np_leave_category = {mean:.6f}\n"
        f"# polarisation 1 / (a + b + 1): how much customers differ\n"
        f"leave_polarisation = {polarisation:.6f}\n"
    )


def renewal_setting(period_days: float) -> float:
    """`loyalty.repurchase_days` that renews every `period_days`: with `fixed_cycle` the need
    recurs `repurchase_days` after the rebuy, which happens the day after the renewal
    (`sim.validation.retention.renewal_day`), so a cycle lasts repurchase_days + 1 days."""
    return period_days - 1


def calibrate_retention(
    data_path: Path,
    scenario_path: Path,
    out: Path,
    options: RetentionOptions,
) -> tuple[RetentionFit, Projection, list[Path]]:
    """Fit, simulate, project and write `calibrated.toml`, `fit.csv`, `fit.json`,
    `projection.csv` and `retention_fit.png` (all or none: `atomic_folder`)."""
    data = read_survival_csv(data_path)
    base = load_scenario(scenario_path)
    periods = len(data.alive) - 1
    fit_periods = options.checked_fit_periods(periods)
    horizon = options.checked_horizon(periods)
    fit = fit_and_simulate(data.alive, fit_periods, options.customers, options.seed, horizon)
    projection = project(data.alive, fit_periods, fit.model_share, horizon, options.seed)
    toml = calibrated_toml(scenario_path, Path(out) / "calibrated.toml", fit, options.period_days)
    mean, polarisation = mean_polarisation(fit.a, fit.b)
    with_overrides(
        base,
        {
            "loyalty.p_leave_category": mean,
            "loyalty.leave_polarisation": polarisation,
            "loyalty.repurchase_days": renewal_setting(options.period_days),
        },
        str(scenario_path),
    )
    with atomic_folder(Path(out)) as folder:
        write_retention_files(folder, fit, projection, toml, options)
    names = ("calibrated.toml", "fit.csv", "fit.json", "projection.csv", "retention_fit.png")
    return fit, projection, [Path(out) / name for name in names]


@dataclass
class RetentionOptions:
    """What `mot calibrate retention` was asked for (checked against the data's length)."""

    period_days: float
    fit_periods: int | None = None
    project_to: int | None = None
    customers: int = 20_000
    seed: int = 7

    def checked_fit_periods(self, periods: int) -> int:
        """Periods fitted: all by default, else 2..periods."""
        fit_periods = periods if self.fit_periods is None else self.fit_periods
        if not 2 <= fit_periods <= periods:
            raise UsageError(f"--fit-periods: must be between 2 and {periods}, got {fit_periods}")
        return fit_periods

    def checked_horizon(self, periods: int) -> int:
        """Last period projected: the data's last by default, else at least that."""
        horizon = periods if self.project_to is None else self.project_to
        if horizon < periods:
            raise UsageError(
                f"--project-to: must be at least the data's last period ({periods}), got {horizon}"
            )
        return horizon


def write_retention_files(
    folder: Path, fit: RetentionFit, projection: Projection, toml: str, options: RetentionOptions
) -> None:
    """The files of `mot calibrate retention` into `folder`."""
    write_text(folder / "calibrated.toml", toml)
    write_csv(folder / "fit.csv", fit.table())
    write_csv(folder / "projection.csv", projection.rows())
    mean, polarisation = mean_polarisation(fit.a, fit.b)
    write_json(
        folder / "fit.json",
        dict(
            a=fit.a,
            b=fit.b,
            p_leave_category=mean,
            leave_polarisation=polarisation,
            period_days=options.period_days,
            repurchase_days=renewal_setting(options.period_days),
            fit_periods=fit.fit_periods,
            rows=fit.table(),
            projection=projection.rows(),
        ),
    )
    with style():
        title = f"Retention: data vs model (fitted on periods 1-{fit.fit_periods})"
        save(chart_with_projection(fit, projection, title), folder / "retention_fit.png")


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows of one flat dict each as a CSV with a header (None -> empty cell)."""
    header = ",".join(rows[0]) if rows else ""
    lines = [",".join("" if v is None else str(v) for v in row.values()) for row in rows]
    write_text(path, "\n".join([header, *lines]) + "\n")
