"""Influencers as hubs, preferential follower graphs and talk by degree (issue 17)."""

from __future__ import annotations

import numpy as np
from helpers import small_scenario
from scipy import stats

from sim.journey.word_of_mouth import talkers_today
from sim.market.network import audiences, build_graph, placed_audiences
from sim.model import JourneyModel
from sim.scenario.settings import Network, Population


def graph(kind: str = "scale_free", n: int = 3000):
    """A social graph of `n` people, seeded."""
    return build_graph(Network(kind=kind), n, np.random.default_rng(5))


def test_default_placement_is_the_old_one_draw_for_draw():
    g = graph()
    old = audiences(g.n, 10, 500, np.random.default_rng(9))
    new = placed_audiences(Population(), g, np.random.default_rng(9))
    assert all(np.array_equal(a, b) for a, b in zip(old, new, strict=True))


def test_hubs_are_the_best_connected_people():
    g = graph()
    pop = Population(n_social_influencers=20, influencers_from="hubs")
    influencers, start, _ = placed_audiences(pop, g, np.random.default_rng(1))
    degree = g.degree()
    assert degree[influencers].min() >= np.sort(degree)[-20]
    assert (np.diff(start) == 500).all()  # equal audiences unless preferential


def test_preferential_followers_gather_at_the_well_connected():
    g = graph()
    pop = Population(
        n_social_influencers=200, influencer_audience=50, follower_graph="preferential"
    )
    influencers, start, followers = placed_audiences(pop, g, np.random.default_rng(2))
    sizes = np.diff(start)
    assert sizes.sum() == 200 * 50 == len(followers)  # as many follows as equal audiences
    rho, p = stats.spearmanr(g.degree()[influencers], sizes)
    assert rho > 0 and p < 0.001
    assert sizes.std() > 3 * np.sqrt(50)  # far less equal than binomial scatter
    degree = g.degree()  # Barabasi-Albert: whoever follows is anyone; only targets are preferred
    standard_error = degree.std() / np.sqrt(len(followers))
    assert abs(degree[followers].mean() - degree.mean()) < 4 * standard_error


def test_hubs_talk_more_when_talk_scales_with_degree():
    def rates(scales: bool):
        network = {"kind": "scale_free", "talk_scales_with_degree": scales}
        model = JourneyModel(small_scenario(network=network), seed=1, with_agents=False)
        market = model.market
        market.people.stance[:] = 1
        market.people.stance_brand[:] = 0
        market.people.talk_until[:] = market.day + 3
        talkers, _, _, rate = talkers_today(market)
        return talkers, rate, market.graph.degree()

    talkers, flat, _ = rates(False)
    again, scaled, degree = rates(True)
    assert np.array_equal(talkers, again) and np.ptp(flat) == 0
    expected = flat * degree[talkers] / degree.mean()
    assert np.allclose(scaled, expected)
