"""Keyed random draws: every random decision is a pure function of what it is about.

Why: with one stream per rule, drawn in cohort order, a strategy that changes who is in one
cohort shifts every later draw of everybody, and two arms of a comparison stop sharing their
randomness (common random numbers, Law 2015 ch. 11). Here a draw is keyed by

    (seed, scope, decision, day, id, slot)

- scope: the rule (`"choice"`) or strategy (`"strategy:focal:follow_up_email"`) drawing;
- decision: what is decided (`"gumbel"`, `"late"`, ...);
- day: the simulated day;
- id: the person or buying unit the draw is about;
- slot: which draw within that decision (the j-th source consulted, a brand's column).

So a person the strategy did not touch makes exactly the same draws in both arms, whoever
else is in the cohort that day. starsim's CRN design (Kerr et al. 2024) reaches the same aim
with one generator per decision jumped each time step and indexed by agent slot; a counter-
based hash needs no state and no draws for people not asking.

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

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
"""SplitMix64's increment: the odd integer closest to 2^64 / golden ratio."""
MIX_1, MIX_2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
"""Multipliers of SplitMix64's finaliser (Stafford's "Mix13")."""

_GAMMA = np.uint64(GAMMA)
_MIX_1, _MIX_2 = np.uint64(MIX_1), np.uint64(MIX_2)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53

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
    scratch = np.empty_like(h)
    for shift, multiplier in ((_S30, _MIX_1), (_S27, _MIX_2)):
        np.right_shift(h, shift, out=scratch)
        h ^= scratch
        h *= multiplier
    np.right_shift(h, _S31, out=scratch)
    h ^= scratch
    return h


def hash_keys(key: int, ids: np.ndarray, slot: np.ndarray | None = None) -> np.ndarray:
    """64 random bits per (id, slot) on the stream `key`; `slot` broadcasts against `ids`."""
    h = np.asarray(ids).astype(np.uint64)  # a copy, mixed in place below
    h *= _GAMMA
    h += np.uint64(key)
    _mix(h)
    if slot is None:
        return h
    step = np.asarray(slot).astype(np.uint64)
    step += np.uint64(1)
    step *= _GAMMA
    h = h + step  # broadcasts (ids, 1) against (1, slots) into a new array
    return _mix(h)


def to_unit(bits: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) with 53-bit resolution from 64 random bits (bits are consumed)."""
    np.right_shift(bits, _S11, out=bits)
    u = bits.astype(np.float64)
    u *= _TO_UNIT
    return u


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

    def scope(self, name: str) -> KeyedDraws:
        """The draws of a rule or strategy (cached: one object per name)."""
        child = self._scopes.get(name)
        if child is None:
            full = f"{self.name}/{name}" if self.name else name
            child = self._scopes[name] = KeyedDraws(self.seed, full)
        return child

    def key(self, decision: str, day: int) -> int:
        """The 64-bit stream key of one decision on one day."""
        base = self._decisions.get(decision)
        if base is None:
            base = mix64(self._seed_key ^ name_key(f"{self.name}/{decision}"))
            self._decisions[decision] = base
        return mix64(mix64(base + (day + 1) * GAMMA) + GAMMA)

    def bits(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """64 random bits per (id, slot)."""
        return hash_keys(self.key(decision, day), ids, slot)

    def uniform(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Uniforms in [0, 1)."""
        return to_unit(self.bits(decision, day, ids, slot))

    def open_uniform(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Uniforms in (0, 1): safe to take logs of."""
        u = self.uniform(decision, day, ids, slot)
        u += 0.5 * _TO_UNIT
        return u

    def bernoulli(self, p, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """True with chance `p` (a scalar or an array broadcasting against the draws)."""
        return self.uniform(decision, day, ids, slot) < p

    def integers(self, n, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Whole numbers uniform on 0 .. n - 1 (n >= 1, scalar or per draw)."""
        n = np.asarray(n, dtype=np.int64)
        picks = (self.uniform(decision, day, ids, slot) * n).astype(np.int64)
        return np.minimum(picks, n - 1)

    def normal(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Standard normals by Box-Muller from two keyed uniforms (no scipy import)."""
        radius = np.sqrt(-2.0 * np.log(self.open_uniform(f"{decision}.r", day, ids, slot)))
        return radius * np.cos(2.0 * np.pi * self.uniform(f"{decision}.a", day, ids, slot))

    def gumbel(self, decision: str, day: int, ids, slot=None) -> np.ndarray:
        """Standard Gumbel noise, -log(-log u): the random-utility (logit) error."""
        return -np.log(-np.log(self.open_uniform(decision, day, ids, slot)))

    def geometric_days(self, mean: float, decision: str, day: int, ids) -> np.ndarray:
        """Whole days on 0, 1, 2, ... with the given mean, memoryless (0 when mean <= 0)."""
        ids = np.asarray(ids)
        if mean <= 0:
            return np.zeros(ids.shape, dtype=np.int64)
        u = self.uniform(decision, day, ids)
        return np.floor(np.log1p(-u) / math.log(mean / (1.0 + mean))).astype(np.int64)

    def poisson(self, mean, decision: str, day: int, ids) -> np.ndarray:
        """Poisson counts with a mean per id (scalar or array), by inversion."""
        u = self.uniform(decision, day, ids)
        return poisson_quantile(u, np.broadcast_to(np.asarray(mean, dtype=np.float64), u.shape))

    def __repr__(self) -> str:
        return f"KeyedDraws(seed={self.seed}, scope={self.name!r})"


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The Poisson(mean) quantile of each u: min k with CDF(k) > u (exact inversion).

    Means come in a few distinct values (a rule's rate per kind of person), so each distinct
    mean gets one CDF table and a binary search; means above `POISSON_TABLE_MAX_MEAN` go to
    scipy's exact quantile.
    """
    counts = np.zeros(u.shape, dtype=np.int64)
    values, which = np.unique(mean, return_inverse=True)
    which = which.reshape(u.shape)
    for index, value in enumerate(values):
        if value <= 0:
            continue
        rows = which == index if len(values) > 1 else slice(None)
        if value <= POISSON_TABLE_MAX_MEAN:
            counts[rows] = np.searchsorted(poisson_cdf(float(value)), u[rows], side="right")
        else:
            from scipy.stats import poisson

            counts[rows] = poisson.ppf(u[rows], value).astype(np.int64)
    return counts


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
