"""How the engine's compiled (numba) kernels are compiled: one setting for every kernel module.

Why one place: `draw_kernels`, `book_kernels` and the journey's kernels must compile alike
(cached on disk, no Python objects, numpy's float errors), and `draw_kernels` imports
`book_kernels` to warm it up, so neither can define it for the other.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True, error_model="numpy")
"""How every kernel is compiled: cached on disk, no Python objects, numpy's errors."""

inline = numba.njit(cache=True, inline="always")
"""A small helper compiled into the kernels that call it (no call of its own)."""
