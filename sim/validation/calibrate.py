"""Calibrate the model's churn to a user's cohort survival curve (`mot calibrate retention`).

The user gives a CSV of (period, customers alive) for one cohort, period 0 first, and a
scenario. The shifted-beta-geometric curve (Fader & Hardie 2007) is fitted by maximum likelihood
on the first `fit_periods` periods; its Beta(a, b) becomes the model's heterogeneous churn
(`loyalty.p_leave_category` = a/(a+b), `loyalty.leave_polarisation` = 1/(a+b+1)), with one period
= one renewal cycle (`loyalty.fixed_cycle`, `loyalty.repurchase_days`). The model is then run
with those settings in the subscription reduction (`sim.validation.retention`) and compared with
every period of the data, fitted and held out.
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
from sim.validation.retention import RetentionFit, chart_fit, fit_and_simulate, mean_polarisation

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
    """A scenario file that extends the user's and sets the fitted churn settings."""
    mean, polarisation = mean_polarisation(fit.a, fit.b)
    base = os.path.relpath(Path(scenario_path).resolve(), Path(out_file).resolve().parent)
    return (
        f"# Calibrated by `mot calibrate retention` to {fit.alive[0]:.0f} customers over "
        f"{len(fit.alive) - 1} periods\n"
        f"# (fitted on periods 1-{fit.fit_periods}): shifted-beta-geometric a = {fit.a:.4f}, "
        f"b = {fit.b:.4f} (Fader & Hardie 2007).\n"
        f'extends = "{base}"\n\n[loyalty]\n'
        "# one period of the data = one renewal cycle\n"
        f"repurchase_days = {period_days:.1f}\nfixed_cycle = true\n"
        f"# mean chance of leaving at a renewal, a / (a + b)\np_leave_category = {mean:.6f}\n"
        f"# polarisation 1 / (a + b + 1): how much customers differ\n"
        f"leave_polarisation = {polarisation:.6f}\n"
    )


def calibrate_retention(
    data_path: Path,
    scenario_path: Path,
    out: Path,
    fit_periods: int | None = None,
    customers: int = 20_000,
    seed: int = 7,
) -> tuple[RetentionFit, list[Path]]:
    """Fit, simulate and write `calibrated.toml`, `fit.csv`, `fit.json` and `retention_fit.png`."""
    data = read_survival_csv(data_path)
    base = load_scenario(scenario_path)
    periods = len(data.alive) - 1
    fit_periods = periods if fit_periods is None else fit_periods
    if not 2 <= fit_periods <= periods:
        raise UsageError(f"--fit-periods: must be between 2 and {periods}, got {fit_periods}")
    period_days = base.loyalty.repurchase_days if base.loyalty.repurchase_days >= 1 else 30.0
    fit = fit_and_simulate(data.alive, fit_periods, customers, seed)
    toml = calibrated_toml(scenario_path, Path(out) / "calibrated.toml", fit, period_days)
    mean, polarisation = mean_polarisation(fit.a, fit.b)
    with_overrides(
        base,
        {"loyalty.p_leave_category": mean, "loyalty.leave_polarisation": polarisation},
        str(scenario_path),
    )
    with atomic_folder(Path(out)) as folder:
        write_text(folder / "calibrated.toml", toml)
        header = "period,data,sbg,model,error,error_pct,fitted\n"
        lines = [",".join(str(r[k]) for r in [row] for k in row) for row in fit.table()]
        write_text(folder / "fit.csv", header + "\n".join(lines) + "\n")
        write_json(
            folder / "fit.json",
            dict(
                a=fit.a,
                b=fit.b,
                p_leave_category=mean,
                leave_polarisation=polarisation,
                fit_periods=fit_periods,
                rows=fit.table(),
            ),
        )
        with style():
            title = f"Retention: data vs model (fitted on periods 1-{fit_periods})"
            save(chart_fit(fit, title), folder / "retention_fit.png")
    names = ("calibrated.toml", "fit.csv", "fit.json", "retention_fit.png")
    return fit, [Path(out) / name for name in names]
