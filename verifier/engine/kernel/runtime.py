"""Stage 5 (kernel engine): the small native helpers that generated kernels call.

Plain numba functions over int64 for when numba compiles a kernel's source (the
engine's own path lowers these calls to LLVM intrinsics, ``lower.py``). Generated code
reaches them by fixed names (``_rt.popcount``...), never by anything a spec wrote.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from verifier.engine.kernel.values import LIMIT, NONE, UNSET

__all__ = ["LIMIT", "NONE", "UNSET", "highbit", "lowbit", "popcount", "scratch", "span"]


@njit(cache=True, inline="always")
def popcount(x: int) -> int:
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    return ((x * 0x0101010101010101) >> 56) & 0xFF


@njit(cache=True, inline="always")
def lowbit(x: int) -> int:
    """Index of the lowest set bit of a non-zero mask."""
    i = 0
    while (x >> i) & 1 == 0:
        i += 1
    return i


@njit(cache=True, inline="always")
def highbit(x: int) -> int:
    """Index of the highest set bit of a non-zero mask below 2**63."""
    i = 62
    while (x >> i) & 1 == 0:
        i -= 1
    return i


@njit(cache=True, inline="always")
def span(lo: int, hi: int) -> int:
    """The mask of bits lo..hi (empty when lo > hi); 0 <= lo, hi <= 62."""
    if lo > hi:
        return 0
    return ((1 << (hi - lo + 1)) - 1) << lo


@njit(cache=True, inline="always")
def scratch(k: int):  # type: ignore[no-untyped-def]
    """k int64s of scratch memory (the probe that ``enabled(...)`` runs writes there)."""
    return np.empty(k, dtype=np.int64)
