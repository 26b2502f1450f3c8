"""Key performance indicators of one run: acquisition, retention, advocacy, economics.

Each KPI is about the focal brand and is defined once, in `KPI_DEFINITIONS`: its label, its
unit, who is counted (population, period, unit) and what it means. The terminal table,
kpis.json, the comparison and sweep charts and docs/kpis.md (`python -m sim.kpi_docs` prints its
tables) all read that table, so a KPI cannot mean one thing in one place and another elsewhere.
Counts of people (distinct advocates) and counts of events (times someone became an advocate)
are separate KPIs with separate labels.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sim.measures import CHANNEL_COLUMNS, in_window_days, retention_at

Unit = Literal["share", "usd", "stars", "days", "units", "people", "events", "messages"]
"""What a KPI counts or measures; tables, charts and formatters read it (never the name)."""


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI, defined once: tables, kpis.json, charts, docs/kpis.md and sweeps read this.

    `counted` says who is counted: the population (buying units, people, purchases,
    messages), the period (the measured window) and the unit, so that no two figures that
    look alike count different things unannounced.
    """

    name: str
    group: str
    label: str
    unit: Unit
    counted: str
    definition: str
    better: Literal["higher", "lower", "neither"] = "higher"


WINDOW = "in the window"
KPI_DEFINITIONS: tuple[KpiDefinition, ...] = (
    # acquisition
    KpiDefinition(
        "new_customers",
        "acquisition",
        "New customers",
        "units",
        f"buying units whose first-ever focal purchase falls {WINDOW}",
        "First-ever purchases of the focal brand; customers who had bought it before the window "
        "are not new.",
    ),
    KpiDefinition(
        "prospects",
        "acquisition",
        "Prospects (units starting a journey)",
        "units",
        f"distinct buying units that left <ZMOT for ZMOT research {WINDOW} having never bought "
        "the focal brand",
        "Conversion's denominator: everyone who could become a new customer by starting a "
        "journey, whatever started it (own need, ad, word of mouth, influencer, referral).",
    ),
    KpiDefinition(
        "conversion_rate",
        "acquisition",
        "Conversion, prospect to first purchase",
        "share",
        "prospects (above), on top and bottom",
        "Prospects who made their first focal purchase after starting that journey, within "
        "the window, ÷ prospects. Rival owners who switch are not prospects and are counted "
        "separately (switchers).",
    ),
    KpiDefinition(
        "new_switchers",
        "acquisition",
        "New customers who switched from a rival",
        "units",
        "new customers (above) who owned a rival brand the day they first bought the focal brand",
        "Switchers come from the rival's loyalty loop, not from <ZMOT, so they are outside "
        "conversion's population.",
    ),
    *(
        KpiDefinition(
            f"share_new_from_{key}",
            "acquisition",
            f"New customers from {text}",
            "share",
            "new customers (above)",
            f"Share of new customers whose acquisition is credited to {text} ({how}).",
        )
        for key, text, how in (
            ("reviews", "reviews", "own need, deciding source reviews and ratings"),
            ("word_of_mouth", "word of mouth", "a friend's message or referral, or asking friends"),
            ("ads", "ads", "an ad for the brand started the journey"),
            ("influencers", "influencers", "an influencer's post or content"),
        )
    ),
    # retention
    KpiDefinition(
        "repeat_purchase_rate",
        "retention",
        "Repeat purchases (share of sales)",
        "share",
        f"focal purchases {WINDOW} (events)",
        "Focal purchases by units that had bought the focal brand before ÷ all focal purchases.",
    ),
    KpiDefinition(
        "retention_90d",
        "retention",
        "90-day cohort retention",
        "share",
        "focal customers acquired in the run (day 1 on) observed for 90 days",
        "Share of them not lost within 90 days of their first purchase.",
    ),
    KpiDefinition(
        "retention_365d",
        "retention",
        "365-day cohort retention",
        "share",
        "focal customers observed for 365 days, the day-0 base counted as acquired on day 0",
        "Share of them not lost within 365 days of their first purchase.",
    ),
    KpiDefinition(
        "churned",
        "retention",
        "Customers lost (churn events)",
        "events",
        f"losses of focal customers {WINDOW} (a customer lost twice counts twice)",
        "Switches to a rival at a repurchase, plus departures from the category (walked away "
        "from a repurchase, returned the product, or the need ended).",
        better="lower",
    ),
    KpiDefinition(
        "customers_start",
        "retention",
        "Customers at the start",
        "units",
        "buying units owning the focal brand when the window starts (after the warm-up)",
        "The customer base the window starts with; with `customers_end`, how settled it is.",
        better="neither",
    ),
    KpiDefinition(
        "customers_end",
        "retention",
        "Customers at the end",
        "units",
        "buying units owning the focal brand on the window's last day",
        "The focal brand's customer base when the window closes.",
    ),
    KpiDefinition(
        "market_share_end",
        "retention",
        "Market share at the end",
        "share",
        "buying units owning any brand on the window's last day",
        "Focal owners ÷ owners of any brand.",
    ),
    # advocacy
    KpiDefinition(
        "reviews",
        "advocacy",
        "Reviews posted",
        "events",
        f"reviews of the focal brand posted {WINDOW}",
        "Public reviews written by focal customers.",
    ),
    KpiDefinition(
        "mean_rating",
        "advocacy",
        "Mean rating",
        "stars",
        f"reviews of the focal brand posted {WINDOW}",
        "Mean stars (1-5) of those reviews.",
    ),
    KpiDefinition(
        "advocate_people",
        "advocacy",
        "Advocates (people)",
        "people",
        f"distinct people who became advocates of the focal brand {WINDOW}",
        "People who reached UMOT with a private rating of 4-5 stars at least once.",
    ),
    KpiDefinition(
        "advocate_events",
        "advocacy",
        "Advocacy events",
        "events",
        f"times a person became an advocate of the focal brand {WINDOW}",
        "A person who buys twice and is happy twice counts twice.",
    ),
    KpiDefinition(
        "critic_people",
        "advocacy",
        "Critics (people)",
        "people",
        f"distinct people who became critics of the focal brand {WINDOW}",
        "People who reached UMOT with a private rating of 1-2 stars at least once.",
        better="lower",
    ),
    KpiDefinition(
        "critic_events",
        "advocacy",
        "Criticism events",
        "events",
        f"times a person became a critic of the focal brand {WINDOW}",
        "A person unhappy twice counts twice.",
        better="lower",
    ),
    KpiDefinition(
        "wom_positive",
        "advocacy",
        "Positive word of mouth sent",
        "messages",
        f"positive messages about the focal brand delivered {WINDOW}",
        "Messages along the social network (and influencers' posts) from advocates.",
    ),
    KpiDefinition(
        "wom_negative",
        "advocacy",
        "Negative word of mouth sent",
        "messages",
        f"negative messages about the focal brand delivered {WINDOW}",
        "Messages from critics.",
        better="lower",
    ),
    # economics
    KpiDefinition(
        "revenue_usd",
        "economics",
        "Revenue",
        "usd",
        f"focal purchases {WINDOW}, less refunds",
        "Purchases × price, minus refunds for returns (US $).",
    ),
    KpiDefinition(
        "strategy_cost_usd",
        "economics",
        "Strategy cost",
        "usd",
        f"the focal brand's strategy spending {WINDOW}",
        "E-mails sent, ad impressions, fees, replies, ... (US $).",
        better="lower",
    ),
    KpiDefinition(
        "cost_per_acquired_usd",
        "economics",
        "Strategy cost per new customer",
        "usd",
        "strategy cost ÷ new customers (above)",
        "All strategy spending, retention strategies included: an upper bound on the cost of "
        "acquisition (n/a with no new customers).",
        better="lower",
    ),
)
"""Every KPI, in table order."""

