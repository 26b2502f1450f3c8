"""The levers on the classroom page, and turning their values into a validated scenario.

The page never writes settings itself: `scenario_for` applies the levers with
`sim.scenario.config.with_overrides`, so every combination is validated like a scenario file and an
impossible one (a quality crisis that ends before it starts, a negative seed) is a one-line
`ScenarioError`, shown on the page instead of a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.classroom.levers import (
    FOCAL,
    Lever,
    ad_cpm,
    brand_lever,
    read_ad_spend,
    read_negativity,
    strategy_lever,
    strategy_table,
    strategy_value,
    switch_lever,
    write_ad_spend,
    write_negativity,
)
from sim.errors import ScenarioError
from sim.scenario.config import with_overrides
from sim.scenario.settings import Scenario

MARKET_LEVERS: tuple[Lever, ...] = (
    Lever(
        "population",
        "People in the market",
        "int",
        lambda s: s.population.n_consumers,
        lambda v, _: {"population.n_consumers": int(v)},
        minimum=1000,
        maximum=20_000,
        step=1000,
        help="Both strategies face the same people.",
    ),
    Lever(
        "seed",
        "Seed (same seed = same market for the whole class)",
        "int",
        lambda s: s.seed,
        lambda v, _: {"seed": int(v)},
        minimum=0,
        maximum=2**31 - 1,
    ),
)
"""Levers shared by both strategies: they define the market."""

STRATEGY_LEVERS: tuple[Lever, ...] = (
    brand_lever("quality", "Product quality (stars)", "quality", minimum=1.0, maximum=5.0, step=0.1),
    Lever(
        "on_time",
        "On-time delivery (%)",
        "float",
        lambda s: round(100.0 * (1.0 - s.brands["focal"].p_late_delivery), 6),
        lambda v, _: {f"{FOCAL}.p_late_delivery": round(1.0 - float(v) / 100.0, 9)},
        minimum=50.0,
        maximum=100.0,
        step=1.0,
    ),
    switch_lever("quality_crisis", "Quality crisis (a bad batch)", "quality_crisis",
                 "SMOT: for a while many units have a problem."),
    strategy_lever("crisis_start", "Crisis starts on day", "quality_crisis", "start_day",
                   minimum=1, maximum=365, needs="quality_crisis"),
    strategy_lever("crisis_end", "Crisis ends on day", "quality_crisis", "end_day",
                   minimum=1, maximum=365, needs="quality_crisis"),
    switch_lever("follow_up_email", "Follow-up e-mail", "follow_up_email",
                 "SMOT: an e-mail after delivery asks whether everything arrived well."),
    strategy_lever("follow_up_delay", "E-mail delay (days after delivery)", "follow_up_email",
                   "delay_days", maximum=30, needs="follow_up_email"),
    switch_lever("review_requests", "Ask for reviews", "review_solicitation",
                 "UMOT: ask customers to post a review."),
    strategy_lever("review_delay", "Review request delay (days after purchase)",
                   "review_solicitation", "delay_days", maximum=60, needs="review_requests"),
    switch_lever("reply_to_reviews", "Reply to critics", "reply_to_reviews",
                 "UMOT: answer negative reviews, politely and fast."),
    strategy_lever("reply_share", "Negative reviews answered (%)", "reply_to_reviews",
                   "share_replied", percent=True, maximum=100.0, step=5.0,
                   needs="reply_to_reviews"),
    Lever(
        "ad_spend",
        "Ad spend (USD per day)",
        "float",
        read_ad_spend,
        write_ad_spend,
        maximum=200.0,
        step=5.0,
        strategy="advertising",
        field="reach_daily",
        help="<ZMOT: ads make people aware and may start a need.",
    ),
    switch_lever("influencer_campaign", "Influencer campaign", "influencer_campaign",
                 "<ZMOT: influencers post about the brand to their followers."),
    switch_lever("faq_content", "Write FAQ and how-to content", "faq_content",
                 "ZMOT: answer prospects' questions before they ask."),
    strategy_lever("faq_coverage", "Questions answered (%)", "faq_content", "coverage",
                   percent=True, maximum=100.0, step=5.0, needs="faq_content"),
    brand_lever("faq_coverage_brand", "FAQ coverage (% of questions answered)", "faq_coverage",
                percent=True, maximum=100.0, step=5.0, unless="faq_content"),
    Lever(
        "wom_asymmetry",
        "Critic messages per advocate message",
        "choice",
        read_negativity,
        write_negativity,
        choices=(1.0, 2.0, 3.0, 4.0, 10.0, 100.0, 1000.0),
        help="2: Goldenberg et al. 2007; 4: the model's default (TARP: critics tell 12); "
        "1000: 'angry customers tell 3,000' (folk).",
    ),
    switch_lever("onboarding", "Onboarding programme (B2B)", "onboarding",
                 "SMOT: help the buying centre's end users get going.", markets=("b2b",)),
    strategy_lever("onboarded", "End users well onboarded (%)", "onboarding", "p_onboarded",
                   percent=True, maximum=100.0, step=5.0, needs="onboarding", markets=("b2b",)),
    brand_lever("onboarded_brand", "End users well onboarded (%)", "p_onboarded",
                percent=True, maximum=100.0, step=5.0, unless="onboarding", markets=("b2b",)),
)  # fmt: skip
"""Levers each strategy (A and B) sets for the focal brand."""


def available(levers: tuple[Lever, ...]) -> tuple[Lever, ...]:
    """The levers whose strategy exists."""
    return tuple(lever for lever in levers if lever.available)


def lever_values(scenario: Scenario, levers: tuple[Lever, ...]) -> dict[str, Any]:
    """Each available lever's value in `scenario` (where the page starts)."""
    values = {lever.key: lever.read(scenario) for lever in available(levers)}
    for lever in available(levers):
        if lever.kind == "choice" and values[lever.key] not in lever.choices:
            values[lever.key] = min(lever.choices, key=lambda c: abs(c - values[lever.key]))
    return values


