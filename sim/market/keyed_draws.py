"""Keyed random draws: every random decision is a pure function of what it is about.

Why: with one stream per rule, drawn in cohort order, a strategy that changes who is in one
cohort shifts every later draw of everybody, and two arms of a comparison stop sharing their
randomness (common random numbers, Law 2015 ch. 11). Here a draw is keyed by

    (seed, scope, decision, day, id, slot)

- scope: the rule (`"choice"`) or strategy (`"strategy:focal:follow_up_email"`) drawing;
- decision: what is decided (`"shelf"`, `"consultation"`, `"opened"`, ...);
- day: the simulated day;
- id: the person or buying unit the draw is about;
- slot: which draw within that decision (the j-th source consulted, a brand's column).

So a person the strategy did not touch makes exactly the same draws in both arms, whoever
else is in the cohort that day. starsim's CRN design reaches the same aim with one generator
per decision, jumped each time step, drawing for every agent slot and indexing by slot; a
counter-based hash needs no state and no draws for people not asking.

The hash is SplitMix64 (Steele, Lea & Flood 2014): the scalar part of the key (seed, scope,
decision, day) becomes a 64-bit stream key k in Python; draw i of that stream is
mix(k + i x gamma), the generator's i-th output (it passes BigCrush), with i the id; a slot
takes one more SplitMix64 step from there, mix(h + (slot + 1) x gamma). Each step is a
bijection of 64-bit words, vectorised over numpy uint64 arrays: about ten array passes per
draw, a few ns each, and no state to carry between days or processes.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

import numpy as np

from sim.market import draw_kernels as kernels
from sim.market.book_kernels import floor_ratios
from sim.market.draw_kernels import GAMMA, MIX_1, MIX_2

MASK = (1 << 64) - 1

# 0-d arrays, not numpy scalars: a ufunc takes them with less overhead (about 0.4 us a call,
# which counts on the small cohorts of a small market)
_GAMMA, _MIX_1, _MIX_2, _ONE = (np.array(c, dtype=np.uint64) for c in (GAMMA, MIX_1, MIX_2, 1))
_S30, _S27, _S31, _S11 = (np.array(s, dtype=np.uint64) for s in (30, 27, 31, 11))
_TO_UNIT = np.array(2.0**-53)

KEY_BLOCK_DAYS = 128
"""Stream keys are made for this many days of a decision at once: a day asks a dozen new
keys, and two Python `mix64` calls each cost more than a vectorised block per hundred days."""

POISSON_TABLE_MAX_MEAN = 500.0
"""Poisson means up to this use an exact CDF table (exp(-mean) stays a normal float);
larger means use scipy's exact quantile function."""


def mix64(x: int) -> int:
    """SplitMix64's finaliser on one Python int (for the scalar part of a key)."""
    x &= MASK
    x = ((x ^ (x >> 30)) * MIX_1) & MASK
    x = ((x ^ (x >> 27)) * MIX_2) & MASK
    return x ^ (x >> 31)


def name_key(name: str) -> int:
    """A stable 64-bit number for a name (Python's `hash` of a str changes per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def _mix(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over a uint64 array, in place (one scratch array)."""
    scratch = np.right_shift(h, _S30)
    h ^= scratch
    h *= _MIX_1
    np.right_shift(h, _S27, out=scratch)
    h ^= scratch
    h *= _MIX_2
    np.right_shift(h, _S31, out=scratch)
    h ^= scratch
    return h


def hash_keys(
    key: int | np.ndarray, ids: np.ndarray, steps: np.ndarray | None = None
) -> np.ndarray:
    """64 random bits per (id, slot) on the stream `key` (an int, or a 0-d uint64 array of
    it); `steps` (from `slot_steps`) say the slots and broadcast against `ids`.

    Few array passes on purpose: a rule calls this about a dozen times a day, often on small
    cohorts, where each numpy call's fixed cost counts as much as the work per draw.
    """
    ids = np.asarray(ids)
    if ids.dtype == np.int64:  # ids >= 0: the same bits as uint64, and no copy to make one
        h = np.multiply(ids.view(np.uint64), _GAMMA)
    else:
        h = ids.astype(np.uint64)
        h *= _GAMMA
    h += key if isinstance(key, np.ndarray | np.uint64) else np.array(key, dtype=np.uint64)
    _mix(h)
    if steps is None:
        return h
    h = h + steps  # broadcasts (ids, 1) against (1, slots) into a new array
    return _mix(h)