KPIS: dict[str, KpiDefinition] = {k.name: k for k in KPI_DEFINITIONS}
KPI_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(k.name for k in KPI_DEFINITIONS if k.group == group)
    for group in dict.fromkeys(k.group for k in KPI_DEFINITIONS)
}
KPI_NAMES: tuple[str, ...] = tuple(KPIS)

DEPRECATED_NAMES: dict[str, str] = {
    "advocates": "advocate_events",
    "critics": "critic_events",
}
"""Old KPI names still accepted (with a warning) by experiment files, and what they now read."""


def resolve_name(name: str, where: str = "") -> str:
    """A KPI name, with deprecated ones replaced by their successor and a warning naming it."""
    if name not in DEPRECATED_NAMES:
        return name
    new = DEPRECATED_NAMES[name]
    prefix = f"{where}: " if where else ""
    warnings.warn(
        f"{prefix}KPI {name!r} is deprecated; reading {new!r} ({KPIS[new].label}: "
        f"{KPIS[new].counted}; see docs/kpis.md)",
        FutureWarning,
        stacklevel=2,
    )
    return new


@dataclass
class RunOutcome:
    """What one run leaves for its KPIs: the window's daily table, every unit's focal
    acquisition and first-loss day (simulation days, -1 = never), and the window's counts of
    people and events (`sim.window_tally.WindowTally.counts`)."""

    daily: pd.DataFrame
    acquired_day: np.ndarray
    churn_day: np.ndarray
    counts: Mapping[str, float]
    window_start: int = 1
    """The simulation day the measured window starts on (`warmup_days` + 1)."""


