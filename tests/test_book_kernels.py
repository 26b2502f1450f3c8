"""The compiled bookkeeping gives exactly the counts and columns of the numpy code it replaced."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.bench.workload import with_all_strategies
from sim.market import book_kernels
from sim.market.moments import Moment
from sim.market.window_tally import (
    IS_DROP_OUT,
    IS_JOURNEY_START,
    MAX_STAY_DAYS,
    NO_BRAND,
    SHOPPING,
    UNKNOWN_DAY,
    WindowTally,
)
from sim.model import JourneyModel
from tests.helpers import small_scenario

RNG = np.random.default_rng(12)


class NumpyTally(WindowTally):
    """The reference: the tally as numpy code, moves noted and counted once a day."""

    def __init__(self, n_units: int, n_people: int, window_start: int = 1) -> None:
        super().__init__(n_units, n_people, window_start)
        self._moves: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._moves_day = 0

    def dawn(self, market) -> None:
        self.flush()
        super().dawn(market)

    def on_move(self, market, units: np.ndarray, moment: Moment, days=None) -> None:
        self._note(market, units, moment)
        if days is not None:  # the move itself, as `Market.move` writes it without a tally
            market.units.moment[units] = moment
            market.units.until[units] = market.day + days

    def _note(self, market, units: np.ndarray, moment: Moment) -> None:
        if len(units) == 0:
            return
        day = market.day
        if self._moves and day != self._moves_day:
            self.flush()
        state = market.units
        old = state.moment[units].astype(np.int64)
        moving = old != moment
        units, old = units[moving], old[moving]
        starts = units[IS_JOURNEY_START[old, moment]]
        self.journey_brand[starts] = state.brand[starts]
        self._moves.append((units, old, int(moment)))
        self._moves_day = day
        if day >= self.window_start and len(units):
            self._count_people(market, units, moment)

    def flush(self) -> None:
        if not self._moves:
            return
        moves, day = self._moves, self._moves_day
        self._moves = []
        units = np.concatenate([m[0] for m in moves])
        if day >= self.window_start and len(units):
            old = np.concatenate([m[1] for m in moves])
            new = np.repeat([m[2] for m in moves], [len(m[0]) for m in moves])
            self._count_flows(units, old, new, day)
        self.entered_day[units] = day

    def _count_flows(self, units, old, new, day) -> None:
        self.entered += np.bincount(new, minlength=len(Moment))
        dropped = IS_DROP_OUT[old, new]
        self.dropped += np.bincount(old[dropped], minlength=len(Moment))
        self.moved_on += np.bincount(old[~dropped], minlength=len(Moment))
        began = self.entered_day[units]
        order = np.argsort(units, kind="stable")
        again = units[order[1:]] == units[order[:-1]]
        began[order[1:][again]] = day
        known = began != UNKNOWN_DAY
        length = np.minimum(day - began[known], MAX_STAY_DAYS)
        np.add.at(self.stays, (old[known], length), 1)

    def _count_people(self, market, units, new) -> None:
        state = market.units
        if new in SHOPPING:
            fresh = (self.journey_brand[units] == NO_BRAND) & (state.acquired_day[units] < 0)
            self.prospect[units[fresh]] = True
        elif new == Moment.SMOT:
            first = units[state.acquired_day[units] == market.day]
            origin = self.journey_brand[first]
            self.converted[first[origin == NO_BRAND]] = True
            self.switchers += np.count_nonzero(origin >= 1)
        elif new == Moment.UMOT:
            self._count_stances(market, units)

    def counts(self) -> dict[str, float]:
        self.flush()
        return super().counts()

    def funnel(self, moment_now: np.ndarray):
        self.flush()
        return super().funnel(moment_now)


def same_tallies(a: WindowTally, b: WindowTally, moment_now: np.ndarray) -> None:
    assert a.counts() == b.counts()
    assert a.funnel(moment_now).equals(b.funnel(moment_now))
    for name in ("entered_day", "journey_brand", "prospect", "converted", "advocate", "critic"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.stays, b.stays)


class FakeMarket:
    """Just what the tally reads: unit columns, stances, the day."""

    def __init__(self, n: int, tally: WindowTally) -> None:
        self.day = 1
        self.units = SimpleNamespace(
            moment=RNG.integers(0, len(Moment), n).astype(np.int8),
            brand=RNG.integers(-1, 3, n).astype(np.int8),
            acquired_day=np.full(n, -1, dtype=np.int32),
        )
        self.people = SimpleNamespace(
            stance=RNG.integers(-1, 2, n).astype(np.int8),
            stance_brand=RNG.integers(-1, 2, n).astype(np.int8),
        )
        self.tally = tally

    def members(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return units, np.arange(len(units))


def test_random_moves_count_as_the_numpy_tally():
    """Moves of random cohorts (empty ones, a unit listed twice, several moves of one unit a
    day) through a warm-up and a window."""
    n = 300
    markets = [FakeMarket(n, t(n, n, window_start=4)) for t in (WindowTally, NumpyTally)]
    markets[1].units = SimpleNamespace(**{k: v.copy() for k, v in vars(markets[0].units).items()})
    markets[1].people = markets[0].people
    for day in range(1, 12):
        for market in markets:
            market.day = day
            market.tally.dawn(market)
        for _ in range(8):
            size = int(RNG.integers(0, 40))
            units = RNG.choice(n, size, replace=False).astype(np.int64)
            if size > 2:
                units[-1] = units[0]  # listed twice
            moment = Moment(int(RNG.integers(0, len(Moment))))
            bought = units[RNG.random(size) < 0.3]
            for market in markets:
                if moment == Moment.SMOT:
                    market.units.acquired_day[bought] = day
                market.tally.on_move(market, units, moment)
                market.units.moment[units] = moment
    assert markets[1].tally.entered.sum() > 100
    same_tallies(markets[0].tally, markets[1].tally, markets[0].units.moment)


@pytest.mark.parametrize("kind", ["b2c", "b2b"])
def test_a_run_counts_as_with_the_numpy_tally(kind):
    scenario = with_all_strategies(
        small_scenario(days=60, warmup_days=15, population={"n_consumers": 500, "market": kind})
    )
    compiled = JourneyModel(scenario, seed=5, with_agents=False).run()
    reference = JourneyModel(scenario, seed=5, with_agents=False, warm_up=False)
    units, people = reference.market.units.n, reference.market.people.n
    reference.market.tally = NumpyTally(units, people, window_start=reference.market.window_start)
    reference.run()
    same_tallies(compiled.market.tally, reference.market.tally, compiled.market.units.moment)
    kpis = [json.dumps(m.kpis(), sort_keys=True) for m in (compiled, reference)]
    assert kpis[0] == kpis[1]  # as text: a NaN KPI equals itself


def test_due_units_equal_their_numpy_form():
    moment = RNG.integers(0, 6, 10_000).astype(np.int8)
    until = RNG.integers(0, 40, len(moment)).astype(np.int32)
    scratch = np.empty(len(moment), dtype=np.int64)
    for which in range(6):
        expected = ((moment == which) & (until <= 20)).nonzero()[0]
        got = book_kernels.due_units(moment, until, which, 20, scratch)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert len(book_kernels.due_units(moment, until, 0, -1, scratch)) == 0


@pytest.mark.parametrize("days", [0, 3, np.int64(2), np.float64(4.0), "per unit", "floats"])
def test_a_move_writes_what_numpy_writes(days):
    """`Market.move` through the compiled pass vs the numpy writes (tally counted alike)."""
    scenario = small_scenario(days=30, population={"n_consumers": 400})
    markets = [JourneyModel(scenario, seed=3, with_agents=False).market for _ in range(2)]
    units = np.array([7, 3, 250, 11, 0, 399], dtype=np.int64)
    if days == "per unit":
        days = RNG.integers(0, 30, len(units))
    elif days == "floats":
        days = RNG.random(len(units)) * 20
    compiled, plain = markets
    compiled.move(units, Moment.ZMOT, days)
    plain.move(list(units), Moment.ZMOT, days)  # not an int64 array: the numpy writes
    for name in ("moment", "until"):
        a, b = getattr(compiled.units, name), getattr(plain.units, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    same_tallies(compiled.tally, plain.tally, compiled.units.moment)


def numpy_levels(moment, brand, size, stars) -> np.ndarray:
    """The reference: what `record_levels` wrote with numpy (bincounts, a matmul, a divide)."""
    counts = np.bincount(moment, weights=size if len(size) else None, minlength=len(Moment))
    owners = np.bincount(brand[brand >= 0], minlength=len(stars))
    count = stars.sum(axis=1)
    total = stars @ np.arange(1, 6)
    mean = np.where(count > 0, total / np.maximum(count, 1), 3.0)
    rating = mean[0] if stars[0].sum() else np.nan
    return np.concatenate([counts, owners, [owners[0], stars[0].sum(), rating]])


@pytest.mark.parametrize("reviews", [0, 1, 57])
@pytest.mark.parametrize("weighted", [False, True])
def test_levels_and_ratings_equal_their_numpy_forms(reviews, weighted):
    moment = RNG.integers(0, len(Moment), 5000).astype(np.int8)
    brand = RNG.integers(-1, 3, len(moment)).astype(np.int8)
    size = RNG.integers(1, 9, len(moment)).astype(np.int16) if weighted else np.zeros(0, np.int16)
    stars = RNG.multinomial(reviews, [0.3, 0.1, 0.1, 0.2, 0.3], size=3).astype(np.int64)
    stars[2] = 0  # a brand without reviews
    columns = RNG.permutation(40)[: len(Moment) + 3 + 3]
    row = np.full(40, -7.0)
    book_kernels.record_levels(moment, brand, size, stars, row, columns)
    expected = numpy_levels(moment, brand, size, stars)
    assert row[columns].tobytes() == expected.astype(np.float64).tobytes()  # NaN bits too
    untouched = np.setdiff1d(np.arange(40), columns)
    assert (row[untouched] == -7.0).all()
    count, mean = book_kernels.review_summary(stars)
    assert count.dtype == np.int64 and np.array_equal(count, stars.sum(axis=1))
    reference = np.where(count > 0, (stars @ np.arange(1, 6)) / np.maximum(count, 1), 3.0)
    assert mean.tobytes() == reference.tobytes()


WARM_UP_CHECK = """
import numba
from sim.market import book_kernels, draw_kernels
from sim.model import JourneyModel
from tests.helpers import small_scenario

