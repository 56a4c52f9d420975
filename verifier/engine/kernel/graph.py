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

from typing import Any

import numpy as np

from verifier.engine.kernel import driver as D
from verifier.engine.kernel.values import crep_value
from verifier.engine.liveness import LabelledGraph
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
    al, il, dl, ol = action.tolist(), instance.tolist(), dst.tolist(), ords.tolist()
    succ = []
    ordinal = []
    for i in range(n):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        edges = tuple(zip(al[lo:hi], il[lo:hi], dl[lo:hi]))
        succ.append(edges)
        ordinal.append(dict(zip(edges, ol[lo:hi])))
    return LabelledGraph(tuple(range(n)), tuple(range(search.n_initial)), tuple(succ), tuple(ordinal))


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
