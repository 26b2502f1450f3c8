"""The compiled draws and talker pass give exactly the numbers of the numpy code they replace."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market import draw_kernels as kernels
from sim.market.keyed_draws import (
    KeyedDraws,
    hash_keys,
    poisson_quantile,
    poisson_tables,
    slot_steps,
    to_unit,
)

RNG = np.random.default_rng(7)
IDS = np.concatenate([np.arange(50), RNG.integers(0, 2**62, 200), [2**63 - 1]]).astype(np.int64)
KEY = np.uint64(0xDEADBEEF12345678)


def numpy_uniforms(ids, steps=None) -> np.ndarray:
    """The reference: the vectorised numpy hash of `keyed_draws`."""
    return to_unit(hash_keys(KEY, ids, steps))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint64])
def test_uniforms_equal_the_numpy_hash_bit_for_bit(dtype):
    ids = (IDS % 2**31).astype(dtype) if dtype == np.int32 else IDS.astype(dtype)
    assert np.array_equal(kernels.uniforms(KEY, ids), numpy_uniforms(ids))


def test_slot_uniforms_equal_the_numpy_hash_bit_for_bit():
    slots = RNG.integers(0, 2**40, len(IDS))
    expected = numpy_uniforms(IDS, slot_steps(slots))
    assert np.array_equal(kernels.slot_uniforms(KEY, IDS, slots), expected)


@pytest.mark.parametrize("k", [1, 3, 8])
def test_columns_with_and_without_slots_equal_the_numpy_hash(k):
    expected = numpy_uniforms(IDS[:, None], slot_steps(np.arange(k)[None, :]))
    assert np.array_equal(kernels.column_uniforms(KEY, IDS, k), expected)
    slots = RNG.integers(0, 1000, len(IDS))
    expected = numpy_uniforms(IDS[:, None], slot_steps(slots[:, None] * k + np.arange(k)))
    assert np.array_equal(kernels.slot_column_uniforms(KEY, IDS, slots, k), expected)


def test_keyed_draws_take_the_compiled_path_and_the_numpy_path_alike():
    draws = KeyedDraws(3).scope("rule")
    ids = IDS[:20]
    assert np.array_equal(draws.uniform("d", 5, ids), to_unit(draws.bits("d", 5, ids)))
    assert np.array_equal(draws.uniform("d", 5, list(ids)), draws.uniform("d", 5, ids))
    assert draws.uniform("d", 5, ids[:0]).shape == (0,)
    assert draws.columns("d", 5, ids[:0], 4).shape == (0, 4)


def test_poisson_counts_equal_the_numpy_inversion():
    means = (0.01, 0.04, 0.43, 1.7, 0.0)
    which = RNG.integers(0, len(means), 20_000)
    mean = np.asarray(means)[which]
    u = RNG.random(len(which))
    u[:5] = np.nextafter(1.0, 0.0)
    counts = kernels.poisson_counts(u, mean, poisson_tables(means), which)
    assert np.array_equal(counts, poisson_quantile(u, mean))
    assert counts.max() >= 4


def numpy_talkers(stance, stance_brand, talk_until, unit, unit_brand, day, heard, critics):
    """The numpy pass the kernel replaced (`word_of_mouth.talkers_today` before it)."""
    talkers = stance.nonzero()[0]
    brand = stance_brand[talkers].astype(np.int64)
    fresh = talk_until[talkers] >= day
    talking = (fresh | (unit_brand[unit[talkers]] == brand)) & heard[brand]
    talking &= (stance[talkers] > 0) | critics[brand]
    talkers, brand, fresh = talkers[talking], brand[talking], fresh[talking]
    valence = stance[talkers].astype(np.int64)
    return talkers, brand, valence, 2 * fresh + (valence < 0)


@pytest.mark.parametrize("silenced", [False, True])
def test_talkers_equal_the_numpy_selection(silenced):
    n, units, brands = 5_000, 3_000, 3
    stance = RNG.choice(np.array([-1, 0, 1], dtype=np.int8), n)
    stance_brand = np.where(stance != 0, RNG.integers(0, brands, n), -1).astype(np.int8)
    talk_until = RNG.integers(-1, 20, n).astype(np.int32)
    unit = RNG.integers(0, units, n).astype(np.int32)
    unit_brand = RNG.integers(-1, brands, units).astype(np.int8)
    heard = np.array([True, not silenced, True])
    critics = np.array([not silenced, True, True])
    args = (stance, stance_brand, talk_until, unit, unit_brand, 10, heard, critics)
    got, expected = kernels.talkers_today(*args), numpy_talkers(*args)
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a, b)


def test_delivery_equals_the_numpy_pick_of_a_contact():
    from sim.market.network import to_csr

    n = 400
    u, v = RNG.integers(0, n - 50, 1500), RNG.integers(0, n - 50, 1500)  # 50 without ties
    graph = to_csr(n, u, v, RNG.random(1500) < 0.5)
    draws = KeyedDraws(11).scope("word_of_mouth")
    senders = RNG.integers(0, n, 3000)
    j = RNG.integers(0, 5, len(senders))
    uniforms = draws.columns("message", 9, senders, 2, slot=j)
    hearer, strong = graph.random_contact(senders, uniforms[:, 0])
    heard = (hearer >= 0) & (uniforms[:, 1] < np.where(strong, 0.9, 0.3))
    key = draws.stream_key("message", 9)
    got = kernels.deliver(key, senders, j, graph.start, graph.contacts, graph.strong, 0.9, 0.3)
    assert got[0].dtype == hearer.dtype
    assert np.array_equal(got[0], hearer) and np.array_equal(got[1], heard)
    assert (hearer < 0).any() and heard.any() and not heard.all()


def test_compiled_consultations_equal_the_numpy_steps():
    from sim.journey.research import consultations_compiled, consultations_numpy
    from sim.model import JourneyModel

    model = JourneyModel(
        "scenarios/baseline.toml", population__n_consumers=600, warmup_days=20, with_agents=False
    )
    market, draws = model.market, model.draws.scope("research")
    people = RNG.choice(market.people.n, 300, replace=False).astype(np.int64)
    units = market.people.unit[people].astype(np.int64)
    counts = RNG.integers(0, 15, len(people))
    expected = consultations_numpy(market, people, units, counts, draws)
    got = consultations_compiled(market, people, units, counts, draws)
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    person, _, source, gain, found = got
    assert len(np.unique(source)) > 3 and found.any() and (gain < 0).any()
    attitude, aware = market.people.attitude.copy(), market.people.aware.copy()
    np.add.at(attitude, person, gain.astype(np.float32))
    aware[person[found.nonzero()[0]], found.nonzero()[1]] = True
    kernels.absorb(market.people.attitude, market.people.aware, person, gain, found)
    assert np.array_equal(market.people.attitude, attitude)
    assert np.array_equal(market.people.aware, aware)
