"""The cost of the agent path: a market where 10% of people decide through Python methods.

Why: the engine decides for cohorts in numpy; a custom agent class (`sim.agents`) makes the
rules call a method per agent for its people. Researchers need to know what that costs before
they write one (issue 15: a 10,000-person year with 10% custom agents, per overridden decision).
Each custom class re-implements the default per person (the equivalence test's classes), so the
runs make the same decisions and only the path differs.
"""

from __future__ import annotations

import time
from typing import Any

from sim.agents import Consumer
from sim.bench.targets import Figure
from sim.bench.workload import Workload
from sim.model import JourneyModel

CUSTOM_SHARE = 0.1


class CountingChooser(Consumer):
    """Chooses as the default does, per agent, and counts the calls."""

    calls = 0

    def choose(self, shelf):
        CountingChooser.calls += 1
        return Consumer.choose(self, shelf)


class CountingRebuyer(Consumer):
    """Decides the loyalty loop as the default does, per agent, and counts the calls."""

    calls = 0

    def rebuy_or_switch(self, need):
        CountingRebuyer.calls += 1
        return Consumer.rebuy_or_switch(self, need)


def time_run(case: Workload, agent_classes=None) -> float:
    """CPU seconds of one run of `case` (the build and the agents' creation excluded)."""
    model = JourneyModel(case.scenario(), with_agents=False, agent_classes=agent_classes)
    start = time.process_time()
    model.run()
    return time.process_time() - start


def measure_agent_path(case: Workload) -> dict[str, Any]:
    """Seconds of the run with no custom agents, and the extra seconds and microseconds per call
    of each decision taken over by 10% of people."""
    plain_s = time_run(case)
    result: dict[str, Any] = {"consumers": case.n_consumers, "days": case.days, "plain_s": plain_s}
    for name, cls in (("choose", CountingChooser), ("rebuy_or_switch", CountingRebuyer)):
        cls.calls = 0
        custom_s = time_run(case, {Consumer: {cls: CUSTOM_SHARE}})
        extra = custom_s - plain_s
        result[name] = {
            "seconds": custom_s,
            "extra_s": extra,
            "calls": cls.calls,
            "us_per_call": 1e6 * extra / cls.calls if cls.calls else None,
        }
    return result


def agent_path_figures(result: dict[str, Any] | None) -> list[Figure]:
    """The plain run's seconds, then per decision the extra seconds and microseconds a call."""
    if result is None:
        return []
    where = f"{result['consumers']:,} consumers x {result['days']} d, 10% custom"
    figures = [
        Figure("agents.plain_s", f"run without custom agents ({where})", result["plain_s"], "s")
    ]
    for name in ("choose", "rebuy_or_switch"):
        r = result[name]
        figures += [
            Figure(
                f"agents.{name}_extra_s",
                f"extra seconds with `{name}` per agent ({where}; {r['calls']:,} calls)",
                r["extra_s"],
                "s",
            ),
            Figure(
                f"agents.{name}_us_per_call",
                f"extra microseconds per `{name}` call",
                r["us_per_call"],
                "us",
            ),
        ]
    return figures
