"""Named random streams for building the market: one seed in, one generator per part.

The market (people, buying units, ties, influencers' audiences) is drawn from these streams
before any strategy exists, so every arm of a comparison starts from the same market. What
happens day by day is drawn differently: every decision of a rule or strategy is a draw keyed
by what it is about (`sim.market.keyed_draws`), which streams consumed in cohort order could not give
(common random numbers, Law 2015 ch. 11).
"""

from __future__ import annotations

import hashlib

import numpy as np

STREAMS: tuple[str, ...] = ("population", "network")
"""The streams the market is built from (others may be opened by name)."""


class Streams:
    """A `numpy.random.Generator` per name, all derived from one seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator for `name`, created on first use from (seed, hash of name)."""
        generator = self._generators.get(name)
        if generator is None:
            digest = hashlib.sha256(name.encode()).digest()
            key = int.from_bytes(digest[:8], "little")
            generator = np.random.default_rng(np.random.SeedSequence([self.seed, key]))
            self._generators[name] = generator
        return generator

    def __repr__(self) -> str:
        return f"Streams(seed={self.seed}, open={sorted(self._generators)})"
