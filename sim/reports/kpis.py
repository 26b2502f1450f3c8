"""Key performance indicators of one run: acquisition, retention, advocacy, economics.

Each KPI is about the focal brand and is defined once, in `KPI_DEFINITIONS`: its label, its
unit, who is counted (population, period, unit) and what it means. The terminal table,
kpis.json, the comparison and sweep charts and docs/kpis.md (`python -m sim.reports.kpi_docs` prints its
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

from sim.market.measures import CHANNEL_COLUMNS, STAR_COLUMNS
from sim.reports.survival import (
    NOT_OBSERVABLE,
    RETENTION_AGES,
    SurvivalData,
    curve_table,
    retention_estimates,
    survival_data,
)

Unit = Literal["share", "usd", "stars", "days", "units", "people", "events", "messages", "ratio"]
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
    detail_of: str | None = None
    """A figure that qualifies another KPI (its 95% bounds, its number at risk): stored in
    kpis.json and sweeps, shown beside that KPI in tables, not compared on its own."""
    missing: str = "n/a"
    """What tables print when the KPI cannot be computed (NaN, null in kpis.json)."""


WINDOW = "in the window"


def retention_definitions(age: int) -> tuple[KpiDefinition, ...]:
    """Kaplan-Meier retention at `age` days, its 95% bounds and its number at risk."""
    name = f"retention_km_{age}d"
    observed = (
        f"focal customers observed at age {age} days in the window: acquired in it, or there "
        "when it starts, counted from their age then (number at risk: "
        f"`{name}_at_risk`)"
    )
    return (
        KpiDefinition(
            name,
            "retention",
            f"{age}-day retention (Kaplan-Meier)",
            "share",
            observed,
            f"Share of customers still customers {age} days after their first focal purchase "
            "(the first loss ends it): Kaplan-Meier, right-censored at the window's end, "
            "left-truncated at its start (see Retention below).",
            missing=NOT_OBSERVABLE,
        ),
        KpiDefinition(
            f"{name}_ci_low",
            "retention",
            f"{age}-day retention, lower 95% bound",
            "share",
            f"as `{name}`",
            "Exponential Greenwood interval of the estimate within one run.",
            detail_of=name,
            missing=NOT_OBSERVABLE,
        ),
        KpiDefinition(
            f"{name}_ci_high",
            "retention",
            f"{age}-day retention, upper 95% bound",
            "share",
            f"as `{name}`",
            "Exponential Greenwood interval of the estimate within one run.",
            detail_of=name,
            missing=NOT_OBSERVABLE,
        ),
        KpiDefinition(
            f"{name}_at_risk",
            "retention",
            f"Customers at risk at {age} days",
            "units",
            f"focal customers observed at age {age} days in the window",
            f"How many customers the {age}-day estimate rests on at that age (0: not observable).",
            detail_of=name,
        ),
    )


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
        "Prospects (new to the brand, shopping)",
        "units",
        f"distinct buying units researching (ZMOT) or at the shelf (FMOT) {WINDOW}, on a "
        "journey they began at <ZMOT never having bought the focal brand (begun in the window, "
        "or under way when it opens)",
        "Conversion's denominator: everyone who could become a new customer on a journey of "
        "their own, whatever started it (own need, ad, word of mouth, influencer, referral). "
        "Rival owners whose need recurs shop from the rival's loyalty loop: they are not "
        "prospects but possible switchers.",
    ),
    KpiDefinition(
        "conversion_rate",
        "acquisition",
        "Conversion, prospect to first purchase",
        "share",
        "prospects (above), on top and bottom",
        "Prospects whose journey from <ZMOT ended in their first focal purchase, within the "
        "window, ÷ prospects. A prospect who buys the rival and switches later is not "
        "converted: that later purchase is a switch. New customers = converted prospects + "
        "switchers.",
    ),
    KpiDefinition(
        "new_switchers",
        "acquisition",
        "New customers who switched from a rival",
        "units",
        "new customers (above) whose first focal purchase ended a journey begun in a rival's "
        "loyalty loop (owning the rival when their need recurred, even if they returned its "
        "product on the way)",
        "Switchers come from the rival's loyalty loop, not from <ZMOT, so they are outside "
        "conversion's population; with the converted prospects they make up the new customers.",
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
    *(definition for age in RETENTION_AGES for definition in retention_definitions(age)),
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
    *(
        KpiDefinition(
            f"reviews_{k}_star",
            "advocacy",
            f"Reviews with {k} star{'s' if k > 1 else ''}",
            "events",
            f"reviews of the focal brand posted {WINDOW} with {k} star{'s' if k > 1 else ''}",
            "With the other stars, the rating distribution: J-shaped when customers choose "
            "whether to post (5 stars the most common, 1 star above 2 and 3; Hu, Pavlou & "
            "Zhang 2009).",
            better="neither",
        )
        for k in range(1, 6)
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
    KpiDefinition(
        "wom_ratio",
        "advocacy",
        "Positive : negative word of mouth",
        "ratio",
        f"messages about the focal brand delivered {WINDOW} (messages, not people)",
        "Positive messages ÷ negative messages (both above); East, Hammond & Wright (2007) "
        "measured about 3 : 1 across 15 studies (n/a with no negative message).",
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
        "gross_profit_usd",
        "economics",
        "Gross profit",
        "usd",
        f"focal purchases {WINDOW}, less refunds and the cost of the units sold",
        "Revenue minus units sold × `unit_cost_usd` (returned units are written off), US $.",
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
        "profit_usd",
        "economics",
        "Profit after strategy costs",
        "usd",
        f"the focal brand's gross profit and strategy spending {WINDOW}",
        "Gross profit minus strategy cost, US $ (fixed overheads are not modelled).",
    ),
    KpiDefinition(
        "clv_usd",
        "economics",
        "Customer lifetime value",
        "usd",
        "a new focal customer, over their first `economics.clv_horizon_days` days (365)",
        "Discounted gross profit a customer brings: the first purchase, then repeat purchases at "
        "the window's rate per customer-day for as long as the Kaplan-Meier curve keeps them, "
        "discounted at `economics.discount_rate` a year ('not observable' when the curve does "
        "not reach the horizon).",
        missing=NOT_OBSERVABLE,
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
HEADLINE_NAMES: tuple[str, ...] = tuple(k.name for k in KPI_DEFINITIONS if k.detail_of is None)
"""KPIs that stand on their own (the rest qualify one of them): the rows of tables and of
comparisons."""

DEPRECATED_NAMES: dict[str, str] = {
    "advocates": "advocate_events",
    "critics": "critic_events",
    "retention_90d": "retention_km_90d",
    "retention_365d": "retention_km_365d",
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
    people and events (`sim.market.window_tally.WindowTally.counts`)."""

    daily: pd.DataFrame
    acquired_day: np.ndarray
    churn_day: np.ndarray
    counts: Mapping[str, float]
    window_start: int = 1
    """The simulation day the measured window starts on (`warmup_days` + 1)."""
    unit_cost_usd: float = 0.0
    """The focal brand's cost per unit sold."""
    discount_rate: float = 0.0
    """Annual discount rate of future margin (customer lifetime value)."""
    clv_horizon_days: int = 365
    """Days of a customer's life counted in lifetime value."""

    @property
    def last_day(self) -> int:
        """The simulation day the window (so far) ends on."""
        return self.window_start + len(self.daily) - 1

    def survival(self) -> SurvivalData:
        """Ages, losses and entries of the customers the window observes (`sim.reports.survival`)."""
        return survival_data(self.acquired_day, self.churn_day, self.window_start, self.last_day)


