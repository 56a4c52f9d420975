"""Stage 5 (liveness): the fair-lasso search's graph passes on a ``csr.Csr``, in native code.

``from_edges`` builds the graph from the kernel search's edge lists in one linear pass (a
counting sort by source, then an insertion sort of each state's few edges, which arrive
nearly sorted), keeping the lowest ordinal of equal edges.

The functions below are the loops of ``fair.py`` and ``bounded.py`` over such arrays,
compiled by numba once and cached on disk: Tarjan's strongly connected components inside
a region of states (iteratively, with an explicit stack), the decomposition into fair
components (``fair_components``: the same rules as ``fair.fair_components``), breadth-
first search with a goal and an allowed set (parents kept, ties to the lowest edge as in
``fair.shortest_path``), backward reachability inside the kept states, the urgency
filter of a bound in ticks and the (state, count) search of a bounded response.
``native.py`` puts them together into the same lassos as ``fair.py``; the tests compare
the two on many generated models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from verifier.engine.liveness.csr import Csr

NOT_SEEN = -2  # a parent entry: not reached; -1: a source


def from_edges(n: int, src: Any, dst: Any, ordinal: Any, label: Any) -> Csr:
    """The graph of ``n`` states from edge lists (any order, duplicates allowed)."""
    bounds, la, da, oa, m = _build(n, src.astype(np.int32, copy=False), dst.astype(np.int32, copy=False),
                                   ordinal.astype(np.int32, copy=False), label.astype(np.int32, copy=False))
    return Csr(bounds, la[:m], da[:m], oa[:m])


@njit(cache=True, nogil=True)
def _build(n, src, dst, ords, acts):  # type: ignore[no-untyped-def]
    ne = src.shape[0]
    start = np.zeros(n + 1, np.int64)
    for e in range(ne):
        start[src[e] + 1] += 1
    for u in range(n):
        start[u + 1] += start[u]
    at = start[:-1].copy()
    la = np.empty(ne, np.int32)
    da = np.empty(ne, np.int32)
    oa = np.empty(ne, np.int32)
    for e in range(ne):
        u = src[e]
        k = at[u]
        at[u] = k + 1
        la[k] = acts[e]
        da[k] = dst[e]
        oa[k] = ords[e]
    bounds = np.empty(n + 1, np.int64)
    w = 0
    for u in range(n):
        lo, hi = start[u], start[u + 1]
        for i in range(lo + 1, hi):  # insertion sort by (label, target, ordinal)
            lab, d, o = la[i], da[i], oa[i]
            j = i - 1
            while j >= lo and (la[j] > lab or (la[j] == lab and (da[j] > d or (da[j] == d and oa[j] > o)))):
                la[j + 1] = la[j]
                da[j + 1] = da[j]
                oa[j + 1] = oa[j]
                j -= 1
            la[j + 1] = lab
            da[j + 1] = d
            oa[j + 1] = o
        bounds[u] = w
        for i in range(lo, hi):  # the first of equal edges has the lowest ordinal
            if w > bounds[u] and la[w - 1] == la[i] and da[w - 1] == da[i]:
                continue
            la[w] = la[i]
            da[w] = da[i]
            oa[w] = oa[i]
            w += 1
    bounds[n] = w
    return bounds, la, da, oa, w


@njit(cache=True, nogil=True)
def stutter_flags(bounds, label, cond_of):  # type: ignore[no-untyped-def]
    """Per state: no fairness condition is enabled there (it may stop: a stutter loop)."""
    n = bounds.shape[0] - 1
    out = np.ones(n, np.bool_)
    for u in range(n):
        for e in range(bounds[u], bounds[u + 1]):
            if cond_of[label[e]] >= 0:
                out[u] = False
                break
    return out


@njit(cache=True, nogil=True)
def _tarjan(cur, m, region, r, bounds, dst, index, low, onstk, stack, cnode, cedge,  # type: ignore[no-untyped-def]
            order, starts):
    """The strongly connected components of the states ``cur[:m]`` (those with
    ``region == r``; edges leaving the region are ignored): component k is
    ``order[starts[k]:starts[k + 1]]``. Returns how many."""
    counter = 0
    sp = 0
    nscc = 0
    wo = 0
    starts[0] = 0
    for i in range(m):
        s = cur[i]
        if index[s] != -1:
            continue
        index[s] = counter
        low[s] = counter
        counter += 1
        stack[sp] = s
        sp += 1
        onstk[s] = True
        cnode[0] = s
        cedge[0] = bounds[s]
        cs = 1
        while cs > 0:
            u = cnode[cs - 1]
            e = cedge[cs - 1]
            if e < bounds[u + 1]:
                cedge[cs - 1] = e + 1
                v = dst[e]
                if region[v] != r:
                    continue
                if index[v] == -1:
                    index[v] = counter
                    low[v] = counter
                    counter += 1
                    stack[sp] = v
                    sp += 1
                    onstk[v] = True
                    cnode[cs] = v
                    cedge[cs] = bounds[v]
                    cs += 1
                elif onstk[v] and index[v] < low[u]:
                    low[u] = index[v]
            else:
                cs -= 1
                if low[u] == index[u]:
                    while True:
                        sp -= 1
                        w = stack[sp]
                        onstk[w] = False
                        order[wo] = w
                        wo += 1
                        if w == u:
                            break
                    nscc += 1
                    starts[nscc] = wo
                if cs > 0:
                    p = cnode[cs - 1]
                    if low[u] < low[p]:
                        low[p] = low[u]
    return nscc


@njit(cache=True, nogil=True)
def fair_components(bounds, label, dst, stutter, cond_of, strong, keep, accept):  # type: ignore[no-untyped-def]
    """Per state, the fair component it belongs to (-1: none), and how many there are:
    ``fair.fair_components`` on arrays. ``cond_of[label]``: the condition of an edge's
    label (-1: none); ``strong[c]``; ``accept``: (sets, n) flags."""
    n = bounds.shape[0] - 1
    ncond = strong.shape[0]
    region = np.full(n, -1, np.int64)
    pool = np.empty(n, np.int64)
    seg_lo = np.empty(n + 1, np.int64)
    seg_r = np.empty(n + 1, np.int64)
    top = 0
    for u in range(n):
        if keep[u]:
            region[u] = 0
            pool[top] = u
            top += 1
    nseg = 0
    if top:
        seg_lo[0] = 0
        seg_r[0] = 0
        nseg = 1
    next_r = 1
    cur = np.empty(n, np.int64)
    index = np.full(n, -1, np.int64)
    low = np.empty(n, np.int64)
    onstk = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    cnode = np.empty(n, np.int64)
    cedge = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    starts = np.empty(n + 1, np.int64)
    scc_of = np.full(n, -1, np.int64)
    taken = np.full(max(1, ncond), -1, np.int64)
    en_at = np.full(max(1, ncond), -1, np.int64)
    en_count = np.zeros(max(1, ncond), np.int64)
    last = np.full(max(1, ncond), -1, np.int64)
    touched = np.empty(max(1, ncond), np.int64)
    comp = np.full(n, -1, np.int64)
    sid = 0
    nfair = 0
    while nseg > 0:
        nseg -= 1
        lo, r = seg_lo[nseg], seg_r[nseg]
        m = top - lo
        for i in range(m):
            cur[i] = pool[lo + i]
            index[cur[i]] = -1
        top = lo
        nscc = _tarjan(cur, m, region, r, bounds, dst, index, low, onstk, stack, cnode, cedge, order, starts)
        for k in range(nscc):
            a, b = starts[k], starts[k + 1]
            for i in range(a, b):
                scc_of[order[i]] = sid
            inner = False
            nt = 0
            for i in range(a, b):
                u = order[i]
                if stutter[u]:
                    inner = True
                for e in range(bounds[u], bounds[u + 1]):
                    c = cond_of[label[e]]
                    if c >= 0:
                        if en_at[c] != sid:
                            en_at[c] = sid
                            en_count[c] = 0
                            touched[nt] = c
                            nt += 1
                        if last[c] != u:
                            last[c] = u
                            en_count[c] += 1
                    v = dst[e]
                    if region[v] == r and scc_of[v] == sid:
                        inner = True
                        if c >= 0:
                            taken[c] = sid
            if inner:
                ruled = False
                remove = False
                for j in range(nt):
                    c = touched[j]
                    if taken[c] == sid:
                        continue
                    if strong[c]:
                        remove = True
                    elif en_count[c] == b - a:
                        ruled = True
                if ruled:
                    pass
                elif remove:  # split again without the states where an untaken strong one is enabled
                    seg_lo[nseg] = top
                    seg_r[nseg] = next_r
                    for i in range(a, b):
                        u = order[i]
                        drop = False
                        for e in range(bounds[u], bounds[u + 1]):
                            c = cond_of[label[e]]
                            if c >= 0 and strong[c] and taken[c] != sid:
                                drop = True
                                break
                        if drop:
                            region[u] = -1
                        else:
                            region[u] = next_r
                            pool[top] = u
                            top += 1
                    next_r += 1
                    if top > seg_lo[nseg]:
                        nseg += 1
                else:
                    ok = True
                    for q in range(accept.shape[0]):
                        hit = False
                        for i in range(a, b):
                            if accept[q, order[i]]:
                                hit = True
                                break
                        if not hit:
                            ok = False
                            break
                    if ok:
                        for i in range(a, b):
                            comp[order[i]] = nfair
                        nfair += 1
            sid += 1
    return comp, nfair


@njit(cache=True, nogil=True)
def bfs(bounds, label, dst, sources, goal, allowed):  # type: ignore[no-untyped-def]
    """``fair.shortest_path``: the first ``goal`` state dequeued (-1: none) and the parent
    arrays (state, label; ``NOT_SEEN``/-1 as the parent of an unreached state/a source)."""
    n = bounds.shape[0] - 1
    par = np.full(n, NOT_SEEN, np.int64)
    plab = np.full(n, -1, np.int64)
    queue = np.empty(n, np.int64)
    qh = 0
    qt = 0
    for s in sources:
        if par[s] == NOT_SEEN and allowed[s]:
            par[s] = -1
            queue[qt] = s
            qt += 1
    while qh < qt:
        u = queue[qh]
        qh += 1
        if goal[u]:
            return u, par, plab
        for e in range(bounds[u], bounds[u + 1]):
            v = dst[e]
            if par[v] == NOT_SEEN and allowed[v]:
                par[v] = u
                plab[v] = label[e]
                queue[qt] = v
                qt += 1
    return -1, par, plab


@njit(cache=True, nogil=True)
def backward(bounds, dst, keep, seeds):  # type: ignore[no-untyped-def]
    """The ``keep`` states from which a ``seeds`` state is reachable through ``keep`` states."""
    n = bounds.shape[0] - 1
    start = np.zeros(n + 1, np.int64)
    for u in range(n):
        if keep[u]:
            for e in range(bounds[u], bounds[u + 1]):
                v = dst[e]
                if v != u and keep[v]:
                    start[v + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    at = start[:-1].copy()
    rsrc = np.empty(start[n], np.int64)
    for u in range(n):
        if keep[u]:
            for e in range(bounds[u], bounds[u + 1]):
                v = dst[e]
                if v != u and keep[v]:
                    rsrc[at[v]] = u
                    at[v] += 1
    out = seeds.copy()
    queue = np.empty(n, np.int64)
    qt = 0
    for v in range(n):
        if out[v]:
            queue[qt] = v
            qt += 1
    qh = 0
    while qh < qt:
        v = queue[qh]
        qh += 1
        for k in range(start[v], start[v + 1]):
            u = rsrc[k]
            if not out[u]:
                out[u] = True
                queue[qt] = u
                qt += 1
    return out


@njit(cache=True, nogil=True)
def condition_states(bounds, label, dst, cond_of, c, nodes, members):  # type: ignore[no-untyped-def]
    """For the states ``nodes``: whether they take condition ``c`` by an edge into
    ``members``, and whether ``c`` is enabled in them (flags over all states)."""
    n = bounds.shape[0] - 1
    takes = np.zeros(n, np.bool_)
    on = np.zeros(n, np.bool_)
    for u in nodes:
        for e in range(bounds[u], bounds[u + 1]):
            if cond_of[label[e]] == c:
                on[u] = True
                if members[dst[e]]:
                    takes[u] = True
                    break
    return takes, on


@njit(cache=True, nogil=True)
def urgent(bounds, label, dst, hurry, ticks):  # type: ignore[no-untyped-def]
    """``check.urgent`` on arrays: no edge labelled in ``ticks`` from a state with an edge
    labelled in ``hurry``."""
    n = bounds.shape[0] - 1
    nb = np.empty(n + 1, np.int64)
    la = np.empty(label.shape[0], np.int32)
    da = np.empty(label.shape[0], np.int32)
    w = 0
    for u in range(n):
        nb[u] = w
        late = False
        for e in range(bounds[u], bounds[u + 1]):
            if hurry[label[e]]:
                late = True
                break
        for e in range(bounds[u], bounds[u + 1]):
            if late and ticks[label[e]]:
                continue
            la[w] = label[e]
            da[w] = dst[e]
            w += 1
    nb[n] = w
    return nb, la[:w], da[:w]


@njit(cache=True, nogil=True)
def bounded(bounds, label, dst, seen, start, keep, bound, ticks, use_ticks):  # type: ignore[no-untyped-def]
    """``bounded.bounded_violation``'s search over (state, count) nodes ``u * (bound + 1) +
    count``: (the last node, the label and target of a final tick or -1, -1, parents)."""
    n = bounds.shape[0] - 1
    k1 = bound + 1
    par = np.full(n * k1, NOT_SEEN, np.int64)
    plab = np.full(n * k1, -1, np.int64)
    queue = np.empty(n * k1, np.int64)
    qh = 0
    qt = 0
    for u in range(n):
        if start[u] and keep[u] and seen[u]:
            par[u * k1] = -1
            queue[qt] = u * k1
            qt += 1
    while qh < qt:
        node = queue[qh]
        qh += 1
        u = node // k1
        t = node - u * k1
        if not use_ticks and t == bound:
            return node, -1, -1, par, plab
        for e in range(bounds[u], bounds[u + 1]):
            a = label[e]
            v = dst[e]
            counts = (not use_ticks) or ticks[a]
            if counts and use_ticks and t == bound:
                return node, a, v, par, plab
            nxt = v * k1 + (t + 1 if counts else t)
            if keep[v] and par[nxt] == NOT_SEEN:
                par[nxt] = node
                plab[nxt] = a
                queue[qt] = nxt
                qt += 1
    return -1, -1, -1, par, plab