def scenario_for(
    base: Scenario, market: Mapping[str, Any], strategy: Mapping[str, Any], source: str
) -> Scenario:
    """The base scenario with the market's and one strategy's lever values applied.

    Raises:
        ScenarioError: the combination is impossible; the message names `source` and the key.
    """
    context = {**market, **strategy, "_ad_cpm_usd": ad_cpm(base)}
    overrides: dict[str, Any] = {}
    for lever in available(MARKET_LEVERS) + available(STRATEGY_LEVERS):
        if lever.key not in context:
            continue
        if lever.needs is not None and not context.get(lever.needs, False):
            continue
        overrides.update(lever.write(context[lever.key], context))
    overrides = {k: v for k, v in overrides.items() if not absent_and_off(base, k, v)}
    return with_overrides(base, overrides, source)


def absent_and_off(base: Scenario, key: str, value: Any) -> bool:
    """An `enabled = false` for a strategy the base scenario does not run: leave it out."""
    parts = key.split(".")
    if parts[-1] != "enabled" or value:
        return False
    return strategy_table(base, parts[-2]) is None


def advice(scenario: Scenario) -> list[str]:
    """Warnings about lever combinations that are allowed but cannot work as students expect."""
    notes = []
    exp = scenario.experience
    email = strategy_table(scenario, "follow_up_email")
    if email and email.get("enabled", True):
        delay = strategy_value(scenario, "follow_up_email", "delay_days")
        if delay >= exp.use_days:
            notes.append(
                f"the follow-up e-mail arrives {delay} days after delivery, after customers judge "
                f"the product ({exp.use_days:g} days of use): it can no longer prevent a critic."
            )
    ads = strategy_table(scenario, "advertising")
    if (
        ads
        and ads.get("enabled", True)
        and strategy_value(scenario, "advertising", "reach_daily") >= 1
    ):
        notes.append("the ad spend already reaches everyone every day; more buys nothing.")
    onboarding = strategy_table(scenario, "onboarding")
    if onboarding and onboarding.get("enabled", True) and scenario.population.market == "b2c":
        notes.append("onboarding acts on B2B buying centres only; this market is B2C.")
    return notes


__all__ = [
    "MARKET_LEVERS",
    "STRATEGY_LEVERS",
    "ScenarioError",
    "advice",
    "available",
    "lever_values",
    "scenario_for",
]
