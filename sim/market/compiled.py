"""How the engine's compiled (numba) kernels are compiled: one setting for every kernel module.

Why one place: `draw_kernels`, `book_kernels` and the journey's kernels must compile alike
(cached on disk, no Python objects, numpy's float errors), and `draw_kernels` imports
`book_kernels` to warm it up, so neither can define it for the other.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, error_model="numpy")
"""How every kernel is compiled: cached on disk, no Python objects, numpy's errors.

Why the kernels keep the GIL (no `nogil=True`): a kernel runs for microseconds, and a thread
that lets go of the GIL for it must win it back from the others. In `mot class` every page
has its own thread; with 30 students pressing Step at once, each kernel call queued behind the
other pages' Python for up to a switch interval (5 ms), and a step cost 51 ms of server CPU
instead of 34-40 ms (median reply 1.15 s -> 0.78-0.93 s; docs/classroom-speed.md). Sweeps run their
markets in processes, so no one waited on a released GIL."""

inline = numba.njit(cache=True, inline="always")
"""A small helper compiled into the kernels that call it (no call of its own)."""
