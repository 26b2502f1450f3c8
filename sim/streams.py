"""Named random streams: one seed in, one independent generator per part of the model.

Common random numbers (Law 2015, ch. 11): each rule draws from its own stream, and each strategy
from a stream named after it, so switching a strategy on does not reshuffle anyone else's draws
and the difference between two scenarios is the strategy's effect, not noise.
"""

from __future__ import annotations

import hashlib

import numpy as np

STREAMS: tuple[str, ...] = (
    "population",
    "network",
    "triggers",
    "research",
    "choice",
    "experience",
    "feedback",
    "word_of_mouth",
    "loyalty",
    "mesa",
)


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
