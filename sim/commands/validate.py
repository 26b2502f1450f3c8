"""`mot validate`: reproduce published results and write `results/validation/`.

Baseline checks (the shipped baseline's own J-shaped reviews, word-of-mouth ratio and cost of
bad units) and mechanism checks on stripped markets: Bass diffusion, shifted-beta-geometric retention, J-shaped reviews, negative word of
mouth, strong vs weak ties (see `sim.validation`). The report is Markdown with charts plus a
JSON of every figure; `--quick` runs smaller versions (as the tests do).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UsageError
from sim.reports import store
from sim.validation.report import CHECKS, run_checks, write_report

HELP = "Run the validation checks and write a Markdown report with charts and a JSON of figures."
EXAMPLE = "mot validate --quick --out /tmp/validation"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot validate`."""
    parser.add_argument("--quick", action="store_true", help="smaller populations and fewer runs")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="report folder (default: results/validation/<run-id>; must not exist)",
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help=f"comma-separated checks to run (default all: {','.join(CHECKS)})",
    )


def run(args: argparse.Namespace) -> int:
    """Run the checks, print the table, write the report; exit 0 even if a check fails
    (a failure is a finding, explained in the report), 1 if the report could not be made."""
    names = [n.strip() for n in args.only.split(",")] if args.only else None
    unknown = [n for n in names or [] if n not in CHECKS]
    if unknown:
        raise UsageError(f"--only: unknown check {unknown[0]!r} (known: {', '.join(CHECKS)})")
    out = Path(args.out) if args.out else Path("results/validation") / store.new_run_id()
    if out.exists():
        raise UsageError(f"--out: {out} already exists; reports are never overwritten")
    results = run_checks(
        args.quick, names, progress=lambda n: print(f"running {n} ...", flush=True)
    )
    write_report(out, results, args.quick)
    for r in results:
        print(f"{r.verdict}  [{r.kind_label}] {r.title}: {r.summary}")
        print(f"    negative control: {r.control_verdict}")
    print(f"wrote {out}/report.md")
    return 0
