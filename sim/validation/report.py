"""The validation report: run every check, write Markdown with charts and a JSON of figures.

`mot validate` calls `write_report`; the folder appears complete or not at all
(`sim.reports.store.atomic_folder`). Each check states its source, settings, tolerance (derived from
sampling error, fixed in code before looking) and PASS/FAIL, and explains a failure's cause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sim.reports.charts import save, style
from sim.reports.store import atomic_folder, write_json, write_text
from sim.validation import bass_check, negative_wom, retention, reviews, ties
from sim.validation.check import CheckResult

CHECKS: dict[str, Callable[..., CheckResult]] = {
    "bass": bass_check.check,
    "retention": retention.check,
    "reviews": reviews.check,
    "negative_wom": negative_wom.check,
    "ties": ties.check,
}
"""Check name -> function(quick) returning a `CheckResult`, in report order."""


def run_checks(
    quick: bool = False,
    names: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[CheckResult]:
    """Run the named checks (all by default)."""
    results = []
    for name in names or list(CHECKS):
        if progress:
            progress(name)
        started = time.perf_counter()
        result = CHECKS[name](quick=quick)
        result.figures["seconds"] = round(time.perf_counter() - started, 1)
        results.append(result)
    return results


def summary_table(results: list[CheckResult]) -> str:
    """Markdown table: check, figure, tolerance, verdict."""
    rows = "\n".join(
        f"| {r.title} | {r.summary} | {r.tolerance} | **{r.verdict}** |" for r in results
    )
    return "| check | figure | tolerance | result |\n|---|---|---|---|\n" + rows


def markdown(results: list[CheckResult], quick: bool, charts: dict[str, list[str]]) -> str:
    """The whole report."""
    parts = [
        "# Validation report",
        "",
        f"{'Quick' if quick else 'Full'} run of `mot validate`: "
        f"{sum(r.passed for r in results)} of {len(results)} checks pass. Tolerances come from "
        "sampling error and were fixed in code before the results were seen; a failure is "
        "explained with its cause under its check.",
        "",
        summary_table(results),
    ]
    for r in results:
        parts += [
            "",
            f"## {r.title} - {r.verdict}",
            "",
            f"**Source.** {r.source}",
            "",
            f"**Settings.** {r.settings}",
            "",
            f"**Tolerance.** {r.tolerance}",
            "",
            f"**Result.** {r.summary}",
            "",
            r.details,
            "",
            *[f"![{stem}]({stem}.png)\n" for stem in charts.get(r.name, [])],
        ]
    return "\n".join(parts) + "\n"


def write_report(out: Path, results: list[CheckResult], quick: bool) -> Path:
    """Write `report.md`, `figures.json` and one PNG per chart into a new folder `out`."""
    with atomic_folder(Path(out)) as folder:
        charts: dict[str, list[str]] = {}
        with style():
            for r in results:
                for stem, draw in r.charts.items():
                    save(draw(), folder / f"{stem}.png")
                    charts.setdefault(r.name, []).append(stem)
        write_text(folder / "report.md", markdown(results, quick, charts))
        figures = {
            r.name: dict(passed=r.passed, summary=r.summary, tolerance=r.tolerance, **r.figures)
            for r in results
        }
        write_json(folder / "figures.json", dict(quick=quick, checks=figures))
    return Path(out)
