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
from verifier.engine.liveness import csr as G
from verifier.engine.liveness.csr import Csr
from verifier.engine.liveness.graph import Edge
from verifier.engine.liveness.passes import from_edges
from verifier.engine.stepper import reference_truth
from verifier.lang import model as M
from verifier.lang import semantics as sem


def labelled_graph(search: Any) -> LabelledGraph:
    """The graph of a complete kernel search that recorded its edges: its edge lists
    become a ``Csr`` (sorted, distinct edges with their lowest ordinals), and the search
    stops holding them."""
    a, st = search.arr, search.st
    n = int(st[D.N])
    ne = int(st[D.N_EDGES])
    build = from_edges if n >= G.NATIVE_FROM else G.sorted_edges
    g = build(n, a.esrc[:ne], a.edst[:ne], a.eord[:ne], a.eact[:ne])
    empty = np.zeros(0, dtype=np.int32)
    a.esrc = a.edst = a.eord = a.eact = empty
    bases = np.asarray(search.bases, dtype=np.int64)
    edges = _Edges(g, search.amap, bases)
    return LabelledGraph(range(n), tuple(range(search.n_initial)), edges, _Ordinals(edges), csr=g)


class _Edges(Sequence[tuple[Edge, ...]]):
    """``succ[u]`` of a kernel graph, made on demand from its arrays (sorted by action,
    instance and target: the order ``LabelledGraph`` promises, since instance numbers
    grow with (action, instance))."""

    def __init__(self, g: Csr, amap: Any, bases: Any) -> None:
        self.g, self.amap, self.bases = g, amap, bases

    def __len__(self) -> int:
        return self.g.n

    def span(self, u: int) -> tuple[int, int]:
        if u < 0:
            u += len(self)
        if not 0 <= u < len(self):
            raise IndexError(u)
        return int(self.g.bounds[u]), int(self.g.bounds[u + 1])

    @overload
    def __getitem__(self, u: int) -> tuple[Edge, ...]: ...
    @overload
    def __getitem__(self, u: slice) -> Sequence[tuple[Edge, ...]]: ...

    def __getitem__(self, u: int | slice) -> Any:
        if isinstance(u, slice):
            return [self[i] for i in range(*u.indices(len(self)))]
        lo, hi = self.span(u)
        labels = self.g.label[lo:hi].astype(np.int64)
        action = self.amap[labels]
        instance = labels - self.bases[action]
        return tuple(zip(action.tolist(), instance.tolist(), self.g.dst[lo:hi].tolist()))


class _Ordinals(Sequence[dict[Edge, int]]):
    """``ordinal[u]``, made on demand (trace replay asks for a few states only)."""

    def __init__(self, edges: _Edges) -> None:
        self.edges = edges

    def __len__(self) -> int:
        return len(self.edges)

    @overload
    def __getitem__(self, u: int) -> dict[Edge, int]: ...
    @overload
    def __getitem__(self, u: slice) -> Sequence[dict[Edge, int]]: ...

    def __getitem__(self, u: int | slice) -> Any:
        if isinstance(u, slice):
            return [self[i] for i in range(*u.indices(len(self)))]
        lo, hi = self.edges.span(u)
        return dict(zip(self.edges[u], self.edges.g.ordinal[lo:hi].tolist()))


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
        values = self.truth_array(cond, binding).tolist()
        return [values[s] for s in states]

    def truth_array(self, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...]) -> Any:
        """The condition's value in every state, as a boolean array over the ids."""
        k = self.conds.get(cond)
        n = int(self.search.st[D.N])
        if k is None:
            return np.array(reference_truth(cond, binding, map(self.decode, range(n))), dtype=np.bool_)
        params = np.array([crep_value(p.ty, v) for p, v in binding] or [0], dtype=np.int64)
        out = np.empty(max(1, n), dtype=np.int64)
        errors = D.truth_all(self.search.kernel.conditions[k], self.search.arr.S, n, params, out)
        if errors:
            bad = int(np.flatnonzero(out[:n] < 0)[0])
            reference_truth(cond, binding, [self.decode(bad)])  # raises the EvalError
            raise AssertionError("the kernel found a run-time error the reference semantics does not")
        return out[:n] == 1
