"""One benchmark run: the order things are measured in, the report and the files."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim.bench.agent_path import measure_agent_path
from sim.bench.chart import scaling_chart
from sim.bench.costs import measure_costs
from sim.bench.crn import crn_paths, measure_crn
from sim.bench.large import TEN_MILLION, measure_ten_million
from sim.bench.peer import measure_peer
from sim.bench.probes import measure_end_to_end, measure_sizes, measure_startup, measure_sweep
from sim.bench.report import all_figures, print_report, write_results
from sim.bench.screen import measure_full_screen, measure_screen_sample, not_measured
from sim.bench.targets import Figure
from sim.bench.workload import BenchPlan, Workload
from sim.reports.store import git_state


def machine() -> dict[str, Any]:
    """Where the figures were taken (they only hold for this kind of machine)."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": list(os.getloadavg()),
        "git": git_state(),
    }


def measure_plan_crn(plan: BenchPlan) -> dict[str, Any] | None:
    """The CRN efficiency comparison of the plan, or None when it is off or the scenario
    files are not here."""
    paths = crn_paths()
    if plan.crn_replications < 2 or paths is None:
        print("CRN efficiency: not measured (no replications, or the scenario files are missing)")
        return None
    print(
        f"CRN efficiency: {plan.crn_replications} replications each of {paths[0]} and "
        f"{paths[1]} ..."
    )
    return measure_crn(*paths, plan.crn_replications, plan.crn_days, plan.crn_consumers, print)


def measure_plan_screen(plan: BenchPlan, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sensitivity screen: a sample of its runs (projected to the whole) and, with
    `--full-screen`, the whole screen; each a record saying why when it is not measured."""
    path = plan.screen_path
    if path is None:
        why = "no experiments/sensitivity_screen.toml here"
        print(f"Sensitivity screen: not measured ({why})")
        return not_measured(None, why), not_measured(None, why)
    if plan.screen_sample < 1:
        print("Sensitivity screen: not measured by --quick (run without --quick)")
        sample = not_measured(path, "--quick: run without --quick")
    else:
        print(f"Sensitivity screen `mot sweep {path}`: a sample of its runs ...")
        sample = measure_screen_sample(path, plan.screen_sample, plan.screen_workers)
    if not plan.full_screen:
        return sample, not_measured(path, "run with --full-screen")
    print(
        f"Sensitivity screen: the whole `mot sweep {path}` (20-80 min on a shared 2-core machine) ..."
    )
    return sample, measure_full_screen(path, plan.screen_workers, out)


def measure_plan_ten_million(plan: BenchPlan) -> dict[str, Any]:
    """10M consumers x 365 days with `--ten-million`, else a "not measured" record."""
    if not plan.ten_million:
        print("10M consumers x 365 days: not measured (run with --ten-million)")
        return {"measured": False, "why": "run with --ten-million"}
    print(f"{TEN_MILLION:,} consumers x 365 days (fresh process, one core) ...")
    return measure_ten_million(plan.workload(TEN_MILLION, 365))


def run_bench(plan: BenchPlan, out: Path) -> tuple[dict[str, Any], list[Figure]]:
    """Measure everything in `plan`, print the report and write `bench.json` and the chart."""
    print(f"mot bench: {plan.scenario_path or 'Scenario() defaults'}, sizes {plan.sizes}")
    print("Sizes (each in a fresh process, one core):")
    sizes = measure_sizes(plan.workloads())
    print("Start-up of `mot run` (fresh process) ...")
    startup = measure_startup(plan.scenario_path)
    end_to_end = None
    if plan.end_to_end:
        print(f"`mot run {plan.scenario_path}` end to end (fresh process) ...")
        end_to_end = measure_end_to_end(plan.scenario_path)
    print(f"Sweep throughput: {plan.sweep_runs} runs with 1, then 2 workers ...")
    sweep_case = plan.workload(plan.sweep_size, plan.sweep_days)
    sweep = measure_sweep(sweep_case, plan.sweep_runs)
    screen, full_screen = measure_plan_screen(plan, out)
    print(f"Cost per rule: profiling {plan.profile_size:,} consumers x {plan.days} days ...")
    variant = "strategies" if "strategies" in plan.variants else "baseline"
    costs = measure_costs(plan.workload(plan.profile_size, plan.days, variant))
    crn = measure_plan_crn(plan)
    print(f"Engine vs Mesa's virus_on_network ({plan.peer_agents:,} x {plan.peer_steps}) ...")
    peer = measure_peer(plan.scenario_path, plan.base_json, plan.peer_agents, plan.peer_steps)
    print(f"Agent path: {plan.peer_agents:,} consumers x {plan.peer_steps} days, 10% custom ...")
    agent_case = Workload(
        plan.peer_agents, plan.peer_steps, "baseline", plan.scenario_path, plan.base_json
    )
    agent_path = measure_agent_path(agent_case)
    ten_million = measure_plan_ten_million(plan)
    results = {
        "plan": asdict(plan) | {"base_json": None},
        "machine": machine(),
        "sizes": sizes,
        "startup": startup,
        "end_to_end": end_to_end,
        "sweep": sweep,
        "costs": costs,
        "crn": crn,
        "peer": peer,
        "agent_path": agent_path,
        "screen": screen,
        "full_screen": full_screen,
        "ten_million": ten_million,
    }
    figures = all_figures(results)
    print_report(results, figures)
    out.mkdir(parents=True, exist_ok=True)
    chart = scaling_chart(sizes, out / "bench_scaling.png")
    written = write_results(results, figures, out)
    print(f"\nWrote {written} and {chart}")
    return results, figures
