"""Will a market fit in this machine's memory? Estimated before building, refused in one line.

Without this check, a market too large for the machine is found out by a `MemoryError`
traceback (or the kernel's OOM killer) after a minute of building. The estimate is the peak
resident memory of building and running a market, measured (VmHWM, in a fresh process, minus
the mark before building) on Linux x86-64 with numpy 2, Python 3.12:

- `BYTES_PER_PERSON`: 110 bytes per person with 2 brands (1,000,000 people, no ties), 142 with 8
  brands: 100 + 6 per brand (attitude float32, awareness and rejection flags per brand);
- `BYTES_PER_AGENT`: 485 more per person with a Mesa agent each (`with_agents=True`);
- `BYTES_PER_TIE`: 54 to 57 bytes per undirected tie (1,000,000 people: 5 million ties
  small-world and scale-free, 7.5 million in cliques; measured on 2026-11-30, after the graph
  build began freeing each temporary once used): the edge lists and their sort while
  `network.to_csr` runs;
- `BYTES_PER_FOLLOWER`: 12 per influencer follower (int32 ids and their draws);
- `COMPILED_KERNELS_BYTES`: 250 MB once per process for numba's compiled draw, bookkeeping and
  journey kernels (LLVM and the code; they warm up while the first model builds): measured 57 MB above
  the market's own with numba's cache warm and 203 MB when the kernels compile (a fresh
  checkout, journey kernels alone; the bookkeeping kernels added 16 MB on their own; 91 MB before
  either, issue 12).

The figures are rounded up a little; the check refuses only what clearly cannot fit.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario.settings import Scenario

BYTES_PER_PERSON = 100
BYTES_PER_PERSON_BRAND = 6
BYTES_PER_AGENT = 500
BYTES_PER_TIE = 60
BYTES_PER_FOLLOWER = 12
COMPILED_KERNELS_BYTES = 250_000_000


def people_count(scenario: Scenario) -> int:
    """People in the market (B2B units hold several people, but `n_consumers` counts people)."""
    return scenario.population.n_consumers


def tie_count(scenario: Scenario) -> int:
    """Undirected ties the network builder draws (before duplicates are dropped)."""
    n, net = people_count(scenario), scenario.network
    if net.kind == "mixed" or n < 2:
        return 0
    if net.kind == "small_world":
        return n * max(1, min(net.mean_degree // 2, (n - 1) // 2))
    if net.kind == "scale_free":
        return n * net.mean_degree // 2
    size = min(net.clique_size, n)
    return (n // size) * size * (size - 1) // 2 + n * net.weak_ties // 2


def market_bytes(scenario: Scenario, with_agents: bool = False) -> int:
    """Estimated peak memory of building and running the scenario's market, in bytes."""
    n = people_count(scenario)
    per_person = BYTES_PER_PERSON + BYTES_PER_PERSON_BRAND * len(scenario.brands)
    per_person += BYTES_PER_AGENT if with_agents else 0
    pop = scenario.population
    followers = min(pop.n_social_influencers, n) * pop.influencer_audience
    market = n * per_person + tie_count(scenario) * BYTES_PER_TIE + followers * BYTES_PER_FOLLOWER
    return COMPILED_KERNELS_BYTES + market


def available_bytes() -> int | None:
    """Memory this process can still take: the least of the kernel's `MemAvailable` and the
    room left under a cgroup limit (containers); None if neither can be read."""
    limits = [meminfo_available(), cgroup_room()]
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def meminfo_available() -> int | None:
    """`MemAvailable` from /proc/meminfo (Linux), else free pages from `sysconf`."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


CGROUP_FILES: tuple[tuple[str, str], ...] = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
    (
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",  # cgroup v1
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
    ),
)


def cgroup_room() -> int | None:
    """Limit minus usage of this process's memory cgroup, if it has a limit."""
    for limit_file, usage_file in CGROUP_FILES:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # v1 writes "no limit" as a huge number
            return max(int(limit) - usage, 0)
    return None


def check_market_fits(scenario: Scenario, source: str, with_agents: bool = False) -> None:
    """Refuse, in one line naming the estimate and what is available, a market that cannot fit."""
    need, have = market_bytes(scenario, with_agents), available_bytes()
    if have is None or need <= have:
        return
    n, ties = people_count(scenario), tie_count(scenario)
    raise ScenarioError(
        f"{source}: population.n_consumers: a market of {n:,} people and {ties:,} ties needs "
        f"about {gib(need)} of memory, but {gib(have)} is available; use fewer people or "
        "fewer ties (network.mean_degree, clique_size, weak_ties)"
    )


def gib(size: int) -> str:
    """Bytes as GiB (or MiB below one GiB), for messages."""
    return f"{size / 2**30:,.1f} GiB" if size >= 2**30 else f"{size / 2**20:,.0f} MiB"
