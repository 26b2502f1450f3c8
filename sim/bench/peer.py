"""The engine against a peer, timed in one process: Mesa's own `virus_on_network` example.

Why: agent-steps per second on a loaded, shared machine vary by a factor of two from hour to
hour; a ratio of two rates measured back to back in the same process cancels most of it
(issue 12: at least 10x Mesa's example at 10,000 agents x 365 steps). Also times the small
runs a sweep is made of (2,000 consumers x 365 days) in the same process.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any
from unittest import mock

import networkx as nx

from sim.bench.workload import Workload
from sim.model import JourneyModel

PEER_NODES = 10_000
PEER_STEPS = 365
SMALL_RUN = 2_000
PEER_REPEATS = 3
"""Runs of each engine, interleaved; the ratio compares the fastest of each (on a shared
machine one run of either can be 30-50% slow, and the slowest runs say most about the load)."""


def time_engine(case: Workload) -> float:
    """CPU seconds of the engine's run of `case` (no warm-up, no Mesa agents; build excluded)."""
    model = JourneyModel(case.scenario(), with_agents=False)
    start = time.process_time()
    model.run()
    return time.process_time() - start


def time_virus_on_network(nodes: int, steps: int, seed: int = 1) -> float:
    """CPU seconds of `steps` steps of Mesa's virus example on `nodes` nodes (build excluded).

    The example builds its graph with the O(n^2) `erdos_renyi_graph`, unseeded, and lays it out
    with `spring_layout` (minutes at 10k nodes); both are swapped for a seeded
    `fast_gnp_random_graph` and no layout, which the steps never read.
    """
    from mesa.examples.basic.virus_on_network import model as virus

    graph = partial(nx.fast_gnp_random_graph, seed=seed)
    network = partial(virus.Network, layout=None)
    with (
        mock.patch.object(virus.nx, "erdos_renyi_graph", graph),
        mock.patch.object(virus, "Network", network),
    ):
        peer = virus.VirusOnNetwork(num_nodes=nodes, initial_outbreak_size=10, rng=seed)
    start = time.process_time()
    for _ in range(steps):
        peer.step()
    return time.process_time() - start


def measure_peer(
    scenario_path: str | None,
    base_json: str | None,
    agents: int = PEER_NODES,
    days: int = PEER_STEPS,
) -> dict[str, Any]:
    """Engine and Mesa example agent-steps per second (best of `PEER_REPEATS` each), and a
    2,000-consumer year (best of 3), in this process."""
    engine_case = Workload(agents, days, "baseline", scenario_path, base_json)
    small_case = Workload(SMALL_RUN, PEER_STEPS, "baseline", scenario_path, base_json)
    engine_runs, mesa_runs = [], []
    for _ in range(PEER_REPEATS):  # interleaved, so both see the same load
        engine_runs.append(time_engine(engine_case))
        mesa_runs.append(time_virus_on_network(agents, days))
    engine_s, mesa_s = min(engine_runs), min(mesa_runs)
    small_s = min(time_engine(small_case) for _ in range(3))
    steps = agents * days
    return {
        "agents": agents,
        "steps": days,
        "repeats": PEER_REPEATS,
        "engine_cpu_s": engine_s,
        "mesa_cpu_s": mesa_s,
        "engine_cpu_s_runs": engine_runs,
        "mesa_cpu_s_runs": mesa_runs,
        "engine_agent_steps_per_s": steps / engine_s,
        "mesa_agent_steps_per_s": steps / mesa_s,
        "ratio": mesa_s / engine_s,
        "small_run_consumers": SMALL_RUN,
        "small_run_cpu_s": small_s,
    }
