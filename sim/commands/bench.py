"""`mot bench`: time and memory per size, cost per rule, sweep scaling and start-up vs targets."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from sim.bench.large import available_bytes, memory_problem
from sim.bench.screen import default_screen_path
from sim.bench.workload import VARIANTS, BenchPlan, base_scenario, default_scenario_path
from sim.errors import UsageError
from sim.reliability.disk_budget import check_out_folder, disk_errors

HELP = "Measure speed and memory (sizes, rules, sweep scaling, start-up) against the targets."
EXAMPLE = "mot bench --quick   |   mot bench --full-screen --ten-million --out results/bench"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot bench`."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run of about 20 s (small sizes, 60 days); target cases are not measured",
    )
    parser.add_argument(
        "--sizes",
        help="comma-separated consumer counts (default 10000,100000,1000000; quick: 2000,5000)",
    )
    parser.add_argument("--days", type=int, help="days per run (default 365; quick: 60)")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, must include baseline (default {','.join(VARIANTS)})",
    )
    parser.add_argument(
        "--scenario",
        help="scenario file (default scenarios/baseline.toml if present, else the defaults)",
    )
    parser.add_argument(
        "--out", default="results/bench", help="folder for bench.json and bench_scaling.png"
    )
    parser.add_argument(
        "--full-screen",
        action="store_true",
        help="also run the whole sensitivity screen (1,664 runs; 20-80 min on a shared 2-core machine) instead of only "
        "projecting it from a sample of its runs; not with --quick",
    )
    parser.add_argument(
        "--ten-million",
        action="store_true",
        help="also run 10,000,000 consumers x 365 days (needs ~10 GB free; ~20 min on a shared 2-core machine); "
        "not with --quick",
    )


def parse_sizes(text: str) -> tuple[int, ...]:
    """`10000,100000` as a tuple of distinct positive ints, or a one-line `UsageError`."""
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",")}))
    except ValueError:
        raise UsageError(f"--sizes: {text!r} is not a comma-separated list of integers") from None
    if not sizes or sizes[0] < 1:
        raise UsageError(f"--sizes: {text!r}: sizes must be at least 1 consumer")
    return sizes


def parse_variants(text: str) -> tuple[str, ...]:
    """Known variant names, `baseline` included, or a one-line `UsageError`."""
    variants = tuple(dict.fromkeys(part.strip() for part in text.split(",")))
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or "baseline" not in variants:
        raise UsageError(f"--variants: {text!r}: choose from {', '.join(VARIANTS)}, with baseline")
    return variants


def plan_from(args: argparse.Namespace) -> BenchPlan:
    """The measurement plan the options describe (the scenario file is validated first)."""
    path = args.scenario if args.scenario is not None else default_scenario_path()
    if path is not None and not Path(path).is_file():
        raise UsageError(f"--scenario: {path}: no such file")
    base = base_scenario(path).model_dump_json()  # a bad file stops here: `file: key: problem`
    plan = (
        BenchPlan.quick(path, base) if args.quick else BenchPlan(scenario_path=path, base_json=base)
    )
    for flag, asked in (("--full-screen", args.full_screen), ("--ten-million", args.ten_million)):
        if asked and args.quick:
            raise UsageError(f"{flag}: not with --quick (a smoke run of seconds); drop one")
    if args.ten_million:
        problem = memory_problem(available_bytes())
        if problem is not None:
            raise UsageError(problem)
    changes: dict[str, object] = {
        "variants": parse_variants(args.variants),
        "screen_path": default_screen_path(),
        "full_screen": args.full_screen,
        "ten_million": args.ten_million,
    }
    if args.sizes:
        changes["sizes"] = parse_sizes(args.sizes)
    if args.days is not None:
        if not 1 <= args.days <= 3650:
            raise UsageError(f"--days: {args.days}: must be between 1 and 3650")
        changes["days"] = args.days
    plan = dataclasses.replace(plan, **changes)
    plan.workload(max(plan.sizes), plan.days).scenario()  # sizes within the settings' limits
    return plan


OUT_BYTES = 5_000_000
"""Disk for bench.json and bench_scaling.png (measured: well under 1 MB; fivefold margin)."""


def check_writable(out: Path) -> Path:
    """`out`, if it (or the nearest folder that exists above it) takes a write and has room;
    checked before minutes of measuring, without leaving anything behind."""
    check_out_folder(out, "--out", OUT_BYTES)
    return out


@disk_errors("--out", "; the measurements are lost: free some space and run again")
def run(args: argparse.Namespace) -> int:
    """Run the benchmark; exit 0 whether or not targets are met (the report says which)."""
    from sim.bench.suite import run_bench  # matplotlib and pandas load only when benching

    plan = plan_from(args)
    run_bench(plan, check_writable(Path(args.out)))
    return 0
