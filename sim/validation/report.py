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
from sim.validation import baseline_patterns, bass_check, negative_wom, retention, reviews, ties
from sim.validation.check import CheckResult

CHECKS: dict[str, Callable[..., CheckResult]] = {
    "j_shape": baseline_patterns.check_j_shape,
    "wom_ratio": baseline_patterns.check_wom_ratio,
    "bad_units": baseline_patterns.check_bad_units,
    "bass": bass_check.check,
    "bass_calendar": bass_check.check_calendar,
    "retention": retention.check,
    "reviews": reviews.check,
    "negative_wom": negative_wom.check,
    "ties": ties.check,
    "reviews_everyone": reviews.check_consistency,
}
"""Check name -> function(quick) returning a `CheckResult`, in report order: the baseline's
own patterns first, then the mechanism checks on stripped markets, then the consistency checks
(hold by construction, not counted as validations)."""


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
    """Markdown table: check, kind, figure, tolerance, power, result, negative control."""
    rows = "\n".join(
        f"| {cell(r.title)} | {r.kind_label} | {cell(r.summary)} | {cell(r.tolerance)} "
        f"| {power_text(r)} | **{r.verdict}** | {r.control_verdict} |"
        for r in results
    )
    head = "| check | kind | figure | tolerance | power | result | negative control |"
    return head + "\n|---|---|---|---|---|---|---|\n" + rows


def cell(text: str) -> str:
    """Text for a Markdown table cell: a bare | (as in |x - y|) would end the cell."""
    return text.replace("|", "\\|")


def power_text(result: CheckResult) -> str:
    """The check's power as a percentage, or a dash when it states none."""
    return "-" if result.power is None else f"{result.power:.0%}"


def control_section(result: CheckResult) -> list[str]:
    """Markdown lines: the negative control, what it switched off and what it gave."""
    if result.control is None:
        return [f"**Negative control.** {result.control_verdict}.", ""]
    c = result.control
    return [
        f"**Negative control** ({c.description}): {c.summary}. **{result.control_verdict}**.",
        "",
    ]


def figures_json(result: CheckResult) -> dict:
    """One check's entry in `figures.json`."""
    return dict(
        kind=result.kind,
        by_construction=result.by_construction,
        passed=result.passed,
        verdict=result.verdict,
        power=result.power,
        inconclusive=result.inconclusive,
        negative_control=None if result.control is None else result.control.as_dict(),
        negative_control_verdict=result.control_verdict,
        summary=result.summary,
        tolerance=result.tolerance,
        **result.figures,
    )


def markdown(results: list[CheckResult], quick: bool, charts: dict[str, list[str]]) -> str:
    """The whole report."""
    parts = [
        "# Validation report",
        "",
        f"{'Quick' if quick else 'Full'} run of `mot validate`: {count_text(results)}. "
        "Tolerances come from "
        "sampling error and were fixed in code before the results were seen; a failure is "
        "explained with its cause under its check. Baseline checks test the shipped baseline "
        "itself; mechanism checks test one mechanism on a stripped market. Every validation runs a "
        "negative control beside it (its mechanism switched off): the control must FAIL, and a "
        "check whose control passes cannot fail, so it FAILs. Power is the chance that a "
        "re-run's interval excludes the tolerance boundary, given the observed effect and its "
        "sampling error; a quick run whose interval straddles the boundary says INCONCLUSIVE.",
        "",
        summary_table(results),
    ]
    for r in results:
        parts += [
            "",
            f"## {r.title} - {r.verdict} ({r.kind_label})",
            "",
            f"**Source.** {r.source}",
            "",
            f"**Settings.** {r.settings}",
            "",
            f"**Tolerance.** {r.tolerance}",
            "",
            f"**Result.** {r.summary}",
            "",
            *control_section(r),
            r.details,
            "",
            *[f"![{stem}]({stem}.png)\n" for stem in charts.get(r.name, [])],
        ]
    return "\n".join(parts) + "\n"


def count_text(results: list[CheckResult]) -> str:
    """How many validation checks pass; consistency checks (true by construction) apart."""
    checks = [r for r in results if not r.by_construction]
    text = f"{sum(r.ok for r in checks)} of {len(checks)} validation checks pass"
    held = [r for r in results if r.by_construction]
    if held:
        text += (
            f"; {sum(r.ok for r in held)} of {len(held)} consistency checks (true by "
            "construction, not validations) hold"
        )
    return text


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
        figures = {r.name: figures_json(r) for r in results}
        write_json(folder / "figures.json", dict(quick=quick, checks=figures))
    return Path(out)
