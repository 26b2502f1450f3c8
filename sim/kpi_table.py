"""The KPI table printed in the terminal: grouped as `sim.kpis.KPI_GROUPS`, in plain units.

Shares print as %, money as $, ratings as stars, counts as whole numbers; with two or more
replications each KPI shows its mean and 95% confidence interval (`sim.stats.summarize_kpis`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from sim.kpis import KPI_GROUPS

KPI_LABELS: dict[str, str] = {
    "new_customers": "New customers",
    "conversion_rate": "Conversion, need to purchase",
    "share_new_from_reviews": "New customers from reviews",
    "share_new_from_word_of_mouth": "New customers from word of mouth",
    "share_new_from_ads": "New customers from ads",
    "share_new_from_influencers": "New customers from influencers",
    "repeat_purchase_rate": "Repeat purchases (share of sales)",
    "retention_90d": "90-day cohort retention",
    "retention_365d": "365-day cohort retention",
    "churned": "Customers lost (churn)",
    "customers_end": "Customers at the end",
    "market_share_end": "Market share at the end",
    "reviews": "Reviews posted",
    "mean_rating": "Mean rating",
    "advocates": "Advocates (happy customers)",
    "critics": "Critics (unhappy customers)",
    "wom_positive": "Positive word of mouth sent",
    "wom_negative": "Negative word of mouth sent",
    "revenue_usd": "Revenue",
    "strategy_cost_usd": "Strategy cost",
    "cost_per_acquired_usd": "Strategy cost per new customer",
}
"""Plain-English label of each KPI (definitions in docs/kpis.md)."""


def kind_of(name: str) -> str:
    """How a KPI is formatted: 'share', 'usd', 'stars' or 'count'."""
    if name.endswith("_usd"):
        return "usd"
    if name == "mean_rating":
        return "stars"
    if name.startswith(("share_", "retention_", "market_share")) or name.endswith("_rate"):
        return "share"
    return "count"


def format_value(name: str, value: float) -> str:
    """`value` of KPI `name` in its unit: 12.3%, $1,234, 4.12 stars or 1,234 (n/a for NaN)."""
    if value is None or math.isnan(value):
        return "n/a"
    kind = kind_of(name)
    if kind == "share":
        return f"{value:.1%}"
    if kind == "usd":
        return f"${value:,.2f}" if abs(value) < 100 else f"${value:,.0f}"
    if kind == "stars":
        return f"{value:.2f} ★"
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def format_ci(name: str, low: float, high: float) -> str:
    """`low – high` in the KPI's unit, or an empty string without an interval."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return ""
    return f"{format_value(name, low)} – {format_value(name, high)}".replace(" ★", "")


def kpi_table(summary: Mapping[str, Mapping[str, float]], title: str, replications: int) -> Table:
    """A rich table of KPI means (and 95% CIs when there are replications), by group."""
    with_ci = replications >= 2
    table = Table(title=title, title_justify="left", title_style="bold", min_width=len(title))
    table.add_column("KPI")
    table.add_column("mean" if with_ci else "value", justify="right")
    if with_ci:
        table.add_column("95% CI", justify="right", style="dim")
    for group, names in KPI_GROUPS.items():
        table.add_section()
        table.add_row(f"[bold cyan]{group.capitalize()}[/]", *([""] * (2 if with_ci else 1)))
        for name in names:
            if name not in summary:
                continue
            row = summary[name]
            cells = [f"  {KPI_LABELS.get(name, name)}", format_value(name, row["mean"])]
            if with_ci:
                cells.append(format_ci(name, row["ci_low"], row["ci_high"]))
            table.add_row(*cells)
    return table


def print_kpis(
    summary: Mapping[str, Mapping[str, float]],
    title: str,
    replications: int,
    console: Console | None = None,
) -> None:
    """Print the KPI table (to stdout unless a console is given)."""
    (console or Console()).print(kpi_table(summary, title, replications))
