"""Stage 5 (kernel engine): the native steps of the search that goes level by level.

The in-memory driver (``driver.py``) looks each successor up as it is made. When the
seen-set leaves the state table (spilled to disk or reduced to fingerprints, ``seen.py``;
split over machines, ``cluster.py``), a chunk of the frontier is expanded first
(``expand_rows``: its successors in order, each with its key, the parent's id and the
transition's ordinal, packed as ``parent << 32 | ordinal``), then its new states are
picked out (first occurrences not seen before), and only then given ids, in the order
of their keys: the successor order of the in-memory search, so ids, counts and
counterexamples are the same.

The scalar array ``st`` has the driver's indices (``driver.N``, ``TRANSITIONS``,
``ERR_STATE``, ...), so a search can pass from the driver to the levels mid-run.
Sorted runs of keys (rows of int64 words, compared word by word as signed integers,
the order ``np.lexsort`` gives on reversed columns) are searched and merged here too.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from verifier.engine.kernel.driver import (
    ERR_ACTION,
    ERR_ORD,
    ERR_STATE,
    HAS_CONS,
    N_ACTIVE,
    OVF,
    cover,
    row_ptr,
)

ORD_BITS = 32
ORD_MASK = (1 << ORD_BITS) - 1
NO_IDS = np.zeros(0, dtype=np.int64)  # expand_rows: the ids are id0 + row
_C1 = -4658895280553007687  # 0xBF58476D1CE4E5B9 as int64
_C2 = -7723592293110705685  # 0x94D049BB133111EB as int64


@njit(cache=True, inline="always")
def _mix(z: int) -> int:
    """splitmix64's finalizer on int64 (logical shifts by masking), as the driver's table uses."""
    z = (z ^ ((z >> 31) & ((1 << 33) - 1))) * _C1
    z = (z ^ ((z >> 29) & ((1 << 35) - 1))) * _C2
    return z ^ ((z >> 32) & ((1 << 32) - 1))


@njit(cache=True)
def expand_rows(fns, F, lo, hi, id0, IDS, X, A, KEY, amap, taken, enabled, stamp, st):  # type: ignore[no-untyped-def]
    """Expand frontier rows F[lo:hi] (state ids id0 + row, or IDS[row] when IDS is not
    empty) into X: the successors that are
    not error transitions, in order, with KEY = parent id << 32 | ordinal. Coverage,
    transitions, the first deadlock and the first error go into taken/enabled/st as the
    driver counts them. Returns (successors written, the first row not expanded): a row
    whose successors do not fit in what is left of X is left for the next call."""
    expand, cons = fns[0], fns[2]
    rows = X.shape[0]
    words = X.shape[1]
    m = 0
    for i in range(lo, hi):
        sid = IDS[i] if IDS.shape[0] > 0 else id0 + i
        if st[HAS_CONS] != 0 and cons(row_ptr(F, i)) != 1:
            continue
        k = expand(row_ptr(F, i), row_ptr(X, m), rows - m, row_ptr(A, m))
        if k == OVF:
            return m, i
        cover(st, sid, A, m, k, amap, taken, enabled, stamp)
        w = m
        for j in range(k):
            g = A[m + j]
            if g < 0:
                if st[ERR_STATE] < 0:
                    st[ERR_STATE] = sid
                    st[ERR_ORD] = j
                    st[ERR_ACTION] = amap[-1 - g]
                continue
            if w != m + j:
                for x in range(words):
                    X[w, x] = X[m + j, x]
            KEY[w] = (sid << ORD_BITS) | j
            w += 1
        m = w
    return m, hi


@njit(cache=True)
def monitor_rows(fns, X, pos, ids, act, fired, found, st):  # type: ignore[no-untyped-def]
    """Run the active monitors on the new states X[pos[j]] (ids[j]), in order: a monitor's
    first state is where it fired first."""
    mon = fns[1]
    for j in range(pos.shape[0]):
        if st[N_ACTIVE] <= 0:
            return
        c = mon(row_ptr(X, pos[j]), row_ptr(act, 0), row_ptr(fired, 0))
        if c > 0:
            for m in range(fired.shape[0]):
                if fired[m] != 0:
                    fired[m] = 0
                    act[m] = 0
                    found[m] = ids[j]
            st[N_ACTIVE] -= c


@njit(cache=True)
def fingerprints(X, m, out):  # type: ignore[no-untyped-def]
    """out[j, 0]: a 64-bit fingerprint of state X[j] (hash compaction), for j < m: a hash
    with another seed and order of mixing than the table's, so the two are unrelated."""
    words = X.shape[1]
    for j in range(m):
        h = -7046029254386353131  # 0x9E3779B97F4A7C15
        for k in range(words):
            h = _mix(h + X[j, k] * -4417276706812531889 + k)
        out[j, 0] = _mix(h ^ words)


