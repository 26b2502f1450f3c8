"""Keyed random draws (`sim.market.keyed_draws`): a draw depends on its key only, and has the right law.

The draws are deterministic functions of their keys, so the distribution checks below are
fixed numbers, not flaky: the thresholds only say the hash passes ordinary goodness-of-fit
tests on a million draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.market.draw_kernels import GAMMA
from sim.market.keyed_draws import (
    KEY_BLOCK_DAYS,
    KeyedDraws,
    hash_keys,
    mix64,
    name_key,
    open_unit,
    poisson_quantile,
)

N = 1_000_000
IDS = np.arange(N)


@pytest.fixture(scope="module")
def draws() -> KeyedDraws:
    return KeyedDraws(42).scope("test")


def test_a_draw_depends_on_its_key_not_on_the_batch_it_is_drawn_in(draws):
    everyone = draws.uniform("u", 7, IDS)
    some = np.array([999_999, 3, 12, 3])  # any order, repeats allowed
    assert np.array_equal(draws.uniform("u", 7, some), everyone[some])
    slots = draws.uniform("s", 7, IDS[:100, None], np.arange(5)[None, :])
    assert np.array_equal(draws.uniform("s", 7, np.full(5, 42), np.arange(5)), slots[42])


def test_columns_are_slots_of_one_decision(draws):
    block = draws.columns("c", 2, IDS[:50], 3, slot=np.arange(50))
    assert np.array_equal(block[:, 1], draws.uniform("c", 2, IDS[:50], np.arange(50) * 3 + 1))


def test_same_seed_same_draws_in_a_fresh_object():
    a = KeyedDraws(5).scope("rule").uniform("d", 3, IDS[:1000])
    b = KeyedDraws(5).scope("rule").uniform("d", 3, IDS[:1000])
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "change",
    [
        lambda: KeyedDraws(43).scope("test").uniform("u", 7, IDS),  # seed
        lambda: KeyedDraws(42).scope("other").uniform("u", 7, IDS),  # scope
        lambda: KeyedDraws(42).scope("test").uniform("v", 7, IDS),  # decision
        lambda: KeyedDraws(42).scope("test").uniform("u", 8, IDS),  # day
        lambda: KeyedDraws(42).scope("test").uniform("u", 7, IDS + 1),  # id
        lambda: KeyedDraws(42).scope("test").uniform("u", 7, IDS, np.zeros(N, int)),  # slot
    ],
)
def test_every_part_of_the_key_gives_unrelated_draws(draws, change):
    base = draws.uniform("u", 7, IDS)
    other = change()
    assert not np.any(base == other[: len(base)])
    assert abs(np.corrcoef(base, other)[0, 1]) < 5 / np.sqrt(N)  # 5 SE of a zero correlation


def test_mix64_matches_the_vectorised_hash_and_is_a_bijection_on_samples():
    key = mix64(12345)
    ids = np.array([0, 1, 2**40], dtype=np.int64)
    expected = [mix64(key + i * 0x9E3779B97F4A7C15) for i in ids.tolist()]
    assert hash_keys(key, ids).tolist() == expected
    assert len(set(hash_keys(key, IDS).tolist())) == N


def test_uniforms_are_uniform_on_the_half_open_unit_interval(draws):
    u = draws.uniform("u", 1, IDS)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    counts = np.bincount((u * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 5 / np.sqrt(N)  # neighbours' draws
    assert open_unit(u).min() > 0.0 and open_unit(u).max() < 1.0


@pytest.mark.parametrize(
    ("method", "law"), [("normal", "norm"), ("gumbel", "gumbel_r")], ids=["normal", "gumbel"]
)
def test_normal_and_gumbel_draws_follow_their_laws(draws, method, law):
    x = getattr(draws, method)("x", 1, IDS)
    assert np.isfinite(x).all()
    assert stats.kstest(x, law).pvalue > 1e-3


@pytest.mark.parametrize("mean", [0.0, 0.01, 0.1, 3.0, 10.4, 120.0, 3000.0])
def test_poisson_counts_have_the_mean_and_variance_of_the_law(draws, mean):
    k = draws.poisson(mean, "k", 1, IDS[:200_000])
    se = np.sqrt(max(mean, 1e-12) / len(k))
    assert abs(k.mean() - mean) < 5 * se + 1e-12
    if mean >= 3:
        assert abs(k.var() / mean - 1) < 5 * np.sqrt(2 / len(k))


def test_poisson_inversion_matches_scipy_quantiles_exactly():
    u = np.linspace(0.0005, 0.9995, 2000)
    for mean in (0.3, 10.4, 450.0):
        expected = stats.poisson.ppf(u, mean)
        assert np.array_equal(poisson_quantile(u, np.full(len(u), mean)), expected)


@pytest.mark.parametrize("kind", ["few", "all_distinct"])
def test_poisson_inversion_with_a_mean_per_draw_matches_scipy(kind):
    rng = np.random.default_rng(3)
    u = rng.random(5000)
    if kind == "few":
        mean = rng.choice([0.0, 0.01, 0.3, 5.0, 40.0, 600.0], len(u))
    else:
        mean = rng.gamma(1.0, 2.0, len(u))
    assert np.array_equal(poisson_quantile(u, mean), stats.poisson.ppf(u, mean))


def test_poisson_with_a_mean_per_id_uses_each_ids_own_mean(draws):
    mean = np.where(IDS[:100_000] % 2 == 0, 0.1, 20.0)
    k = draws.poisson(mean, "k", 1, IDS[:100_000])
    assert abs(k[0::2].mean() - 0.1) < 0.01 and abs(k[1::2].mean() - 20.0) < 0.1


def test_geometric_days_are_memoryless_with_the_mean_asked_for(draws):
    days = draws.geometric_days(7.0, "g", 1, IDS)
    assert days.min() == 0 and abs(days.mean() - 7.0) < 5 * np.sqrt(56.0 / N)
    p = 1 / 8
    observed = np.bincount(days, minlength=5)[:5] / N
    assert np.allclose(observed, p * (1 - p) ** np.arange(5), atol=5e-3)
    assert not draws.geometric_days(0.0, "g", 1, IDS[:10]).any()


def test_integers_cover_zero_to_n_minus_one_evenly(draws):
    picks = draws.integers(7, "i", 1, IDS)
    assert picks.min() == 0 and picks.max() == 6
    assert stats.chisquare(np.bincount(picks)).pvalue > 1e-3
    per_id = draws.integers(np.array([1, 2, 3]), "i", 1, np.array([0, 1, 2]))
    assert (per_id < np.array([1, 2, 3])).all()


def test_negative_seeds_are_refused():
    with pytest.raises(ValueError, match="seed"):
        KeyedDraws(-1)


def test_keys_made_in_blocks_equal_the_scalar_formula():
    """Each day's stream key, made with a block of days in numpy, is the Python-int formula
    (block edges and days before the first included)."""
    draws = KeyedDraws(2024).scope("choice")
    edges = [-KEY_BLOCK_DAYS - 1, -1, 0, 1, KEY_BLOCK_DAYS - 1, KEY_BLOCK_DAYS, 3 * KEY_BLOCK_DAYS]
    for day in edges + [7, 365, 10**6]:
        for decision in ("shelf", "consultation"):
            base = mix64(draws._seed_key ^ name_key(f"choice/{decision}"))
            expected = mix64(mix64(base + (day + 1) * GAMMA) + GAMMA)
            key = draws.stream_key(decision, day)
            assert isinstance(key, np.uint64) and int(key) == expected
            assert draws.key(decision, day) == expected