def slot_steps(slot) -> np.ndarray:
    """(slot + 1) x gamma: what a slot adds before the second SplitMix64 step."""
    steps = np.asarray(slot).astype(np.uint64)
    steps += _ONE
    steps *= _GAMMA
    return steps


@lru_cache(maxsize=64)
def column_steps(k: int) -> np.ndarray:
    """`slot_steps` of columns 0 .. k-1 as a (1, k) row, made once per k (read-only)."""
    steps = slot_steps(np.arange(k)[None, :])
    steps.flags.writeable = False
    return steps


def to_unit(bits: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) with 53-bit resolution from 64 random bits (bits are consumed)."""
    np.right_shift(bits, _S11, out=bits)
    return np.multiply(bits, _TO_UNIT)


class KeyedDraws:
    """Random numbers keyed by (seed, scope, decision, day, id, slot); see the module docstring.

    `scope(name)` gives the draws of one rule or strategy; each method takes the decision's
    name, the day, the ids the draws are about and, where a decision draws several numbers
    per id, their slots (an int array broadcasting against `ids`).
    """

    def __init__(self, seed: int, scope: str = "") -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.name = scope
        self._seed_key = mix64(mix64(seed) + GAMMA)
        self._decisions: dict[str, int] = {}
        self._scopes: dict[str, KeyedDraws] = {}
        self._day = -1
        self._day_keys: dict[str, np.uint64] = {}  # today's keys
        self._blocks: dict[tuple[str, int], np.ndarray] = {}  # keys by (decision, block)

    def scope(self, name: str) -> KeyedDraws:
        """The draws of a rule or strategy (cached: one object per name)."""
        child = self._scopes.get(name)
        if child is None:
            full = f"{self.name}/{name}" if self.name else name
            child = self._scopes[name] = KeyedDraws(self.seed, full)
        return child

    def key(self, decision: str, day: int) -> int:
        """The 64-bit stream key of one decision on one day."""
        return int(self._key(decision, day))

    def stream_key(self, decision: str, day: int) -> np.uint64:
        """`key` as a numpy uint64, for a compiled kernel that hashes its own ids
        (`sim.market.draw_kernels`)."""
        return self._key(decision, day)

    def _key(self, decision: str, day: int) -> np.uint64:
        """`key` as a numpy uint64, made once per decision and day (a rule asks for some keys
        several times a day; the hash adds it to uint64 words)."""
        if day != self._day:
            self._day, self._day_keys = day, {}
        key = self._day_keys.get(decision)
        if key is None:
            block = self._blocks.get((decision, day // KEY_BLOCK_DAYS))
            if block is None:
                block = self._key_block(decision, day // KEY_BLOCK_DAYS)
            key = self._day_keys[decision] = block[day % KEY_BLOCK_DAYS]
        return key

    def _key_block(self, decision: str, block: int) -> np.ndarray:
        """The keys of one decision for the `KEY_BLOCK_DAYS` days of a block, in one
        vectorised pass: mix64(mix64(base + (day + 1) x gamma) + gamma), as uint64 words
        (numpy's wrap-around is the masking of `mix64`, so the bits are the same)."""
        base = self._decisions.get(decision)
        if base is None:
            base = mix64(self._seed_key ^ name_key(f"{self.name}/{decision}"))
            self._decisions[decision] = base
        first = block * KEY_BLOCK_DAYS
        days = np.arange(first + 1, first + KEY_BLOCK_DAYS + 1, dtype=np.int64).view(np.uint64)
        keys = _mix(days * _GAMMA + np.array(base, dtype=np.uint64))
        keys = _mix(keys + _GAMMA)
        self._blocks[(decision, block)] = keys
        return keys

    def bits(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """64 random bits per (id, slot)."""
        return self._bits(decision, day, ids, None if slot is None else slot_steps(slot))

    def _bits(self, decision: str, day: int, ids, steps: np.ndarray | None) -> np.ndarray:
        """`bits` with the slots as steps; nothing computed when nobody draws."""
        if np.size(ids) == 0:
            shape = np.shape(ids) if steps is None else np.broadcast_shapes(ids.shape, steps.shape)
            return np.zeros(shape, dtype=np.uint64)
        return hash_keys(self._key(decision, day), ids, steps)

    def uniform(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Uniforms in [0, 1).

        A 1-d integer array of ids, with no slot or a slot per id, goes to one compiled loop
        (`sim.market.draw_kernels`); other shapes broadcast through the numpy hash (same bits).
        """
        if is_id_array(ids):
            if slot is None:
                return kernels.uniforms(self._key(decision, day), ids)
            if is_id_array(slot) and slot.shape == ids.shape:
                return kernels.slot_uniforms(self._key(decision, day), ids, slot)
        return to_unit(self.bits(decision, day, ids, slot))

    def columns(self, decision: str, day: int, ids: np.ndarray, k: int, slot=None) -> np.ndarray:
        """k uniforms per id, (len(ids), k): several numbers a decision needs, in one hash.

        Drawing a rule's numbers for one cohort together keeps the fixed cost of a day low.
        Column c is slot `slot x k + c` (slot 0 when None), so it does not depend on the other
        columns.
        """
        key = self._key(decision, day)
        if slot is None:
            return kernels.column_uniforms(key, ids, k)
        return kernels.slot_column_uniforms(key, ids, slot, k)

    def bernoulli(self, p, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """True with chance `p` (a scalar or an array broadcasting against the draws)."""
        return self.uniform(decision, day, ids, slot) < p

    def integers(self, n, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Whole numbers uniform on 0 .. n - 1 (n >= 1, scalar or per draw)."""
        return pick(self.uniform(decision, day, ids, slot), n)

    def normal(self, decision: str, day: int, ids: np.ndarray) -> np.ndarray:
        """Standard normals, one per id (Box-Muller from two keyed uniforms)."""
        u = self.columns(decision, day, ids, 2)
        return normal(u[:, 0], u[:, 1])

    def gumbel(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Standard Gumbel noise."""
        return gumbel(self.uniform(decision, day, ids, slot))

    def geometric_days(self, mean: float, decision: str, day: int, ids) -> np.ndarray:
        """Whole days on 0, 1, 2, ... with the given mean, memoryless (0 when mean <= 0)."""
        if mean <= 0:
            return np.zeros(np.shape(ids), dtype=np.int64)
        return geometric_days(self.uniform(decision, day, ids), mean)

    def poisson(self, mean, decision: str, day: int, ids) -> np.ndarray:
        """Poisson counts with a mean per id (scalar or array), by inversion."""
        return poisson_quantile(self.uniform(decision, day, ids), mean)

    def __repr__(self) -> str:
        return f"KeyedDraws(seed={self.seed}, scope={self.name!r})"


def is_id_array(ids) -> bool:
    """Whether `ids` is a 1-d numpy array of integers (what the compiled draws take)."""
    return isinstance(ids, np.ndarray) and ids.ndim == 1 and ids.dtype.kind in "iu"


def open_unit(u: np.ndarray) -> np.ndarray:
    """[0, 1) uniforms moved half a step into (0, 1): safe to take logs of."""
    return u + 0.5 * _TO_UNIT


def pick(u: np.ndarray, n) -> np.ndarray:
    """Whole numbers uniform on 0 .. n - 1 from uniforms (n >= 1, scalar or per draw)."""
    n = np.asarray(n, dtype=np.int64)
    return np.minimum((u * n).astype(np.int64), n - 1)


def normal(u_radius: np.ndarray, u_angle: np.ndarray) -> np.ndarray:
    """Standard normals by Box-Muller from two independent uniforms (no scipy import)."""
    return np.sqrt(-2.0 * np.log(open_unit(u_radius))) * np.cos(2.0 * np.pi * u_angle)


def gumbel(u: np.ndarray) -> np.ndarray:
    """Standard Gumbel noise, -log(-log u): the random-utility (logit) error. Computed in
    place in one new array (the same ufuncs on the same values, without four temporaries)."""
    noise = open_unit(u)
    np.log(noise, out=noise)
    np.negative(noise, out=noise)
    np.log(noise, out=noise)
    return np.negative(noise, out=noise)


def geometric_days(u: np.ndarray, mean: float) -> np.ndarray:
    """Whole days on 0, 1, 2, ... with the given mean, memoryless: inversion of
    P(K >= k) = (mean / (1 + mean))^k (all 0 when mean <= 0)."""
    if mean <= 0 or u.size == 0:  # nothing to draw (no cohort: some moves a day are empty)
        return np.zeros(np.shape(u), dtype=np.int64)
    log_rest = np.log1p(-u)  # the logarithm stays numpy's; the rest is exact arithmetic
    if log_rest.ndim == 1 and log_rest.dtype == np.float64:  # one pass, not three calls
        return floor_ratios(log_rest, math.log(mean / (1.0 + mean)))
    return np.floor(log_rest / math.log(mean / (1.0 + mean))).astype(np.int64)


def poisson_quantile(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """The Poisson(mean) quantile of each u: min k with CDF(k) > u (exact inversion).

    Means come in a few distinct values (a rule's rate per kind of person), so each distinct
    mean gets one CDF table (cached) and a binary search; means above
    `POISSON_TABLE_MAX_MEAN` go to scipy's exact quantile. Most talkers send nothing on a given day: a draw below
    1 - mean is below P(0) = exp(-mean) >= 1 - mean, a count of 0 settled without any
    transcendental function or sort; only the rest are looked up.
    """
    if np.ndim(mean) == 0:
        return poisson_one_mean(u, float(mean))
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), u.shape)
    counts = np.zeros(u.shape, dtype=np.int64)
    rows = (u >= 1.0 - mean).nonzero()[0]
    for _ in range(8):  # one pass per distinct mean: cheaper than sorting for a handful
        if len(rows) == 0:
            return counts
        mine = mean[rows] == mean[rows[0]]
        counts[rows[mine]] = poisson_one_mean(u[rows[mine]], float(mean[rows[0]]))
        rows = rows[~mine]
    values, which = np.unique(mean[rows], return_inverse=True)  # many distinct means
    for index, value in enumerate(values):
        counts[rows[which == index]] = poisson_one_mean(u[rows[which == index]], float(value))
    return counts


def poisson_one_mean(u: np.ndarray, mean: float) -> np.ndarray:
    """Poisson(mean) quantiles of the uniforms `u`, for one mean."""
    if mean <= 0:
        return np.zeros(u.shape, dtype=np.int64)
    if mean <= POISSON_TABLE_MAX_MEAN:
        return np.searchsorted(poisson_cdf(mean), u, side="right")
    from scipy.stats import poisson

    return poisson.ppf(u, mean).astype(np.int64)


@lru_cache(maxsize=256)
def poisson_cdf(mean: float) -> np.ndarray:
    """CDF of Poisson(mean) at 0, 1, ... until the tail is below double precision (cached:
    a rule asks for the same few means every day; callers must not write to it)."""
    top = int(mean + 12.0 * math.sqrt(mean) + 30)
    k = np.arange(1, top + 1, dtype=np.float64)
    pmf = np.empty(top + 1)
    pmf[0] = math.exp(-mean)
    pmf[1:] = mean / k
    return np.cumsum(np.cumprod(pmf))


@lru_cache(maxsize=64)
def poisson_tables(means: tuple[float, ...]) -> np.ndarray:
    """`poisson_cdf` of each mean as the rows of one table, padded with 2.0 (above any
    uniform), for `draw_kernels.poisson_counts` (cached; read-only)."""
    cdfs = [poisson_cdf(m) if m > 0 else np.zeros(0) for m in means]
    table = np.full((len(means), max(len(c) for c in cdfs)), 2.0)
    for row, cdf in enumerate(cdfs):
        table[row, : len(cdf)] = cdf
    table.flags.writeable = False
    return table
