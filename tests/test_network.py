"""Social graphs: symmetric, simple, the right size, and like networkx's for the same family."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.market.network import build_graph
from sim.scenario.settings import Network


def edges(graph) -> set[tuple[int, int]]:
    src = np.repeat(np.arange(graph.n), graph.degree())
    return set(zip(src.tolist(), graph.contacts.tolist(), strict=True))


@pytest.mark.parametrize("kind", ["small_world", "scale_free", "cliques"])
def test_graph_is_symmetric_without_self_ties(kind):
    graph = build_graph(Network(kind=kind), 2000, np.random.default_rng(1))
    ties = edges(graph)
    assert all((b, a) in ties for a, b in ties)
    assert all(a != b for a, b in ties)
    assert len(ties) == len(graph.contacts)  # no duplicates


def test_small_world_matches_networkx_watts_strogatz():
    """Mean degree exact-ish and clustering within 10% of networkx's for the same settings."""
    n, k, p = 3000, 10, 0.1
    graph = build_graph(
        Network(kind="small_world", mean_degree=k, rewire_p=p), n, np.random.default_rng(2)
    )
    ours = nx.Graph(list(edges(graph)))
    theirs = nx.watts_strogatz_graph(n, k, p, seed=2)
    assert abs(graph.degree().mean() - k) < 0.1 * k
    assert nx.average_clustering(ours) == pytest.approx(nx.average_clustering(theirs), rel=0.1)


def test_scale_free_has_a_heavy_tail():
    graph = build_graph(
        Network(kind="scale_free", mean_degree=10), 20_000, np.random.default_rng(3)
    )
    degree = graph.degree()
    assert abs(degree.mean() - 10) < 1.5
    assert degree.max() > 10 * degree.mean()  # hubs, unlike a Poisson graph (max ~ 2x mean)


def test_cliques_have_strong_ties_within_and_weak_ties_across():
    settings = Network(kind="cliques", clique_size=8, weak_ties=8)
    graph = build_graph(settings, 8000, np.random.default_rng(4))
    strong_per_person = np.bincount(
        np.repeat(np.arange(graph.n), graph.degree())[graph.strong], minlength=graph.n
    )
    assert (strong_per_person == 7).all()
    weak = (~graph.strong).sum() / graph.n
    assert abs(weak - 8) < 0.5


def test_same_seed_same_graph():
    a = build_graph(Network(), 1000, np.random.default_rng(7))
    b = build_graph(Network(), 1000, np.random.default_rng(7))
    assert np.array_equal(a.contacts, b.contacts) and np.array_equal(a.start, b.start)


def test_mixed_market_has_no_ties_but_random_contacts():
    graph = build_graph(Network(kind="mixed"), 100, np.random.default_rng(0))
    contact, _ = graph.random_contact(np.arange(50), np.random.default_rng(1).random(50))
    assert graph.mixed and len(graph.contacts) == 0
    assert ((contact >= 0) & (contact < 100)).all()


def test_a_mixed_market_pick_is_anyone_but_the_picker():
    graph = build_graph(Network(kind="mixed"), 5, np.random.default_rng(0))
    who = np.repeat(np.arange(5), 1000)
    u = np.tile(np.linspace(0, 1, 1000, endpoint=False), 5)
    contact, _ = graph.random_contact(who, u)
    assert not np.any(contact == who)
    for person in range(5):
        assert set(contact[who == person]) == set(range(5)) - {person}
