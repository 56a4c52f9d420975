"""Stage 5 (kernel engine): the frontier expanded on several cores (``--workers``).

Each call takes a slice of the frontier and splits it into one contiguous chunk per
worker. In parallel (numba ``prange``), each worker expands its states into its own
buffer and looks every successor up in the seen-set, which nobody writes meanwhile:
most successors are states seen before, and finding them is most of a search's time
(random memory accesses). Then one thread takes the states in, in frontier order, with
looking up again only the successors that were new (an earlier state of the slice may
have stored one); coverage, the first deadlock and the first error the workers counted
for their chunks, added up in chunk order. Last, the workers
evaluate the monitors on the new states, each keeping the first state of its chunk
where a monitor fires, and the first of those is the monitor's. The states get the ids
of a one-worker search, so counts, verdicts and counterexamples are the same. A worker
whose buffer fills stops at that state; the call takes in what was expanded before it
and the caller grows the buffers.
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
    lookup,
    row_ptr,
)


@njit(cache=True, parallel=True)
def _expand_chunks(fns, S, tab, tmask, lo, hi, XS, AS, KS, counts, offs, stops, has_cons,  # type: ignore[no-untyped-def]
                   amap, taken2, enabled2, stamp2, firsts, want_deadlock):
    """Worker t expands states of its chunk of lo..hi-1 into XS[t] (actions AS[t], the
    id of each successor already seen in KS[t], else -1): counts[i - lo] transitions at
    offs[i - lo] (-1: not expanded, a constraint); stops[t]: the first state it did not
    expand (its chunk's end, or a full buffer). It counts coverage into its rows of
    taken2/enabled2 and notes in firsts[t] its first deadlock and first error
    (state, ordinal, action), so that the first of all is the one-worker search's."""
    expand, cons = fns[0], fns[2]
    workers = XS.shape[0]
    rows = XS.shape[1]
    words = S.shape[1]
    for t in prange(workers):
        a = lo + (hi - lo) * t // workers
        b = lo + (hi - lo) * (t + 1) // workers
        pos = 0
        stops[t] = b
        firsts[t, 0] = -1
        firsts[t, 1] = -1
        for i in range(a, b):
            if has_cons and cons(row_ptr(S, i)) != 1:
                counts[i - lo] = -1
                continue
            k = expand(row_ptr(S, i), row_ptr(XS[t], pos), rows - pos, row_ptr(AS[t], pos))
            if k == OVF:
                stops[t] = i
                break
            if k == 0 and want_deadlock and firsts[t, 0] < 0:
                firsts[t, 0] = i
            for j in range(pos, pos + k):
                g = AS[t, j]
                if g < 0:
                    KS[t, j] = -1
                    act = amap[-1 - g]
                    if firsts[t, 1] < 0:
                        firsts[t, 1] = i
                        firsts[t, 2] = j - pos
                        firsts[t, 3] = act
                else:
                    act = amap[g]
                    KS[t, j] = lookup(S, tab, tmask, XS[t], j, words)[0]
                taken2[t, act] += 1
                if stamp2[t, act] != i + 1:
                    stamp2[t, act] = i + 1
                    enabled2[t, act] += 1
            counts[i - lo] = k
            offs[i - lo] = pos
            pos += k


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


@njit(cache=True, inline="always")
def _take_in(S, P, R, tab, st, i, X, A, KN, base, k, n, ne, record, esrc, edst, eord, eact):  # type: ignore[no-untyped-def]
    """The new states among state i's k successors (KN < 0: not seen before the call),
    stored and linked, and the edges; coverage and errors were counted by the workers."""
    words = S.shape[1]
    tmask = st[TMASK]
    st[TRANSITIONS] += k
    for j in range(k):
        g = A[base + j]
        if g < 0:
            continue
        sid = KN[base + j]
        if sid < 0:
            sid, idx = lookup(S, tab, tmask, X, base + j, words)
            if sid < 0 and n == st[MAX_STATES]:
                st[OVER] = 1
                continue
            if sid < 0:
                sid = n
                for w in range(words):
                    S[n, w] = X[base + j, w]
                tab[idx] = n + 1
                P[n] = i
                R[n] = j
                n += 1
        if record:
            esrc[ne] = i
            edst[ne] = sid
            eord[ne] = j
            eact[ne] = g
            ne += 1
    return n, ne


@njit(cache=True)
def run_parallel(fns, S, P, R, tab, st, XS, AS, KS, counts, offs, stops, hits, scratch,  # type: ignore[no-untyped-def]
                 amap, taken2, enabled2, stamp2, firsts, taken, enabled, act, found, esrc, edst, eord, eact):
    """Expand frontier rows st[POS].. up to st[BUDGET] states (at most st[LEVEL_END]) on
    XS.shape[0] workers, then take them in; the caller made room in S, the table and the
    edge arrays for every buffer row."""
    lo = st[POS]
    hi = min(st[LEVEL_END], lo + st[BUDGET])
    workers = XS.shape[0]
    taken2[:, :] = 0
    enabled2[:, :] = 0
    _expand_chunks(fns, S, tab, st[TMASK], lo, hi, XS, AS, KS, counts, offs, stops, st[HAS_CONS] != 0,
                   amap, taken2, enabled2, stamp2, firsts, st[WANT_DEADLOCK] != 0)
    n0 = st[N]
    n = n0
    ne = st[N_EDGES]
    record = st[RECORD_EDGES] != 0
    active = st[N_ACTIVE]
    pos = lo
    status = DONE
    for t in range(workers):
        a = lo + (hi - lo) * t // workers
        b = lo + (hi - lo) * (t + 1) // workers
        for i in range(a, stops[t]):
            k = counts[i - lo]
            if k >= 0:
                n, ne = _take_in(S, P, R, tab, st, i, XS[t], AS[t], KS[t], offs[i - lo], k, n, ne,
                                 record, esrc, edst, eord, eact)
        # a worker's coverage and firsts cover its whole chunk up to where it stopped
        for x in range(taken.shape[0]):
            taken[x] += taken2[t, x]
            enabled[x] += enabled2[t, x]
        if firsts[t, 0] >= 0 and st[DEADLOCK] < 0:
            st[DEADLOCK] = firsts[t, 0]
        if firsts[t, 1] >= 0 and st[ERR_STATE] < 0:
            st[ERR_STATE] = firsts[t, 1]
            st[ERR_ORD] = firsts[t, 2]
            st[ERR_ACTION] = firsts[t, 3]
        pos = stops[t]
        if stops[t] < b:
            status = GROW_OUT
            break
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


def buffers(workers: int, rows: int, words: int, monitors: int) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    """The per-worker arrays of ``run_parallel``: successors, actions, known ids, first
    monitor hits and monitor scratch."""
    return (np.zeros((workers, rows, words), dtype=np.int64), np.zeros((workers, rows), dtype=np.int64),
            np.zeros((workers, rows), dtype=np.int64), np.zeros((workers, max(1, monitors)), dtype=np.int64),
            np.zeros((workers, max(1, monitors)), dtype=np.int64))


def counters(workers: int, actions: int) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    """The per-worker coverage counters, action stamps and first deadlock/error."""
    return (np.zeros((workers, max(1, actions)), dtype=np.int64), np.zeros((workers, max(1, actions)), dtype=np.int64),
            np.zeros((workers, max(1, actions)), dtype=np.int64), np.full((workers, 4), -1, dtype=np.int64))
