"""Stage 5 (kernel engine): the frontier expanded on several cores (``--workers``).

Each call takes a slice of the frontier and splits it into one contiguous chunk per
worker. In parallel (numba ``prange``), each worker expands its states, looks every
successor up in the seen-set (which nobody writes meanwhile: most successors are states
seen before, and finding them is most of a search's time), counts coverage and notes its
first deadlock and first error, records the edges to states already seen (when the
liveness check wants the graph), and keeps only the other successors, the *candidates*,
with their source state and ordinal. Then one thread takes the candidates in, worker by
worker, in frontier order, looking each up again (an earlier candidate may be the same
state) and storing the new ones; last, the workers evaluate the monitors on the new
states, each keeping the first state of its chunk where a monitor fires, and the first
of those is the monitor's. The states get the ids of a one-worker search, so counts,
verdicts and counterexamples are the same. A worker whose buffer fills stops at that
state; the call takes in what was expanded before it and the caller grows the buffers.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from verifier.engine.kernel.driver import (
    BUDGET,
    BUDGET_SPENT,
    DEADLOCK,
    DONE,
    ERR_ACTION,
    ERR_ORD,
    ERR_STATE,
    GROW_OUT,
    HAS_CONS,
    LEVEL_END,
    MAX_STATES,
    N_ACTIVE,
    N_EDGES,
    OVER,
    OVF,
    POS,
    RECORD_EDGES,
    STATUS,
    TMASK,
    TRANSITIONS,
    WANT_DEADLOCK,
    N,
    hash_row,
    lookup_at,
    prefetch,
    row_ptr,
)

# columns of a worker's per-call counts ``meta[t]``
CANDIDATES, KNOWN_EDGES, WORKER_TRANSITIONS, DEAD, ERR_AT, ERR_J, ERR_A = range(7)


@njit(cache=True, parallel=True)
def _expand_chunks(fns, S, tab, tmask, lo, hi, XS, AS, IS, HS, stops, meta, has_cons,  # type: ignore[no-untyped-def]
                   amap, taken2, enabled2, stamp2, want_deadlock, record, KE):
    """Worker t expands the states of its chunk of lo..hi-1 and keeps its candidates in
    XS[t] (successor words), AS[t] (instance number), IS[t] (source state, ordinal) and
    HS[t] (hash slot), meta[t, CANDIDATES] of them; with ``record``, the edges to states
    already seen go to KE[t] (source, target, ordinal, instance). stops[t]: the first
    state it did not expand (its chunk's end, or a full buffer)."""
    expand, cons = fns[0], fns[2]
    workers = XS.shape[0]
    rows = XS.shape[1]
    words = S.shape[1]
    for t in prange(workers):
        a = lo + (hi - lo) * t // workers
        b = lo + (hi - lo) * (t + 1) // workers
        c = 0          # candidates kept
        e = 0          # known edges kept
        trans = 0
        meta[t, DEAD] = -1
        meta[t, ERR_AT] = -1
        stops[t] = b
        for i in range(a, b):
            if has_cons and cons(row_ptr(S, i)) != 1:
                continue
            if record and e + (rows - c) > KE.shape[1]:
                stops[t] = i
                break
            k = expand(row_ptr(S, i), row_ptr(XS[t], c), rows - c, row_ptr(AS[t], c))
            if k == OVF:
                stops[t] = i
                break
            trans += k
            if k == 0 and want_deadlock and meta[t, DEAD] < 0:
                meta[t, DEAD] = i
            for j in range(c, c + k):  # overlap the lookups' memory accesses
                if AS[t, j] >= 0:
                    h = hash_row(XS[t], j, words) & tmask
                    HS[t, j] = h
                    prefetch(tab, h)
            for j in range(c, c + k):
                if AS[t, j] >= 0:
                    v = tab[HS[t, j]]
                    if v != 0:
                        prefetch(S, v - 1)
            base = c
            for j in range(base, base + k):
                g = AS[t, j]
                act = amap[-1 - g if g < 0 else g]
                taken2[t, act] += 1
                if stamp2[t, act] != i + 1:
                    stamp2[t, act] = i + 1
                    enabled2[t, act] += 1
                if g < 0:
                    if meta[t, ERR_AT] < 0:
                        meta[t, ERR_AT] = i
                        meta[t, ERR_J] = j - base
                        meta[t, ERR_A] = act
                    continue
                sid = lookup_at(S, tab, tmask, XS[t], j, words, HS[t, j])[0]
                if sid >= 0:
                    if record:
                        KE[t, e, 0] = i
                        KE[t, e, 1] = sid
                        KE[t, e, 2] = j - base
                        KE[t, e, 3] = g
                        e += 1
                    continue
                # a candidate: moved down to the next free row (c <= j)
                if c != j:
                    for w in range(words):
                        XS[t, c, w] = XS[t, j, w]
                    AS[t, c] = g
                    HS[t, c] = HS[t, j]
                IS[t, c, 0] = i
                IS[t, c, 1] = j - base
                c += 1
        meta[t, CANDIDATES] = c
        meta[t, KNOWN_EDGES] = e
        meta[t, WORKER_TRANSITIONS] = trans


@njit(cache=True, parallel=True)
def _monitor_range(fns, S, n0, n1, act, hits, scratch):  # type: ignore[no-untyped-def]
    """hits[t, m]: the first state of worker t's chunk of n0..n1-1 where active monitor m
    fires (-1: none)."""
    mon = fns[1]
    workers = hits.shape[0]
    for t in prange(workers):
        a = n0 + (n1 - n0) * t // workers
        b = n0 + (n1 - n0) * (t + 1) // workers
        for m in range(hits.shape[1]):
            hits[t, m] = -1
        for sid in range(a, b):
            if mon(row_ptr(S, sid), row_ptr(act, 0), row_ptr(scratch[t], 0)) > 0:
                for m in range(hits.shape[1]):
                    if scratch[t, m] != 0:
                        scratch[t, m] = 0
                        if hits[t, m] < 0:
                            hits[t, m] = sid


@njit(cache=True, nogil=True)
def run_parallel(fns, S, P, R, tab, st, XS, AS, IS, HS, KE, stops, meta, hits, scratch,  # type: ignore[no-untyped-def]
                 amap, taken2, enabled2, stamp2, taken, enabled, act, found, esrc, edst, eord, eact):
    """Expand frontier rows st[POS].. up to st[BUDGET] states (at most st[LEVEL_END]) on
    XS.shape[0] workers, then take them in; the caller made room in S, the table and the
    edge arrays for every buffer row."""
    lo = st[POS]
    hi = min(st[LEVEL_END], lo + st[BUDGET])
    workers = XS.shape[0]
    words = S.shape[1]
    tmask = st[TMASK]
    record = st[RECORD_EDGES] != 0
    taken2[:, :] = 0
    enabled2[:, :] = 0
    _expand_chunks(fns, S, tab, tmask, lo, hi, XS, AS, IS, HS, stops, meta, st[HAS_CONS] != 0,
                   amap, taken2, enabled2, stamp2, st[WANT_DEADLOCK] != 0, record, KE)
    n0 = st[N]
    n = n0
    ne = st[N_EDGES]
    pos = lo
    status = DONE
    for t in range(workers):
        b = lo + (hi - lo) * (t + 1) // workers
        for c in range(meta[t, CANDIDATES]):
            sid, idx = lookup_at(S, tab, tmask, XS[t], c, words, HS[t, c])
            if sid < 0 and n == st[MAX_STATES]:
                st[OVER] = 1
                continue
            if sid < 0:
                sid = n
                for w in range(words):
                    S[n, w] = XS[t, c, w]
                tab[idx] = n + 1
                P[n] = IS[t, c, 0]
                R[n] = IS[t, c, 1]
                n += 1
            if record:
                esrc[ne] = IS[t, c, 0]
                edst[ne] = sid
                eord[ne] = IS[t, c, 1]
                eact[ne] = AS[t, c]
                ne += 1
        if record:
            for e in range(meta[t, KNOWN_EDGES]):
                esrc[ne] = KE[t, e, 0]
                edst[ne] = KE[t, e, 1]
                eord[ne] = KE[t, e, 2]
                eact[ne] = KE[t, e, 3]
                ne += 1
        # a worker's coverage and firsts cover its chunk up to where it stopped
        st[TRANSITIONS] += meta[t, WORKER_TRANSITIONS]
        for x in range(taken.shape[0]):
            taken[x] += taken2[t, x]
            enabled[x] += enabled2[t, x]
        if meta[t, DEAD] >= 0 and st[DEADLOCK] < 0:
            st[DEADLOCK] = meta[t, DEAD]
        if meta[t, ERR_AT] >= 0 and st[ERR_STATE] < 0:
            st[ERR_STATE] = meta[t, ERR_AT]
            st[ERR_ORD] = meta[t, ERR_J]
            st[ERR_ACTION] = meta[t, ERR_A]
        pos = stops[t]
        if stops[t] < b:
            # a full buffer: grow it if the worker could not expand even its first state,
            # else go on from there in the next call (the later chunks are expanded again)
            status = GROW_OUT if stops[t] == lo + (hi - lo) * t // workers else BUDGET_SPENT
            break
    active = st[N_ACTIVE]
    if active > 0 and n > n0:
        _monitor_range(fns, S, n0, n, act, hits, scratch)
        for m in range(hits.shape[1]):
            if act[m] == 0:
                continue
            first = -1
            for t in range(workers):
                if hits[t, m] >= 0:
                    first = hits[t, m]
                    break
            if first >= 0:
                found[m] = first
                act[m] = 0
                st[N_ACTIVE] -= 1
    if status == DONE and pos < st[LEVEL_END]:
        status = BUDGET_SPENT
    st[N] = n
    st[POS] = pos
    st[N_EDGES] = ne
    st[STATUS] = status
    return status


def buffers(workers: int, rows: int, words: int, monitors: int, record: bool) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    """The per-worker arrays of ``run_parallel``: candidates' words, instances, (source,
    ordinal) and hash slots; known edges; first monitor hits and monitor scratch."""
    m = max(1, monitors)
    return (np.zeros((workers, rows, words), dtype=np.int64), np.zeros((workers, rows), dtype=np.int64),
            np.zeros((workers, rows, 2), dtype=np.int64), np.zeros((workers, rows), dtype=np.int64),
            np.zeros((workers, 2 * rows if record else 0, 4), dtype=np.int64),
            np.zeros((workers, m), dtype=np.int64), np.zeros((workers, m), dtype=np.int64))


def counters(workers: int, actions: int) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    """The per-worker coverage counters and action stamps, stops and counts."""
    a = max(1, actions)
    return (np.zeros((workers, a), dtype=np.int64), np.zeros((workers, a), dtype=np.int64),
            np.zeros((workers, a), dtype=np.int64))
