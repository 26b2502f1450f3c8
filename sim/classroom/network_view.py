"""The network picture: a sample of consumers, laid out once, coloured by moment each day.

Why a snowball sample: a uniform sample of 2,000 of 10,000 people keeps only ~4% of the ties among
them (each tie survives with chance 0.2 x 0.2), so the picture would be scattered dots and word of
mouth would be invisible. Growing the sample breadth-first from a few random people keeps whole
neighbourhoods, the places where a message from an advocate or a critic lands.

The layout is computed once per market, not per day: the people stay in place and only their
colours change as they move through the moments. A direct `networkx.spring_layout` of 2,000
people took 6-9 s on a shared two-core machine (its repulsion is O(n^2) per iteration), too slow
for a Reset. So the layout has two levels: the snowball (in breadth-first order) is cut into
neighbourhoods of `GROUP_SIZE` people, `spring_layout` (seeded) places the neighbourhoods using the
ties between them, and each person sits near their neighbourhood's centre (seeded jitter).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.market.network import SocialGraph
from sim.market.state import Market

N_SHOWN = 2000
"""People shown in the network picture (the issue's responsiveness bar)."""
GROUP_SIZE = 10
"""People per neighbourhood in the two-level layout (assumption: about one person's contacts)."""


@dataclass(frozen=True)
class NetworkSample:
    """People shown, the ties among them (as positions in `people`) and their fixed layout."""

    people: np.ndarray
    ties: np.ndarray
    """(n_ties, 2) positions in `people` of the two ends of each tie."""
    positions: np.ndarray
    """(n_people, 2) layout coordinates in [-1, 1]."""

    def __repr__(self) -> str:
        return f"NetworkSample({len(self.people)} people, {len(self.ties)} ties)"


def snowball(graph: SocialGraph, n_shown: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `n_shown` people in breadth-first order, grown from random starting people."""
    n_shown = min(n_shown, graph.n)
    if graph.mixed:
        return rng.choice(graph.n, size=n_shown, replace=False).astype(np.int64)
    chosen = np.zeros(graph.n, dtype=bool)
    order: list[int] = []
    for start in rng.permutation(graph.n):
        if len(order) >= n_shown:
            break
        if chosen[start]:
            continue
        frontier = deque([int(start)])
        chosen[start] = True
        while frontier and len(order) < n_shown:
            person = frontier.popleft()
            order.append(person)
            contacts = graph.contacts[graph.start[person] : graph.start[person + 1]]
            fresh = contacts[~chosen[contacts]]
            chosen[fresh] = True
            frontier.extend(fresh.tolist())
    return np.asarray(order[:n_shown], dtype=np.int64)


def induced_ties(graph: SocialGraph, people: np.ndarray) -> np.ndarray:
    """Ties among `people`, each once, as positions in `people`."""
    if graph.mixed or len(people) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    position = np.full(graph.n, -1, dtype=np.int64)
    position[people] = np.arange(len(people))
    degree = graph.start[people + 1] - graph.start[people]
    source = np.repeat(np.arange(len(people)), degree)
    contacts = np.concatenate([graph.contacts[graph.start[p] : graph.start[p + 1]] for p in people])
    target = position[contacts]
    keep = (target >= 0) & (source < target)
    return np.column_stack([source[keep], target[keep]])


def two_level_layout(n: int, ties: np.ndarray, seed: int) -> np.ndarray:
    """Positions for `n` people in breadth-first order: spring layout of their neighbourhoods."""
    rng = np.random.default_rng(seed)
    group = np.arange(n) // GROUP_SIZE
    n_groups = int(group[-1]) + 1 if n else 0
    between = nx.Graph()
    between.add_nodes_from(range(n_groups))
    a, b = group[ties[:, 0]], group[ties[:, 1]]
    pairs, weight = np.unique(np.column_stack([a, b])[a != b], axis=0, return_counts=True)
    between.add_weighted_edges_from(
        (int(u), int(v), int(w)) for (u, v), w in zip(pairs, weight, strict=True)
    )
    layout = nx.spring_layout(between, seed=seed, weight="weight")
    centres = np.array([layout[g] for g in range(n_groups)]).reshape(-1, 2)
    spread = 0.6 / max(np.sqrt(n_groups), 1.0)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = spread * np.sqrt(rng.uniform(0, 1, n))
    offsets = np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    return centres[group] + offsets if n else np.zeros((0, 2))


def sample_network(graph: SocialGraph, n_shown: int = N_SHOWN, seed: int = 0) -> NetworkSample:
    """A snowball sample of the graph with its layout (computed once per market)."""
    people = snowball(graph, n_shown, np.random.default_rng(seed))
    ties = induced_ties(graph, people)
    positions = two_level_layout(len(people), ties, seed)
    return NetworkSample(people=people, ties=ties, positions=positions)


@dataclass(frozen=True)
class NetworkState:
    """Today's look of the sample: moment, stance and who is talking right now."""

    moment: np.ndarray
    stance: np.ndarray
    """+1 advocate, -1 critic of the focal brand, 0 neither (or a voice about a rival)."""
    talking: np.ndarray
    """True for advocates and critics inside their feedback window today."""


def network_state(sample: NetworkSample, market: Market) -> NetworkState:
    """Read today's moments and stances of the sampled people from the market's columns."""
    people = market.people
    who = sample.people
    # small whole numbers: a class's step hands this from the markets' process to the server
    moment = market.units.moment[people.unit[who]].astype(np.int8)
    focal = people.stance_brand[who] == 0  # the picture rings the focal brand's voices only
    stance = np.where(focal, people.stance[who], 0).astype(np.int8)
    talking = (stance != 0) & (people.talk_until[who] >= market.day - 1)
    return NetworkState(moment=moment, stance=stance, talking=talking)
