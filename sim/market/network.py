"""Seeded social networks as compressed adjacency (CSR) arrays.

Why not networkx graphs: a networkx graph costs ~1 KB per edge and seconds per 100k nodes, and a
1M-person market must fit in 1.5 KB per person. These generators build the same families with
vectorised numpy and are tested against networkx's on small graphs (tests/test_network.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.settings import Network as NetworkSettings
from sim.scenario.settings import Population


@dataclass(frozen=True)
class SocialGraph:
    """Undirected ties as CSR: person i's contacts are `contacts[start[i]:start[i + 1]]`."""

    start: np.ndarray
    contacts: np.ndarray
    strong: np.ndarray
    """Per tie: True for a strong tie (same clique), False for a weak tie."""
    mixed: bool = False
    """Mean-field market: no ties; everyone meets everyone at random."""

    @property
    def n(self) -> int:
        """People in the graph."""
        return len(self.start) - 1

    def degree(self, who: np.ndarray | None = None) -> np.ndarray:
        """Number of contacts of each person in `who` (everyone if None)."""
        degrees = np.diff(self.start)
        return degrees if who is None else degrees[who]

    def random_contact(self, who: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One contact per person in `who`, picked by the uniform `u` in [0, 1) of that pick:
        (contact or -1, tie is strong). Callers key `u` by sender (`sim.market.keyed_draws`), so a
        person's pick does not depend on who else picks today."""
        if self.mixed:
            return self._anyone_else(who, u), np.ones(len(who), dtype=bool)
        first = self.start[who]
        degree = self.start[who + 1] - first
        offset = (u * degree).astype(np.int64)
        tie = np.minimum(first + offset, len(self.contacts) - 1)
        has = degree > 0
        contact = np.where(has, self.contacts[tie] if len(self.contacts) else -1, -1)
        return contact, np.where(has, self.strong[tie] if len(self.strong) else True, True)

    def _anyone_else(self, who: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Mean-field pick: one of the other n - 1 people, uniformly (never the picker: a
        talker does not hear their own message); -1 when nobody else exists."""
        if self.n < 2:
            return np.full(len(who), -1, dtype=np.int64)
        contact = np.minimum((u * (self.n - 1)).astype(np.int64), self.n - 2)
        return contact + (contact >= who)

    def __repr__(self) -> str:
        kind = "mixed" if self.mixed else f"{len(self.contacts) // 2} ties"
        return f"SocialGraph(n={self.n}, {kind})"


def build_graph(settings: NetworkSettings, n: int, rng: np.random.Generator) -> SocialGraph:
    """The social graph the settings describe, for `n` people."""
    if settings.kind == "mixed" or n < 2:
        return SocialGraph(
            np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, bool), True
        )
    builders = {"small_world": small_world, "scale_free": scale_free, "cliques": cliques}
    return to_csr(n, *builders[settings.kind](settings, n, rng))  # to_csr may free the ties


def small_world(s: NetworkSettings, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Watts & Strogatz (1998): a ring lattice with a share `rewire_p` of ties rewired."""
    half = max(1, min(s.mean_degree // 2, (n - 1) // 2))
    u = np.repeat(np.arange(n, dtype=np.int64), half)
    v = (u + np.tile(np.arange(1, half + 1), n)) % n
    rewired = rng.random(len(v)) < s.rewire_p
    v[rewired] = rng.integers(0, n, size=int(rewired.sum()))
    return u, v, np.ones(len(u), dtype=bool)


def scale_free(s: NetworkSettings, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Chung & Lu (2002) ties with power-law (exponent 3) expected degrees, as Barabasi-Albert gives."""
    weight = (rng.pareto(2.0, size=n) + 1.0).astype(np.float64)
    weight = np.minimum(weight, np.sqrt(n) * 4)
    cumulative = np.cumsum(weight)
    n_ties = n * s.mean_degree // 2
    u = np.searchsorted(cumulative, rng.random(n_ties) * cumulative[-1])
    v = np.searchsorted(cumulative, rng.random(n_ties) * cumulative[-1])
    return u.astype(np.int64), v.astype(np.int64), np.ones(n_ties, dtype=bool)


def cliques(s: NetworkSettings, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Goldenberg, Libai & Muller (2001): strong ties within cliques plus random weak ties."""
    members = rng.permutation(n).astype(np.int64)
    size = min(s.clique_size, n)
    n_full = n // size
    groups = members[: n_full * size].reshape(n_full, size)
    a, b = np.triu_indices(size, k=1)
    strong_u, strong_v = groups[:, a].ravel(), groups[:, b].ravel()
    n_weak = n * s.weak_ties // 2
    weak_u, weak_v = rng.integers(0, n, size=(2, n_weak))
    u = np.concatenate([strong_u, weak_u])
    v = np.concatenate([strong_v, weak_v])
    strong = np.concatenate([np.ones(len(strong_u), bool), np.zeros(n_weak, bool)])
    return u, v, strong


def to_csr(n: int, u: np.ndarray, v: np.ndarray, strong: np.ndarray) -> SocialGraph:
    """Symmetric CSR without self-ties or duplicates (a duplicate keeps its strongest kind).

    Each temporary is dropped as soon as it is used: building the graph sets a large
    market's peak memory (the issue-12 budget is 1 KB per consumer at 1M).
    """
    keep = u != v
    u, v, strong = u[keep], v[keep], strong[keep]
    del keep
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    kind = np.concatenate([strong, strong])
    del u, v, strong
    key = src * n
    key += dst
    del src, dst
    order = np.lexsort((~kind, key))
    key, kind = key[order], kind[order]
    del order
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, kind = key[first], kind[first]
    src, dst = key // n, key % n
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=start[1:])
    return SocialGraph(start, dst.astype(np.int32), kind)


def audiences(
    n: int, n_influencers: int, audience: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Social influencers and their followers: (influencer ids, CSR start, followers)."""
    n_influencers = min(n_influencers, n)
    influencers = rng.choice(n, size=n_influencers, replace=False).astype(np.int64)
    size = min(audience, max(n - 1, 0))
    followers = rng.integers(0, n, size=n_influencers * size).astype(np.int32)
    start = np.arange(0, n_influencers * size + 1, max(size, 1), dtype=np.int64)[
        : n_influencers + 1
    ]
    if size == 0:
        start = np.zeros(n_influencers + 1, dtype=np.int64)
    return influencers, start, followers


def placed_audiences(
    pop: Population, graph: SocialGraph, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Social influencers and their followers as the population settings place them.

    The defaults (random influencers, equal audiences) are `audiences`, draw for draw, so
    markets built before these settings existed are unchanged.
    """
    n, n_inf = graph.n, min(pop.n_social_influencers, graph.n)
    if pop.influencers_from == "random" and pop.follower_graph == "random":
        return audiences(n, n_inf, pop.influencer_audience, rng)
    degree = graph.degree().astype(np.float64)
    if pop.influencers_from == "hubs":  # the best-connected; ties in a random order
        influencers = np.lexsort((rng.random(n), -degree))[:n_inf].astype(np.int64)
    else:
        influencers = rng.choice(n, size=n_inf, replace=False).astype(np.int64)
    total = n_inf * min(pop.influencer_audience, max(n - 1, 0))
    sizes = np.full(n_inf, total // max(n_inf, 1), dtype=np.int64)
    if pop.follower_graph == "preferential" and n_inf:
        sizes = polya_urn(degree[influencers] + 1.0, total, rng)
    start = np.zeros(n_inf + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    followers = rng.integers(0, n, size=int(start[-1])).astype(np.int32)
    return influencers, start, followers


def polya_urn(weights: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Counts of `draws` balls from a Polya urn starting with `weights`: each ball goes to a
    colour with chance proportional to its weight plus the balls it already has. Sampled
    exactly in one step: the counts are Dirichlet-multinomial(draws, weights)."""
    return rng.multinomial(draws, rng.dirichlet(weights)).astype(np.int64)
