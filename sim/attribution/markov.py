"""Markov-chain attribution by removal effect (Anderl, Becker, von Wangenheim & Schumann 2016).

Anderl et al. (2016, "Mapping the customer journey: Lessons learned from graph-based online
attribution modeling", IJRM 33(3), 457-474) model journeys as a first-order Markov chain over
channels with three extra states: start, conversion and null (no conversion). Transition
probabilities are the observed shares of moves between states. The chain's conversion
probability is the chance of absorption in "conversion" from "start"; a channel's removal
effect is the relative drop of that probability when the channel is removed (every move into
it goes to null instead). Effects are normalised to shares of the observed conversions.

The absorption probabilities are solved exactly: with Q the moves among transient states
(start and channels) and r the moves into conversion, x = (I - Q)^-1 r (Kemeny & Snell 1960).
Why not a library: ChannelAttribution (Altomare & Loris), the well-kept one, is GPL-licensed,
builds C++ from source and estimates removal effects by simulation; the small Python packages
are unmaintained since 2019 (pychattr, markov-model-attribution) or at version 0.0.x. The
exact solve is a few lines of numpy, tested on hand-computed chains.
"""

from __future__ import annotations

import numpy as np

from sim.attribution.heuristics import Paths

START = 0
"""Index of the start state; channel c is state c + 1, then conversion and null."""


def transition_counts(paths: Paths) -> np.ndarray:
    """Moves between states over all paths: start -> first channel -> ... -> conversion or null."""
    k = paths.n_channels
    conversion, null = k + 1, k + 2
    state = paths.channel + 1
    first, last = paths.first_steps(), paths.last_steps()
    before = np.where(first, START, np.roll(state, 1))
    after = np.where(paths.converted[paths.journey[last]], conversion, null)
    counts = np.zeros((k + 3, k + 3))
    np.add.at(counts, (before, state), 1.0)
    np.add.at(counts, (state[last], after), 1.0)
    return counts


def transition_matrix(counts: np.ndarray) -> np.ndarray:
    """Row-normalised moves; states never left (unvisited channels, the absorbing ones) stay put."""
    totals = counts.sum(axis=1, keepdims=True)
    matrix = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    unvisited = totals[:, 0] == 0
    matrix[unvisited, unvisited] = 1.0
    return matrix


def conversion_probability(matrix: np.ndarray, removed: int | None = None) -> float:
    """Chance a journey from start ends in conversion, with channel `removed` (an index into
    the channels) turned into a dead end, i.e. every move into it lost to null."""
    k = matrix.shape[0] - 3
    transient = np.arange(k + 1)
    q = matrix[np.ix_(transient, transient)].copy()
    r = matrix[transient, k + 1].copy()
    if removed is not None:
        q[removed + 1, :] = 0.0
        r[removed + 1] = 0.0
    stays = np.diag(q) >= 1.0  # unvisited channels: they lead nowhere
    q[stays, stays] = 0.0
    x = np.linalg.solve(np.eye(k + 1) - q, r)
    return float(x[START])


def removal_effects(paths: Paths) -> np.ndarray:
    """Per channel: 1 - P(conversion without it) / P(conversion); 0 without conversions."""
    matrix = transition_matrix(transition_counts(paths))
    total = conversion_probability(matrix)
    if total <= 0.0:
        return np.zeros(paths.n_channels)
    without = np.array([conversion_probability(matrix, c) for c in range(paths.n_channels)])
    return 1.0 - without / total


def markov_credit(paths: Paths) -> np.ndarray:
    """Conversions credited to each channel: removal effects normalised to sum to the
    conversions observed (Anderl et al. 2016)."""
    effects = removal_effects(paths)
    total = effects.sum()
    if total <= 0.0:
        return np.zeros(paths.n_channels)
    return effects / total * paths.conversions