def compute_kpis(outcome: RunOutcome) -> dict[str, float]:
    """All KPIs of one run, in `KPI_NAMES` order."""
    daily, counts = outcome.daily, outcome.counts
    total = daily.sum(numeric_only=True)
    days_run = len(daily)
    last = daily.iloc[-1]
    new = float(total["new_customers"])
    customers = [c for c in daily.columns if c.startswith("customers_")]
    market = float(last[customers].sum())
    acquired_day, churn_day = in_window_days(
        outcome.acquired_day, outcome.churn_day, outcome.window_start
    )
    kpis = {
        "new_customers": new,
        "prospects": counts["prospects"],
        "conversion_rate": ratio(counts["prospects_converted"], counts["prospects"]),
        "new_switchers": counts["new_switchers"],
        **{
            f"share_{c}": ratio(total[c], new)
            for c in CHANNEL_COLUMNS
            if c.removeprefix("new_from_") in ("reviews", "word_of_mouth", "ads", "influencers")
        },
        "repeat_purchase_rate": ratio(total["repeat_purchases"], total["purchases"]),
        "retention_90d": retention_at(acquired_day, churn_day, days_run, 90, first_day=1),
        "retention_365d": retention_at(acquired_day, churn_day, days_run, 365),
        "churned": float(total["churned"]),
        "customers_start": counts["customers_start"],
        "customers_end": float(last["customers"]),
        "market_share_end": ratio(last["customers"], market),
        "reviews": float(total["reviews"]),
        "mean_rating": ratio(total["review_stars"], total["reviews"]),
        "advocate_people": counts["advocate_people"],
        "advocate_events": counts["advocate_events"],
        "critic_people": counts["critic_people"],
        "critic_events": counts["critic_events"],
        "wom_positive": float(total["wom_positive"]),
        "wom_negative": float(total["wom_negative"]),
        "revenue_usd": float(total["revenue_usd"]),
        "strategy_cost_usd": float(total["strategy_cost_usd"]),
        "cost_per_acquired_usd": ratio(total["strategy_cost_usd"], new),
    }
    return {name: kpis[name] for name in KPI_NAMES}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0."""
    return float(numerator) / float(denominator) if denominator else math.nan
