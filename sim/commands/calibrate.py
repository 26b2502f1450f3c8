"""`mot calibrate retention | series`: fit the model to the user's data.

`retention` reads a CSV of (period, customers alive), fits the shifted-beta-geometric curve
(Fader & Hardie 2007) on the first periods, writes a calibrated scenario that extends the given
one, a table and a chart of data vs model with the error per period, and a projection with its
90% predictive interval (see `sim.validation.calibrate`).

`series` reads observed series (CSV: period plus any of new customers, customers, reviews, mean
rating, churn, retention) and a calibration file naming the parameters to fit with their prior
ranges, and fits them by ABC-SMC on local processes or Dask (see
`sim.validation.calibrate_series`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UsageError
from sim.reports import store
from sim.sweep.executors import ExecutorChoice
from sim.validation.calibrate import RetentionOptions, calibrate_retention, read_survival_csv
from sim.validation.calibrate_series import SeriesOptions, SeriesResult, calibrate_series
from sim.validation.calibration_file import load_calibration
from sim.validation.observed import read_observed_csv
from sim.validation.projection import Projection

HELP = (
    "Calibrate to your data: churn to a cohort survival curve (retention), or any scenario "
    "parameters to observed series by ABC-SMC (series)."
)
EXAMPLE = (
    "mot calibrate retention --data data/fader_hardie_regular.csv "
    "--scenario scenarios/baseline.toml --fit-periods 7 --period-days 365 --project-to 15\n"
    "         mot calibrate series --data data/calibration_example.csv "
    "--calibration experiments/calibration/calibration_example.toml --period-days 30 --project-to 12"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`retention` and its options (numbers are checked in `run`, so errors stay one line)."""
    parser.add_argument(
        "target",
        metavar="WHAT",
        choices=["retention", "series"],
        help="retention (a survival curve) or series (observed series, ABC-SMC)",
    )
    parser.add_argument(
        "--data",
        metavar="FILE.csv",
        required=True,
        help="retention: period,customers alive (period 0 first); series: period,<series>,...",
    )
    parser.add_argument(
        "--scenario", metavar="S.toml", help="retention: scenario the calibrated file extends"
    )
    parser.add_argument(
        "--calibration",
        metavar="C.toml",
        help="series: parameters to fit with their prior ranges (experiment-file syntax)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: results/calibration/<scenario>/<run-id>)",
    )
    parser.add_argument(
        "--fit-periods", metavar="N", help="fit on periods 1..N, project the rest (default: all)"
    )
    parser.add_argument(
        "--customers", metavar="N", default="20000", help="simulated subscribers (default 20000)"
    )
    parser.add_argument(
        "--seed", metavar="N", help="random seed (retention: 7; series: the calibration file's)"
    )
    parser.add_argument(
        "--workers", metavar="N", help="series: worker processes (default 1: reproducible)"
    )
    parser.add_argument(
        "--dask", metavar="ADDR", help="series: run on Dask: 'local' or tcp://host:8786"
    )
    parser.add_argument(
        "--quick", action="store_true", help="series: the calibration file's [quick] sizes"
    )
    parser.add_argument(
        "--period-days",
        metavar="DAYS",
        help="days in one period of the data (required: 365 for yearly data, 30 for monthly)",
    )
    parser.add_argument(
        "--project-to",
        metavar="N",
        help="project up to period N with a 90%% predictive interval (default: the data's last)",
    )


