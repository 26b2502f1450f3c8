"""The KPI table printed in the terminal: grouped as `sim.reports.kpis.KPI_GROUPS`, in plain units.

Labels and units come from each KPI's definition (`sim.reports.kpis.KPI_DEFINITIONS`), never from its
name. Shares print as %, money as $, ratings as stars, counts as whole numbers with what they
count (buying units, people, events, messages); with two or more
replications each KPI shows its mean and 95% confidence interval (`sim.reports.stats.summarize_kpis`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from sim.reports.kpis import KPI_DEFINITIONS, KPI_GROUPS, KPIS

KPI_LABELS: dict[str, str] = {k.name: k.label for k in KPI_DEFINITIONS}
"""Plain-English label of each KPI (from `sim.reports.kpis.KPI_DEFINITIONS`; definitions in docs/kpis.md)."""

UNIT_TEXT: dict[str, str] = {
    "units": "buying units",
    "people": "people",
    "events": "events",
    "messages": "messages",
}
"""What a count counts, shown beside it (shares, money, stars and days show in the value)."""


def kind_of(name: str) -> str:
    """How a KPI is formatted, from its definition: 'share', 'usd', 'stars', 'days', 'ratio' or 'count'
    (people, buying units, events and messages are all whole counts; names that are not KPIs,
    such as a sweep's derived outputs, are counts too)."""
    definition = KPIS.get(name)
    if definition is None:
        return "count"
    kinds = ("share", "usd", "stars", "days", "ratio")
    return definition.unit if definition.unit in kinds else "count"


def format_value(name: str, value: float) -> str:
    """`value` of KPI `name` in its unit: 12.3%, $1,234, 4.12 ★, 90 days, 2.70 : 1 or 1,234; NaN is the
    KPI's `missing` text ("n/a", or "not observable" for a retention age nobody reached)."""
    if value is None or math.isnan(value):
        definition = KPIS.get(name)
        return definition.missing if definition is not None else "n/a"
    kind = kind_of(name)
    if kind == "share":
        return f"{value:.1%}"
    if kind == "usd":
        return f"${value:,.2f}" if abs(value) < 100 else f"${value:,.0f}"
    if kind == "stars":
        return f"{value:.2f} ★"
    if kind == "days":
        return f"{value:,.0f} days"
    if kind == "ratio":
        return f"{value:.2f} : 1"
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def format_ci(name: str, low: float, high: float) -> str:
    """`low – high` in the KPI's unit, or an empty string without an interval."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return ""
    text = f"{format_value(name, low)} – {format_value(name, high)}"
    return text.replace(" ★", "").replace(" days –", " –").replace(" : 1 –", " –")


def kpi_table(summary: Mapping[str, Mapping[str, float]], title: str, replications: int) -> Table:
    """A rich table of KPI means by group, with 95% CIs: over replications when there are
    several, else the estimate's own interval where it has one (Kaplan-Meier retention)."""
    with_ci = replications >= 2 or any(f"{name}_ci_low" in summary for name in summary)
    table = Table(title=title, title_justify="left", title_style="bold", min_width=len(title))
    table.add_column("KPI")
    table.add_column("mean" if replications >= 2 else "value", justify="right")
    if with_ci:
        table.add_column("95% CI", justify="right", style="dim")
    table.add_column("counts", style="dim")
    for group, names in KPI_GROUPS.items():
        table.add_section()
        table.add_row(f"[bold cyan]{group.capitalize()}[/]", *([""] * (3 if with_ci else 2)))
        for name in names:
            if name not in summary or KPIS[name].detail_of is not None:
                continue
            cells = [f"  {KPI_LABELS.get(name, name)}", format_value(name, summary[name]["mean"])]
            if with_ci:
                cells.append(ci_cell(name, summary, replications))
            cells.append(counts_cell(name, summary))
            table.add_row(*cells)
    return table


def ci_cell(name: str, summary: Mapping[str, Mapping[str, float]], replications: int) -> str:
    """The 95% CI over replications, or with one run the estimate's own (`<name>_ci_low`)."""
    if replications >= 2:
        return format_ci(name, summary[name]["ci_low"], summary[name]["ci_high"])
    low, high = summary.get(f"{name}_ci_low"), summary.get(f"{name}_ci_high")
    if low is None or high is None:
        return ""
    return format_ci(name, low["mean"], high["mean"])


def counts_cell(name: str, summary: Mapping[str, Mapping[str, float]]) -> str:
    """What a count counts, or how many customers a retention estimate rests on."""
    at_risk = summary.get(f"{name}_at_risk")
    if at_risk is not None:
        n = at_risk["mean"]
        return "" if n is None or math.isnan(n) else f"{n:,.0f} at risk"
    return UNIT_TEXT.get(KPIS[name].unit, "")


def print_kpis(
    summary: Mapping[str, Mapping[str, float]],
    title: str,
    replications: int,
    console: Console | None = None,
) -> None:
    """Print the KPI table (to stdout unless a console is given)."""
    (console or Console()).print(kpi_table(summary, title, replications))
