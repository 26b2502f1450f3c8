"""Digests of what a run produces, for checking that a speed-up changed no result.

Why: an engine change meant to be result-neutral (docs/performance.md, "Fewer calls a day")
must leave every byte of the daily table (warm-up included), the KPIs, the funnel and the
cohorts as they were, in every path the engine can take: b2c and b2b, every strategy, the due
calendar, the touch log, a mean-field market, rejection, silenced sources. Run this before the
change and after it, and compare:

    python experiments/result_digests.py > before.json
    # ... change the engine ...
    python experiments/result_digests.py > after.json && diff before.json after.json

About a minute of CPU. The digests are not stored in the repository: a model change (not an
engine one) changes them on purpose.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

import sim.market.state as market_state
from sim.bench.workload import with_all_strategies
from sim.market.touch_log import TouchLog
from sim.model import JourneyModel
from sim.scenario.config import load_scenario, with_overrides

CASES: dict[str, tuple[str, int | None, int, bool, dict[str, Any]]] = {
    "baseline 2,000 seed 42": ("scenarios/baseline.toml", 2000, 42, False, {}),
    "baseline 2,000 seed 7": ("scenarios/baseline.toml", 2000, 7, False, {}),
    "follow-up e-mail": ("scenarios/follow_up_email.toml", 2000, 42, False, {}),
    "b2b subscription": ("scenarios/b2b_subscription.toml", None, 42, False, {}),
    "full funnel": ("scenarios/full_funnel.toml", 2000, 42, False, {}),
    "launch": ("scenarios/launch.toml", 3000, 42, False, {}),
    "every strategy": ("scenarios/baseline.toml", 3000, 5, True, {}),
    "review solicitation": ("scenarios/review_solicitation.toml", 2000, 3, False, {}),
    "retention content": ("scenarios/retention_content.toml", 2000, 3, False, {}),
    "customer service": ("scenarios/customer_service.toml", 2000, 3, False, {}),
    "negative word of mouth": ("scenarios/lessons/negative_wom.toml", 2000, 3, False, {}),
    "mixed market": ("scenarios/baseline.toml", 2000, 9, False, {"network.kind": "mixed"}),
    "bench 10k launch state": ("scenarios/baseline.toml", 10000, 42, False, {"warmup_days": 0}),
    "scale-free, rejection": (
        "scenarios/baseline.toml",
        2000,
        4,
        True,
        {"network.kind": "scale_free", "feedback.p_reject_on_negative": 0.2},
    ),
    "silenced sources": (
        "scenarios/baseline.toml",
        2000,
        9,
        False,
        {"brands.focal.silenced_sources": ["word_of_mouth", "review_sites"]},
    ),
}
"""name: (scenario file, consumers or None for the file's, seed, every strategy on, overrides)."""
CALENDAR_CASES = ("every strategy", "b2b subscription")
"""Run again with the due calendar at any size (`CALENDAR_MIN_UNITS` = 0)."""
TOUCH_LOG_CASE = "every strategy"
"""Run again with a journey touch log, as `mot attribute` does."""


def build(name: str) -> JourneyModel:
    """The model of one case, not yet run."""
    path, consumers, seed, every_strategy, overrides = CASES[name]
    scenario = load_scenario(path)
    if consumers is not None:
        overrides = {"population.n_consumers": consumers, **overrides}
    if overrides:
        scenario = with_overrides(scenario, overrides, "digest")
    if every_strategy:
        scenario = with_all_strategies(scenario)
    return JourneyModel(scenario, seed=seed, with_agents=False, warm_up=False)


def digest(model: JourneyModel) -> str:
    """SHA-256 (first 16 hex digits) of what a run produces, after running it."""
    model.run()
    h = hashlib.sha256(model.market.daily.table.tobytes())
    h.update(json.dumps(model.kpis(), sort_keys=True, default=str).encode())
    h.update(model.funnel().to_csv().encode())
    h.update(model.cohorts().to_csv().encode())
    if model.market.touches is not None:
        journeys = model.market.touches.journeys()
        for field in ("unit", "day", "outcome", "prospect", "touch_journey", "touch_code"):
            h.update(getattr(journeys, field).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    """Print every case's digest as JSON."""
    out = {name: digest(build(name)) for name in CASES}
    minimum = market_state.CALENDAR_MIN_UNITS
    market_state.CALENDAR_MIN_UNITS = 0
    try:
        out.update({f"{name}, due calendar": digest(build(name)) for name in CALENDAR_CASES})
    finally:
        market_state.CALENDAR_MIN_UNITS = minimum
    model = build(TOUCH_LOG_CASE)
    model.market.touches = TouchLog()
    out[f"{TOUCH_LOG_CASE}, touch log"] = digest(model)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