def daily_profit(daily: pd.DataFrame, unit_cost_usd: float) -> pd.Series:
    """Profit after strategy costs per day: revenue net of refunds, less the units sold at
    their unit cost, less strategy spending."""
    gross = daily["revenue_usd"] - daily["purchases"] * unit_cost_usd
    return gross - daily["strategy_cost_usd"]


def economics_kpis(outcome: RunOutcome, total: pd.Series) -> dict[str, float]:
    """Revenue, gross profit, strategy cost, profit after it, and customer lifetime value."""
    revenue, cost = float(total["revenue_usd"]), float(total["strategy_cost_usd"])
    gross = revenue - float(total["purchases"]) * outcome.unit_cost_usd
    margin = ratio(gross, total["purchases"])  # per purchase, net of returns
    rate = ratio(total["repeat_purchases"], outcome.daily["customers"].sum())
    curve = curve_table(outcome.survival(), outcome.clv_horizon_days)["retention"].to_numpy()
    return {
        "revenue_usd": revenue,
        "gross_profit_usd": gross,
        "strategy_cost_usd": cost,
        "profit_usd": gross - cost,
        "clv_usd": lifetime_value(margin, rate, curve, outcome.discount_rate),
    }


def lifetime_value(margin: float, rate: float, survival: np.ndarray, discount_rate: float) -> float:
    """margin x (1 + sum over ages t = 1..H of S(t) x rate x d^t), d the daily discount factor
    of an annual `discount_rate`: the first purchase, then `rate` repeat purchases per day while
    still a customer (Gupta, Hanssens, Hardie et al. 2006, J. Service Research). NaN when any
    S(t) is not observable.

    >>> round(lifetime_value(10.0, 0.01, np.ones(366), 0.0), 6)  # 365 days x 0.01 x $10 + $10
    46.5
    """
    later = survival[1:]
    if np.isnan(later).any() or math.isnan(margin) or math.isnan(rate):
        return math.nan
    discount = (1.0 + discount_rate) ** (-np.arange(1, len(survival)) / 365.0)
    return float(margin * (1.0 + rate * float(np.sum(later * discount))))