@njit(cache=True, inline="always")
def _cmp(a, i, b, j):  # type: ignore[no-untyped-def]
    """-1, 0 or 1 as row a[i] is below, equal to or above row b[j] (signed, word by word)."""
    for k in range(a.shape[1]):
        x = a[i, k]
        y = b[j, k]
        if x < y:
            return -1
        if x > y:
            return 1
    return 0


@njit(cache=True)
def probe_insert(KB, tab, nk, keys, m, flags):  # type: ignore[no-untyped-def]
    """Look keys[0:m] up in the table of KB's first nk rows, in order; put each one not
    there in (flags[j] = 1, else 0), so a later copy in the same batch is found. The
    caller made room for m more keys. Returns the new key count."""
    words = KB.shape[1]
    tmask = tab.shape[0] - 1
    for j in range(m):
        h = 0x2545F4914F6CDD1D
        for k in range(words):
            h = _mix(h ^ keys[j, k])
        idx = h & tmask
        flags[j] = 1
        while True:
            v = tab[idx]
            if v == 0:
                break
            same = True
            for k in range(words):
                if KB[v - 1, k] != keys[j, k]:
                    same = False
                    break
            if same:
                flags[j] = 0
                break
            idx = (idx + 1) & tmask
        if flags[j] == 1:
            for k in range(words):
                KB[nk, k] = keys[j, k]
            tab[idx] = nk + 1
            nk += 1
    return nk


@njit(cache=True)
def rehash_keys(KB, nk, tab):  # type: ignore[no-untyped-def]
    """Fill the empty table ``tab`` with KB's first nk rows."""
    words = KB.shape[1]
    tmask = tab.shape[0] - 1
    for i in range(nk):
        h = 0x2545F4914F6CDD1D
        for k in range(words):
            h = _mix(h ^ KB[i, k])
        idx = h & tmask
        while tab[idx] != 0:
            idx = (idx + 1) & tmask
        tab[idx] = i + 1


@njit(cache=True)
def member_sorted(run, n, keys, order, found):  # type: ignore[no-untyped-def]
    """found[order[j]] |= keys[order[j]] is among run's first n rows (sorted); ``order``
    sorts the keys, so one forward pass of galloping searches does it."""
    lo = 0
    for t in range(order.shape[0]):
        j = order[t]
        if lo >= n:
            return
        # gallop: the first row >= the key lies in lo..hi
        step = 1
        hi = lo
        while hi < n and _cmp(run, hi, keys, j) < 0:
            lo = hi + 1
            hi = lo + step
            step *= 2
        if hi > n:
            hi = n
        while lo < hi:
            mid = (lo + hi) // 2
            if _cmp(run, mid, keys, j) < 0:
                lo = mid + 1
            else:
                hi = mid
        if lo < n and _cmp(run, lo, keys, j) == 0:
            found[j] = True


@njit(cache=True)
def merge_sorted(a, na, b, nb, out):  # type: ignore[no-untyped-def]
    """Merge sorted rows a[:na] and b[:nb] into out, each key once; returns the count."""
    i = 0
    j = 0
    w = 0
    words = out.shape[1]
    while i < na or j < nb:
        if j >= nb:
            c = -1
        elif i >= na:
            c = 1
        else:
            c = _cmp(a, i, b, j)
        if c <= 0:
            for k in range(words):
                out[w, k] = a[i, k]
            i += 1
            if c == 0:
                j += 1
        else:
            for k in range(words):
                out[w, k] = b[j, k]
            j += 1
        w += 1
    return w


@njit(cache=True)
def unique_sorted(a, n):  # type: ignore[no-untyped-def]
    """Drop repeated rows of the sorted a[:n] in place; returns the count left."""
    if n == 0:
        return 0
    w = 1
    words = a.shape[1]
    for i in range(1, n):
        if _cmp(a, i, a, w - 1) != 0:
            for k in range(words):
                a[w, k] = a[i, k]
            w += 1
    return w


def sort_rows(a: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """The order that sorts the rows of ``a`` word by word (stable)."""
    if a.shape[1] == 1:
        return np.argsort(a[:, 0], kind="stable")
    return np.lexsort(a.T[::-1])
