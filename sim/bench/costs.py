"""Where a day's time goes: each rule `JourneyModel.step` calls, timed over a whole run.

The run is profiled with `cProfile` and the table keeps the functions called directly by the
model's day (`step`, or the helper it hands the day to: the journey rules, strategy hooks and
bookkeeping), so a rule added later shows up
without changing this module. Each rule is tagged with the moment it serves. A second table
lists the functions with the most self time anywhere, which points at the line to optimise.
Profiling slows small calls down, so shares matter more than absolute seconds here.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.bench.workload import Workload
from sim.market.moments import Moment
from sim.model import JourneyModel

MOMENT_OF_MODULE: dict[str, str] = {
    "triggers": Moment.PRE_ZMOT.label,
    "research": Moment.ZMOT.label,
    "shelf": Moment.FMOT.label,
    "experience": Moment.SMOT.label,
    "feedback": Moment.UMOT.label,
    "loyalty": Moment.LOYALTY.label,
    "word_of_mouth": f"{Moment.UMOT.label} -> {Moment.ZMOT.label}",
    "model": "bookkeeping",
    "market": "bookkeeping",
    "streams": "bookkeeping",
    "keyed_draws": "bookkeeping",
}
"""The moment each rule module serves (module names follow `sim/`'s layout)."""

SIM_ROOT = Path(__file__).resolve().parent.parent


def profile_run(workload: Workload) -> tuple[pstats.Stats, float, float]:
    """Build and run `workload` under cProfile; return the stats and unprofiled build seconds."""
    scenario = workload.scenario()
    start = time.perf_counter()
    model = JourneyModel(scenario, with_agents=workload.with_agents)
    build_s = time.perf_counter() - start
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(model.run, workload.days)
    run_s = time.perf_counter() - start
    return pstats.Stats(profiler), build_s, run_s


def where(func: tuple[str, int, str]) -> str:
    """`module.function` for a profiled function, e.g. `journey.word_of_mouth.spread_word_of_mouth`."""
    filename, _, name = func
    path = Path(filename)
    if path.is_relative_to(SIM_ROOT):
        module = ".".join(path.relative_to(SIM_ROOT).with_suffix("").parts)
        return f"{module}.{name}"
    return f"{path.stem}.{name}" if filename != "~" else name


def rule_table(stats: pstats.Stats) -> pd.DataFrame:
    """Seconds spent in each function the model's day calls, with its moment and share."""
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    step = day_function(entries)
    step_s = entries[step][3]
    rows = []
    for func, (_, total_calls, _, total_s, callers) in entries.items():
        if step in callers:
            calls, _, _, cumulative = callers[step]
            name = where(func)
            if name.startswith("journey."):  # only the day calls a rule: take its own totals, as
                calls, cumulative = total_calls, total_s  # cProfile can credit one call elsewhere
            module = name.split(".")[-2] if "." in name else ""
            moment = MOMENT_OF_MODULE.get(module, "strategy" if "strategies" in name else "-")
            rows.append({"rule": name, "moment": moment, "calls": calls, "seconds": cumulative})
    table = pd.DataFrame(rows, columns=["rule", "moment", "calls", "seconds"])
    other = step_s - table["seconds"].sum()
    table.loc[len(table)] = ["(step itself)", "bookkeeping", entries[step][1], max(other, 0.0)]
    table["share"] = table["seconds"] / step_s
    return table.sort_values("seconds", ascending=False, ignore_index=True)


def day_function(entries: dict[tuple[str, int, str], Any]) -> tuple[str, int, str]:
    """The function of `sim/model.py` that runs the day's rules: the caller of the first rule
    (`JourneyModel.step`, or whatever helper `step` hands the day to)."""
    first_rule = next(f for f in entries if where(f) == "journey.triggers.start_journeys")
    callers = entries[first_rule][4]
    return next(f for f in callers if Path(f[0]).resolve() == SIM_ROOT / "model.py")


def hot_spots(stats: pstats.Stats, top: int = 10) -> pd.DataFrame:
    """The `top` functions by self time (time not spent in functions they call)."""
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(e[2] for e in entries.values())
    rows = [
        {"function": where(func), "calls": e[1], "self_seconds": e[2], "share": e[2] / total}
        for func, e in entries.items()
    ]
    table = pd.DataFrame(rows).sort_values("self_seconds", ascending=False, ignore_index=True)
    return table.head(top)


def measure_costs(workload: Workload) -> dict[str, Any]:
    """The rule table and hot spots of one profiled run, as JSON-ready records."""
    stats, build_s, profiled_run_s = profile_run(workload)
    return {
        "n_consumers": workload.n_consumers,
        "days": workload.days,
        "variant": workload.variant,
        "build_s": build_s,
        "profiled_run_s": profiled_run_s,
        "rules": rule_table(stats).to_dict(orient="records"),
        "hot_spots": hot_spots(stats).to_dict(orient="records"),
    }
