"""Stage 5 (liveness): the labelled state graph as flat arrays.

A ``Csr`` holds a state graph the way the kernel engine's search leaves it: per state a
slice ``bounds[u]:bounds[u+1]`` of its distinct edges, each an instance number
(``label``, the numbering of ``check.numbered_succ``), a target (``dst``) and the lowest
ordinal of such a transition (``ordinal``, what trace replay takes), sorted by
(label, target), the order ``LabelledGraph`` promises. ``passes.py`` builds one from
edge lists and runs the liveness check's graph passes on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# states from which the liveness check's passes run in native code (``passes.py``): below,
# the Python search is about as quick, which spares the passes' compilation (about 4 s,
# once per machine) on models with small graphs
NATIVE_FROM = 20_000


@dataclass(frozen=True, slots=True)
class Csr:
    """A labelled state graph in arrays: ``bounds`` (int64, n + 1), ``label``, ``dst`` and
    ``ordinal`` (int32, one per distinct edge)."""

    bounds: Any
    label: Any
    dst: Any
    ordinal: Any

    @property
    def n(self) -> int:
        return int(self.bounds.shape[0]) - 1

    def lists(self) -> list[list[tuple[int, int]]]:
        """The edges as (label, target) lists (for the parts still written in Python)."""
        b = self.bounds.tolist()
        la, da = self.label.tolist(), self.dst.tolist()
        return [list(zip(la[lo:hi], da[lo:hi])) for lo, hi in zip(b, b[1:])]


def sorted_edges(n: int, src: Any, dst: Any, ordinal: Any, label: Any) -> Csr:
    """``passes.from_edges`` by numpy's sort (for small graphs: nothing to compile)."""
    order = np.lexsort((ordinal, dst, label, src))
    s, la, da, oa = src[order], label[order], dst[order], ordinal[order]
    first = np.ones(s.shape[0], dtype=bool)
    if s.shape[0]:
        first[1:] = (s[1:] != s[:-1]) | (la[1:] != la[:-1]) | (da[1:] != da[:-1])
    s = s[first]
    bounds = np.searchsorted(s, np.arange(n + 1)).astype(np.int64)
    return Csr(bounds, la[first].astype(np.int32), da[first].astype(np.int32), oa[first].astype(np.int32))