def whole(text: str | None, option: str, low: int, high: int) -> int | None:
    """An integer option within [low, high], or a one-line `UsageError`."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option}: must be a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise UsageError(f"{option}: must be between {low} and {high}, got {value}")
    return value


def period_days(text: str | None) -> float:
    """`--period-days`: required, since a survival curve cannot say how long its periods are
    (a yearly churn applied every 120 days would be three times too fast)."""
    if text is None:
        raise UsageError(
            "--period-days: required: how many days one period of the data lasts "
            "(365 for yearly data, 30 for monthly)"
        )
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--period-days: must be a number of days, got {text!r}") from None
    if not 2 <= value <= 3650:
        raise UsageError(f"--period-days: must be between 2 and 3650, got {text}")
    return value


def print_projection(projection: Projection) -> None:
    """The projected periods with their 90% predictive intervals."""
    print("period  projected  (90% predictive interval)   data")
    for row in projection.rows():
        data = "" if row["data"] is None else f"{row['data']:>6.0f}"
        print(
            f"{row['period']:>6} {row['projected']:>10.1f}  ({row['low_90']:>6.0f} to "
            f"{row['high_90']:>6.0f})        {data}"
        )


def run(args: argparse.Namespace) -> int:
    """Calibrate and print where the results went."""
    return run_series(args) if args.target == "series" else run_retention(args)


def run_retention(args: argparse.Namespace) -> int:
    """`mot calibrate retention`: fit, project, print the table and where it went."""
    if args.scenario is None:
        raise UsageError("--scenario: required for retention")
    fit_periods = whole(args.fit_periods, "--fit-periods", 2, 10_000)
    customers = whole(args.customers, "--customers", 100, 5_000_000)
    seed = whole(args.seed or "7", "--seed", 0, 2**32 - 1)
    scenario = Path(args.scenario)
    out = (
        Path(args.out)
        if args.out
        else Path("results/calibration") / scenario.stem / store.new_run_id()
    )
    options = RetentionOptions(
        period_days=0.0,
        fit_periods=fit_periods,
        project_to=whole(args.project_to, "--project-to", 2, 10_000),
        customers=customers,
        seed=seed,
    )
    read_survival_csv(Path(args.data))  # bad data is named before a missing option
    options.period_days = period_days(args.period_days)
    fit, projection, paths = calibrate_retention(Path(args.data), scenario, out, options)
    mean = fit.a / (fit.a + fit.b)
    print(
        f"sBG fit: a = {fit.a:.4f}, b = {fit.b:.4f} -> p_leave_category = {mean:.4f}, "
        f"leave_polarisation = {1 / (fit.a + fit.b + 1):.4f}"
    )
    print("period  data   model  error")
    for row in fit.table():
        mark = "" if row["fitted"] else "  (projected)"
        print(
            f"{row['period']:>6} {row['data']:>6.0f} {row['model']:>7.1f} {row['error_pct']:>+6.1f}%{mark}"
        )
    print_projection(projection)
    print(f"wrote {paths[0].parent}/ ({', '.join(p.name for p in paths)})")
    return 0


def run_series(args: argparse.Namespace) -> int:
    """`mot calibrate series`: ABC-SMC fit, posterior, predictive and projection."""
    if args.calibration is None:
        raise UsageError("--calibration: required for series (the parameters and their priors)")
    read_observed_csv(Path(args.data))  # bad data is named before a missing option
    load_calibration(Path(args.calibration), quick=args.quick)
    days = whole(args.period_days, "--period-days", 1, 3650)
    if days is None:
        raise UsageError("--period-days: required: how many days one period of the data lasts")
    workers = whole(args.workers, "--workers", 1, 1024)
    executor = None
    if args.dask is not None or (workers or 1) > 1:
        executor = ExecutorChoice(workers=workers or 2, dask=args.dask)
    options = SeriesOptions(
        period_days=days,
        project_to=whole(args.project_to, "--project-to", 1, 10_000),
        quick=args.quick,
        executor=executor,
        seed=whole(args.seed, "--seed", 0, 2**32 - 1),
    )
    name = Path(args.calibration).stem
    out = Path(args.out) if args.out else Path("results/calibration") / name / store.new_run_id()
    argv = ["mot", "calibrate", "series"]
    for key in ("data", "calibration", "period_days", "project_to", "workers", "dask", "seed"):
        if (value := getattr(args, key)) is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    argv += ["--out", str(out)] + (["--quick"] if args.quick else [])
    result = calibrate_series(Path(args.data), Path(args.calibration), out, options, argv)
    print_series(result)
    return 0


def print_series(result: SeriesResult) -> None:
    """Generations, the posterior summary and the projection, then where they went."""
    print("generation  tolerance  simulations  acceptance")
    for row in result.posterior.generations.itertuples():
        print(
            f"{row.generation:>10} {row.tolerance:>10.3g} {row.simulations:>12} "
            f"{row.acceptance_rate:>10.1%}"
        )
    print("parameter: posterior median (90% credible interval)")
    for row in result.posterior.summary().itertuples():
        print(f"  {row.parameter}: {row.median:.4g} ({row.low_90:.4g} to {row.high_90:.4g})")
    if len(result.projection):
        print("projection: period, series, projected (90% predictive interval)")
        for row in result.projection.itertuples():
            print(
                f"  {row.period:>4} {row.series}: {row.projected:.4g} "
                f"({row.low_90:.4g} to {row.high_90:.4g})"
            )
    print(f"wrote {result.folder}/")
