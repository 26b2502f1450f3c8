"""`mot calibrate retention`: fit the model's churn to a cohort survival curve.

Reads a CSV of (period, customers alive), fits the shifted-beta-geometric curve (Fader & Hardie
2007) on the first periods, writes a calibrated scenario that extends the given one, a table and
a chart of data vs model with the error per period (see `sim.validation.calibrate`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UsageError
from sim.reports import store
from sim.validation.calibrate import calibrate_retention

HELP = "Calibrate churn to a cohort survival curve (CSV: period, customers alive)."
EXAMPLE = (
    "mot calibrate retention --data data/fader_hardie_regular.csv "
    "--scenario scenarios/baseline.toml --fit-periods 7"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`retention` and its options (numbers are checked in `run`, so errors stay one line)."""
    parser.add_argument(
        "target", metavar="WHAT", choices=["retention"], help="what to calibrate: retention"
    )
    parser.add_argument(
        "--data", metavar="FILE.csv", required=True, help="period,customers alive; period 0 first"
    )
    parser.add_argument(
        "--scenario", metavar="S.toml", required=True, help="scenario the calibrated file extends"
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
    parser.add_argument("--seed", metavar="N", default="7", help="random seed (default 7)")


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


def run(args: argparse.Namespace) -> int:
    """Calibrate and print where the results went."""
    fit_periods = whole(args.fit_periods, "--fit-periods", 2, 10_000)
    customers = whole(args.customers, "--customers", 100, 5_000_000)
    seed = whole(args.seed, "--seed", 0, 2**32 - 1)
    scenario = Path(args.scenario)
    out = (
        Path(args.out)
        if args.out
        else Path("results/calibration") / scenario.stem / store.new_run_id()
    )
    fit, paths = calibrate_retention(Path(args.data), scenario, out, fit_periods, customers, seed)
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
    print(f"wrote {paths[0].parent}/ ({', '.join(p.name for p in paths)})")
    return 0
