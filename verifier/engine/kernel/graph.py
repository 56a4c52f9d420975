"""Stage 5 (kernel engine): the labelled state graph for the liveness check, from the search.

With edges recorded, the kernel search keeps every transition it took as (source id,
target id, ordinal, action) in flat arrays; ``labelled_graph`` turns them into the
``LabelledGraph`` of ``verifier/engine/liveness.py`` (states are the kernel's ids) without
expanding any state again, and ``KernelView`` answers what the liveness check asks of a
stepper: the value of a condition in every state (by the kernel's generated condition
functions, the reference semantics giving the message of a run-time error) and a
state's variables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from verifier.engine.kernel import driver as D
from verifier.engine.kernel.values import crep_value
from verifier.engine.liveness import LabelledGraph
from verifier.engine.liveness.graph import Edge
from verifier.engine.stepper import reference_truth
from verifier.lang import model as M
from verifier.lang import semantics as sem


def labelled_graph(search: Any) -> LabelledGraph:
    """The graph of a complete kernel search that recorded its edges."""
    a, st = search.arr, search.st
    n = int(st[D.N])
    ne = int(st[D.N_EDGES])
    src, dst = a.esrc[:ne].astype(np.int64), a.edst[:ne].astype(np.int64)
    ords, acts = a.eord[:ne].astype(np.int64), a.eact[:ne].astype(np.int64)
    # edges are labelled (action, instance, target), sorted, with their lowest ordinal
    action = search.amap[acts]
    instance = acts - np.asarray(search.bases, dtype=np.int64)[action]
    order = np.lexsort((ords, dst, instance, action, src))
    src, dst, ords, action, instance = src[order], dst[order], ords[order], action[order], instance[order]
    first = np.ones(ne, dtype=bool)
    if ne:
        first[1:] = (src[1:] != src[:-1]) | (action[1:] != action[:-1]) | \
            (instance[1:] != instance[:-1]) | (dst[1:] != dst[:-1])
    src, dst, ords, action, instance = src[first], dst[first], ords[first], action[first], instance[first]
    bounds = np.searchsorted(src, np.arange(n + 1))
    return LabelledGraph(range(n), tuple(range(search.n_initial)),
                         _Edges(bounds, action, instance, dst), _Ordinals(bounds, action, instance, dst, ords),
                         _numbering(bounds.tolist(), action, instance, dst))


class _Edges(Sequence[tuple[Edge, ...]]):
    """``succ[u]`` of a kernel graph, made on demand from its edge lists (sorted by source,
    then action, instance and target: the order ``LabelledGraph`` promises)."""

    def __init__(self, bounds: Any, al: Any, il: Any, dl: Any) -> None:
        self.bounds, self.al, self.il, self.dl = bounds, al, il, dl  # int64 arrays

    def __len__(self) -> int:
        return len(self.bounds) - 1

    @overload
    def __getitem__(self, u: int) -> tuple[Edge, ...]: ...
    @overload
    def __getitem__(self, u: slice) -> Sequence[tuple[Edge, ...]]: ...

    def __getitem__(self, u: int | slice) -> Any:
        if isinstance(u, slice):
            return [self[i] for i in range(*u.indices(len(self)))]
        if u < 0:
            u += len(self)
        if not 0 <= u < len(self):
            raise IndexError(u)
        lo, hi = int(self.bounds[u]), int(self.bounds[u + 1])
        return tuple(zip(self.al[lo:hi].tolist(), self.il[lo:hi].tolist(), self.dl[lo:hi].tolist()))


class _Ordinals(Sequence[dict[Edge, int]]):
    """``ordinal[u]``, made on demand (trace replay asks for a few states only)."""

    def __init__(self, bounds: Any, al: Any, il: Any, dl: Any, ol: Any) -> None:
        self.edges = _Edges(bounds, al, il, dl)
        self.ol = ol

    def __len__(self) -> int:
        return len(self.edges)

    @overload
    def __getitem__(self, u: int) -> dict[Edge, int]: ...
    @overload
    def __getitem__(self, u: slice) -> Sequence[dict[Edge, int]]: ...

    def __getitem__(self, u: int | slice) -> Any:
        if isinstance(u, slice):
            return [self[i] for i in range(*u.indices(len(self)))]
        edges = self.edges[u]
        lo = int(self.edges.bounds[u if u >= 0 else u + len(self)])
        return dict(zip(edges, self.ol[lo:lo + len(edges)].tolist()))


def _numbering(bounds: list[int], action: Any, instance: Any, dst: Any) -> Any:
    """The liveness check's numbered edges, (instance number, target) sorted per state,
    straight from the arrays: instance numbers grow with (action, instance), so the
    edges' order is already theirs, and distinct edges stay distinct."""

    def numbered(bases: Sequence[int]) -> list[list[tuple[int, int]]]:
        gl = (np.asarray(bases, dtype=np.int64)[action] + instance).tolist()
        dl = dst.tolist()
        return [list(zip(gl[lo:hi], dl[lo:hi])) for lo, hi in zip(bounds, bounds[1:])]

    return numbered


class KernelView:
    """The liveness check's view of the kernel's states (ids into its state table)."""

    def __init__(self, search: Any, conds: dict[M.Expr, int]) -> None:
        self.search = search
        self.conds = conds

    def decode(self, sid: int) -> sem.State:
        return self.search.layout.decode(self.search.arr.S[sid])  # type: ignore[no-any-return]

    def truth(self, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...], states: list[Any]) -> list[bool]:
        k = self.conds.get(cond)
        if k is None:
            return reference_truth(cond, binding, map(self.decode, states))
        n = int(self.search.st[D.N])
        params = np.array([crep_value(p.ty, v) for p, v in binding] or [0], dtype=np.int64)
        out = np.empty(max(1, n), dtype=np.int64)
        errors = D.truth_all(self.search.kernel.conditions[k], self.search.arr.S, n, params, out)
        if errors:
            bad = int(np.flatnonzero(out[:n] < 0)[0])
            reference_truth(cond, binding, [self.decode(bad)])  # raises the EvalError
            raise AssertionError("the kernel found a run-time error the reference semantics does not")
        values = (out[:n] == 1).tolist()
        return [values[s] for s in states]