def retention_kpis(data: SurvivalData) -> dict[str, float]:
    """Kaplan-Meier retention at each reported age, its 95% bounds and number at risk."""
    kpis = {}
    for estimate in retention_estimates(data):
        name = f"retention_km_{estimate.age_days}d"
        kpis[name] = estimate.retention
        kpis[f"{name}_ci_low"] = estimate.ci_low
        kpis[f"{name}_ci_high"] = estimate.ci_high
        kpis[f"{name}_at_risk"] = float(estimate.at_risk)
    return kpis


def compute_kpis(outcome: RunOutcome) -> dict[str, float]:
    """All KPIs of one run, in `KPI_NAMES` order."""
    daily, counts = outcome.daily, outcome.counts
    total = daily.sum(numeric_only=True)
    last = daily.iloc[-1]
    new = float(total["new_customers"])
    customers = [c for c in daily.columns if c.startswith("customers_")]
    market = float(last[customers].sum())
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
        **retention_kpis(outcome.survival()),
        "churned": float(total["churned"]),
        "customers_start": counts["customers_start"],
        "customers_end": float(last["customers"]),
        "market_share_end": ratio(last["customers"], market),
        "reviews": float(total["reviews"]),
        "mean_rating": ratio(total["review_stars"], total["reviews"]),
        **{column: float(total[column]) for column in STAR_COLUMNS},
        "advocate_people": counts["advocate_people"],
        "advocate_events": counts["advocate_events"],
        "critic_people": counts["critic_people"],
        "critic_events": counts["critic_events"],
        "wom_positive": float(total["wom_positive"]),
        "wom_negative": float(total["wom_negative"]),
        "wom_ratio": ratio(total["wom_positive"], total["wom_negative"]),
        **economics_kpis(outcome, total),
        "cost_per_acquired_usd": ratio(total["strategy_cost_usd"], new),
    }
    return {name: kpis[name] for name in KPI_NAMES}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0."""
    return float(numerator) / float(denominator) if denominator else math.nan