kernels = [
    f
    for module in (draw_kernels, book_kernels)
    for f in vars(module).values()
    if isinstance(f, numba.core.registry.CPUDispatcher) and not f.__name__.startswith("_")
]
model = JourneyModel(small_scenario(days=20, population={"n_consumers": 300}), with_agents=False)
loaded = {f.__name__: len(f.signatures) for f in kernels}
assert all(loaded.values()), loaded
model.run()
assert {f.__name__: len(f.signatures) for f in kernels} == loaded
"""


def test_warm_up_loads_every_kernel_a_run_calls():
    """In a fresh process, the build's warm-up loads every kernel for the types a run passes:
    nothing is compiled or loaded on day 1 (it would count in `mot bench`'s year)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", WARM_UP_CHECK], cwd=root, check=True)


def test_silenced_tables_are_read_once_per_scenario():
    from sim.market.silenced_sources import negative_unsilenced, silenced_table
    from sim.market.sources import Source

    quiet = {"silenced_sources": ["review_sites", "negative_word_of_mouth"]}
    scenario = small_scenario(days=5, warmup_days=2, brands={"focal": quiet, "rival": {}})
    model = JourneyModel(scenario, seed=1, with_agents=False, warm_up=False)
    market = model.market
    assert silenced_table(market) is None  # the warm-up: nothing silenced yet
    model.run(1)
    table = silenced_table(market)
    assert table is silenced_table(market) and not table.flags.writeable
    expected = np.zeros((len(Source), 2), dtype=bool)
    expected[Source.REVIEW_SITES, 0] = True
    assert np.array_equal(table, expected)
    assert negative_unsilenced(market, np.array([0, 1, 0])).tolist() == [False, True, False]
    market.scenario = small_scenario(days=5, warmup_days=2)  # new settings: read again
    assert silenced_table(market) is None and negative_unsilenced(market, np.array([0])) is True


def test_stances_count_as_their_numpy_form():
    people = np.concatenate([RNG.integers(0, 500, 300), [5, 5], np.zeros(0, np.int64)])
    stance = RNG.integers(-1, 2, 500).astype(np.int8)
    brand = RNG.integers(-1, 3, 500).astype(np.int8)
    stance[5], brand[5] = 1, 0  # listed twice: two events, one person
    advocate, critic = np.zeros(500, dtype=bool), np.zeros(500, dtype=bool)
    events = book_kernels.count_stances(people, stance, brand, advocate, critic)
    focal = brand[people] == 0
    expected = people[focal & (stance[people] > 0)], people[focal & (stance[people] < 0)]
    assert events == (len(expected[0]), len(expected[1]))
    assert np.array_equal(advocate.nonzero()[0], np.unique(expected[0]))
    assert np.array_equal(critic.nonzero()[0], np.unique(expected[1]))
    assert book_kernels.count_stances(people[:0], stance, brand, advocate, critic) == (0, 0)


def test_posted_reviews_add_as_np_add_at():
    from sim.market.brands import BrandTable

    table = BrandTable(["a", "b", "c"], {}, np.zeros((3, 1)))
    table.recent_stars[:] = RNG.random((3, 5)) * 1e3  # aged weights: the float sums matter
    expected_stars, expected_recent = table.stars.copy(), table.recent_stars.copy()
    brand, star = RNG.integers(0, 3, 400), RNG.integers(0, 5, 400)
    np.add.at(expected_stars, (brand, star), 1)
    np.add.at(expected_recent, (brand, star), 1.0)
    table.add_reviews(brand, star)
    table.add_reviews(brand[:0], star[:0])
    assert np.array_equal(table.stars, expected_stars)
    assert table.recent_stars.tobytes() == expected_recent.tobytes()


@pytest.mark.parametrize("mean", [0.01, 0.5, 3.0, 45.0, 1e6])
def test_geometric_days_equal_their_numpy_form(mean):
    from sim.market.keyed_draws import geometric_days

    u = np.concatenate([[0.0, 0.5, 1.0 - 2.0**-53], RNG.random(5000), np.zeros(0)])
    expected = np.floor(np.log1p(-u) / math.log(mean / (1.0 + mean))).astype(np.int64)
    got = geometric_days(u, mean)
    assert got.dtype == np.int64 and np.array_equal(got, expected)
    assert np.array_equal(geometric_days(u[:, None], mean), expected[:, None])  # numpy's path
