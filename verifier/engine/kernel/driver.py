"""Stage 5 (kernel engine): the breadth-first search loop in native code.

One function for every model, compiled once and cached: it calls a model's generated
``expand``/``mon``/``cons`` through first-class function types (``sigs.py``). The
seen-set is an open-addressing hash table of state ids (``tab``: id + 1, 0 = empty,
linear probing) over the state table ``S`` (one row of int64 words per state, in
discovery order, so ids are breadth-first and a level is a slice of rows); per state the
parent id (``P``) and the ordinal of the transition that reached it (``R``). No Python
object exists per state.

``run`` expands the frontier rows ``pos..level_end`` in order and appends each new
successor as the next row, exactly the order of the Python engine
(``verifier/engine/explicit.py``), so ids, counts and counterexamples agree. It returns
to Python when the level is done, its work budget is spent, or an array needs room
(``st[ST_STATUS]`` says which), so limits, progress and Ctrl-C are handled between calls.
"""

from __future__ import annotations

import llvmlite.ir as llvm_ir
import numpy as np
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

from verifier.engine.kernel import sigs

# indices into the scalar state array ``st``
POS, LEVEL_END, N, TMASK, STATUS, ERR_STATE, ERR_ORD, ERR_ACTION, DEADLOCK, TRANSITIONS, \
    BUDGET, HAS_CONS, WANT_DEADLOCK, N_EDGES, RECORD_EDGES, N_ACTIVE, MAX_STATES, TLIMIT, \
    OVER = range(19)
ST_SIZE = 19

# statuses
DONE, BUDGET_SPENT, GROW_STATES, GROW_TABLE, GROW_OUT, GROW_EDGES = range(6)

OVF = -(1 << 60)
NOKN = np.zeros(0, dtype=np.int64)  # absorb's "nothing looked up yet"
_M33 = (1 << 33) - 1
_M29 = (1 << 29) - 1
_C1 = -4658895280553007687  # 0xBF58476D1CE4E5B9 as int64
_C2 = -7723592293110705685  # 0x94D049BB133111EB as int64


@intrinsic
def row_ptr(typingctx, arr, i):  # type: ignore[no-untyped-def]
    """The address of ``arr[i, 0]`` (a C-contiguous 2-D int64 array) or ``arr[i]`` (1-D)."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        a = context.make_array(signature.args[0])(context, builder, value=args[0])
        stride = builder.extract_value(a.strides, 0)
        offset = builder.mul(args[1], builder.sdiv(stride, context.get_constant(types.intp, 8)))
        return builder.gep(a.data, [offset])
    return sigs.PTR(arr, types.int64), codegen


@njit(cache=True, inline="always")
def _mix(z: int) -> int:
    z = (z ^ ((z >> 31) & _M33)) * _C1
    z = (z ^ ((z >> 29) & ((1 << 35) - 1))) * _C2
    return z ^ ((z >> 32) & ((1 << 32) - 1))


@njit(cache=True)
def hash_row(R, i, words):  # type: ignore[no-untyped-def]
    h = 0x2545F4914F6CDD1D
    for k in range(words):
        h = _mix(h ^ R[i, k])
    return h


@intrinsic
def prefetch(typingctx, arr, i):  # type: ignore[no-untyped-def]
    """Ask the processor to bring ``arr[i]`` (1-D) or row ``i`` (2-D) into the cache:
    a hint that lets several lookups' memory accesses overlap."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        a = context.make_array(signature.args[0])(context, builder, value=args[0])
        stride = builder.extract_value(a.strides, 0)
        item = context.get_constant(types.intp, signature.args[0].dtype.bitwidth // 8)
        ptr = builder.gep(a.data, [builder.mul(args[1], builder.sdiv(stride, item))])
        i8p = llvm_ir.IntType(8).as_pointer()
        i32 = llvm_ir.IntType(32)
        fnty = llvm_ir.FunctionType(llvm_ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return types.void(arr, types.int64), codegen


@njit(cache=True)
def lookup(S, tab, tmask, X, j, words):  # type: ignore[no-untyped-def]
    """(id of the state X[j] in the table, or -1, and the free slot where it goes)."""
    return lookup_at(S, tab, tmask, X, j, words, hash_row(X, j, words) & tmask)


@njit(cache=True, inline="always")
def lookup_at(S, tab, tmask, X, j, words, idx):  # type: ignore[no-untyped-def]
    """``lookup`` starting at slot ``idx`` (the state's hash, masked)."""
    while True:
        v = tab[idx]
        if v == 0:
            return -1, idx
        sid = v - 1
        same = True
        for k in range(words):
            if S[sid, k] != X[j, k]:
                same = False
                break
        if same:
            return sid, idx
        idx = (idx + 1) & tmask


@njit(cache=True, nogil=True)
def rehash(S, n, tab, words):  # type: ignore[no-untyped-def]
    """Fill the empty table ``tab`` with the ids 0..n-1."""
    tmask = tab.shape[0] - 1
    for sid in range(n):
        idx = hash_row(S, sid, words) & tmask
        while tab[idx] != 0:
            idx = (idx + 1) & tmask
        tab[idx] = sid + 1


@njit(cache=True, inline="always")
def _monitor(mon, S, sid, st, act, fired, found):  # type: ignore[no-untyped-def]
    if st[N_ACTIVE] > 0:
        c = mon(row_ptr(S, sid), row_ptr(act, 0), row_ptr(fired, 0))
        if c > 0:
            for m in range(fired.shape[0]):
                if fired[m] != 0:
                    fired[m] = 0
                    act[m] = 0
                    found[m] = sid
            st[N_ACTIVE] -= c


@njit(cache=True, nogil=True)
def add_initial(fns, S, P, R, tab, st, init, act, fired, found):  # type: ignore[no-untyped-def]
    """Insert the initial states (rows of ``init``) in order; returns how many were new."""
    words = S.shape[1]
    tmask = st[TMASK]
    n = st[N]
    mon = fns[1]
    for j in range(init.shape[0]):
        sid, idx = lookup(S, tab, tmask, init, j, words)
        if sid >= 0:
            continue
        if n == st[MAX_STATES]:
            st[OVER] = 1
            break
        for k in range(words):
            S[n, k] = init[j, k]
        tab[idx] = n + 1
        P[n] = -1
        R[n] = j
        n += 1
        _monitor(mon, S, n - 1, st, act, fired, found)
    added = n - st[N]
    st[N] = n
    return added


@njit(cache=True, inline="always")
def cover(st, i, A, base, k, amap, taken, enabled, stamp):  # type: ignore[no-untyped-def]
    """Coverage of state i's k transitions (actions in A[base:base+k]) and the first
    deadlock: the part of taking in a state that does not depend on the table."""
    st[TRANSITIONS] += k
    for j in range(k):
        g = A[base + j]
        a = amap[-1 - g if g < 0 else g]
        taken[a] += 1
        if stamp[a] != i + 1:
            stamp[a] = i + 1
            enabled[a] += 1
    if k == 0 and st[WANT_DEADLOCK] != 0 and st[DEADLOCK] < 0:
        st[DEADLOCK] = i


@njit(cache=True, inline="always")
def absorb(mon, S, P, R, tab, st, i, X, A, KN, H, base, k, n, ne, amap, taken, enabled, stamp,  # type: ignore[no-untyped-def]
           act, fired, found, record, esrc, edst, eord, eact):
    """Take in the k transitions of state i, rows base..base+k-1 of X (actions in A;
    KN, when not empty, the ids of those already looked up and found, else -1):
    coverage, deadlock, the first error, new states (stored, linked, monitored) and
    edges; returns the new state and edge counts."""
    words = S.shape[1]
    tmask = st[TMASK]
    cover(st, i, A, base, k, amap, taken, enabled, stamp)
    # the lookups' memory accesses overlap: the table slots of every successor are
    # fetched first, then the state rows they point at, then each is looked up in turn
    known = KN.shape[0] > 0
    for j in range(k):
        if A[base + j] >= 0 and not (known and KN[base + j] >= 0):
            h = hash_row(X, base + j, words) & tmask
            H[j] = h
            prefetch(tab, h)
    for j in range(k):
        if A[base + j] >= 0 and not (known and KN[base + j] >= 0):
            v = tab[H[j]]
            if v != 0:
                prefetch(S, v - 1)
    for j in range(k):
        g = A[base + j]
        if g < 0:
            if st[ERR_STATE] < 0:
                st[ERR_STATE] = i
                st[ERR_ORD] = j
                st[ERR_ACTION] = amap[-1 - g]
            continue
        if known and KN[base + j] >= 0:
            sid, idx = KN[base + j], -1
        else:
            sid, idx = lookup_at(S, tab, tmask, X, base + j, words, H[j])
        if sid < 0 and n == st[MAX_STATES]:
            # the state limit: the first MAX_STATES states are kept, the rest of the
            # level is still expanded (its transitions, coverage and errors count)
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
            _monitor(mon, S, sid, st, act, fired, found)
        if record:
            esrc[ne] = i
            edst[ne] = sid
            eord[ne] = j
            eact[ne] = g
            ne += 1
    return n, ne


@njit(cache=True, nogil=True)
def run(fns, S, P, R, tab, st, X, A, H, amap, taken, enabled, stamp, act, fired, found,  # type: ignore[no-untyped-def]
        esrc, edst, eord, eact):
    """Expand frontier rows st[POS]..st[LEVEL_END]-1 (see the module doc)."""
    expand, mon, cons = fns[0], fns[1], fns[2]
    n = st[N]
    pos = st[POS]
    end = st[LEVEL_END]
    budget = st[BUDGET]
    rows = X.shape[0]
    cap = S.shape[0]
    tlimit = st[TLIMIT]
    ecap = esrc.shape[0]
    ne = st[N_EDGES]
    record = st[RECORD_EDGES] != 0
    status = DONE
    while pos < end:
        if budget <= 0:
            status = BUDGET_SPENT
            break
        if n + rows > cap:
            status = GROW_STATES
            break
        if n + rows > tlimit:
            status = GROW_TABLE
            break
        if record and ne + rows > ecap:
            status = GROW_EDGES
            break
        i = pos
        if st[HAS_CONS] != 0 and cons(row_ptr(S, i)) != 1:
            pos += 1
            budget -= 1
            continue
        k = expand(row_ptr(S, i), row_ptr(X, 0), rows, row_ptr(A, 0))
        if k == OVF:
            status = GROW_OUT
            break
        n, ne = absorb(mon, S, P, R, tab, st, i, X, A, NOKN, H, 0, k, n, ne, amap, taken, enabled, stamp,
                       act, fired, found, record, esrc, edst, eord, eact)
        pos += 1
        budget -= 1
    st[N] = n
    st[POS] = pos
    st[N_EDGES] = ne
    st[STATUS] = status
    return status


@njit(cache=True, nogil=True)
def expand_one(fns, S, i, X, A):  # type: ignore[no-untyped-def]
    """The transitions of one state (for tests and the labelled graph)."""
    return fns[0](row_ptr(S, i), row_ptr(X, 0), X.shape[0], row_ptr(A, 0))


@njit(cache=True, nogil=True)
def monitor_one(fns, S, i, act, fired):  # type: ignore[no-untyped-def]
    return fns[1](row_ptr(S, i), row_ptr(act, 0), row_ptr(fired, 0))


@njit(cache=True, nogil=True)
def constraint_one(fns, S, i):  # type: ignore[no-untyped-def]
    return fns[2](row_ptr(S, i))


def new_table(size: int) -> np.ndarray:  # type: ignore[type-arg]
    return np.zeros(size, dtype=np.int32)


@njit(cache=True, nogil=True)
def truth_all(fn, S, n, P, out):  # type: ignore[no-untyped-def]
    """out[i] = fn(state i, P) for the first n states; how many were -1 (errors)."""
    errors = 0
    for i in range(n):
        r = fn(row_ptr(S, i), row_ptr(P, 0))
        out[i] = r
        if r < 0:
            errors += 1
    return errors


# ---- one-word states: the table holds the states themselves ------------------------------
#
# When a state is one word below 2**63, the seen-set can hold the states themselves
# (``keys``, -1 = empty): a lookup then touches one cache line, not a slot and a state
# row. The ids of the slots (``tid``) are kept only when the search records edges.

EMPTY = -1


@njit(cache=True, inline="always")
def lookup_key(keys, tmask, key, idx):  # type: ignore[no-untyped-def]
    """(whether ``key`` is in the table, and its slot or the free slot for it), starting
    at slot ``idx``."""
    while True:
        v = keys[idx]
        if v == EMPTY:
            return False, idx
        if v == key:
            return True, idx
        idx = (idx + 1) & tmask


@njit(cache=True, nogil=True)
def rehash_keys(S, n, keys, tid):  # type: ignore[no-untyped-def]
    """Fill the empty key table with the states 0..n-1 (and their ids, when kept)."""
    tmask = keys.shape[0] - 1
    ids = tid.shape[0] > 0
    for sid in range(n):
        idx = hash_row(S, sid, 1) & tmask
        while keys[idx] != EMPTY:
            idx = (idx + 1) & tmask
        keys[idx] = S[sid, 0]
        if ids:
            tid[idx] = sid


@njit(cache=True, nogil=True)
def add_initial_keys(fns, S, P, R, keys, tid, st, init, act, fired, found):  # type: ignore[no-untyped-def]
    """``add_initial`` for the key table."""
    tmask = st[TMASK]
    n = st[N]
    mon = fns[1]
    ids = tid.shape[0] > 0
    for j in range(init.shape[0]):
        key = init[j, 0]
        there, idx = lookup_key(keys, tmask, key, hash_row(init, j, 1) & tmask)
        if there:
            continue
        if n == st[MAX_STATES]:
            st[OVER] = 1
            break
        S[n, 0] = key
        keys[idx] = key
        if ids:
            tid[idx] = n
        P[n] = -1
        R[n] = j
        n += 1
        _monitor(mon, S, n - 1, st, act, fired, found)
    added = n - st[N]
    st[N] = n
    return added


@njit(cache=True, nogil=True)
def run_keys(fns, S, P, R, keys, tid, st, X, A, H, amap, taken, enabled, stamp, act, fired,  # type: ignore[no-untyped-def]
             found, esrc, edst, eord, eact):
    """``run`` for one-word states in the key table (one worker)."""
    expand, mon, cons = fns[0], fns[1], fns[2]
    n = st[N]
    pos = st[POS]
    end = st[LEVEL_END]
    budget = st[BUDGET]
    rows = X.shape[0]
    cap = S.shape[0]
    tlimit = st[TLIMIT]
    tmask = st[TMASK]
    ecap = esrc.shape[0]
    ne = st[N_EDGES]
    record = st[RECORD_EDGES] != 0
    status = DONE
    while pos < end:
        if budget <= 0:
            status = BUDGET_SPENT
            break
        if n + rows > cap:
            status = GROW_STATES
            break
        if n + rows > tlimit:
            status = GROW_TABLE
            break
        if record and ne + rows > ecap:
            status = GROW_EDGES
            break
        i = pos
        if st[HAS_CONS] != 0 and cons(row_ptr(S, i)) != 1:
            pos += 1
            budget -= 1
            continue
        k = expand(row_ptr(S, i), row_ptr(X, 0), rows, row_ptr(A, 0))
        if k == OVF:
            status = GROW_OUT
            break
        cover(st, i, A, 0, k, amap, taken, enabled, stamp)
        for j in range(k):  # the slots of every successor first: their misses overlap
            if A[j] >= 0:
                h = hash_row(X, j, 1) & tmask
                H[j] = h
                prefetch(keys, h)
        for j in range(k):
            g = A[j]
            if g < 0:
                if st[ERR_STATE] < 0:
                    st[ERR_STATE] = i
                    st[ERR_ORD] = j
                    st[ERR_ACTION] = amap[-1 - g]
                continue
            key = X[j, 0]
            there, idx = lookup_key(keys, tmask, key, H[j])
            if there:
                if record:
                    esrc[ne] = i
                    edst[ne] = tid[idx]
                    eord[ne] = j
                    eact[ne] = g
                    ne += 1
                continue
            if n == st[MAX_STATES]:
                st[OVER] = 1
                continue
            sid = n
            S[n, 0] = key
            keys[idx] = key
            if record:
                tid[idx] = n
            P[n] = i
            R[n] = j
            n += 1
            _monitor(mon, S, sid, st, act, fired, found)
            if record:
                esrc[ne] = i
                edst[ne] = sid
                eord[ne] = j
                eact[ne] = g
                ne += 1
        pos += 1
        budget -= 1
    st[N] = n
    st[POS] = pos
    st[N_EDGES] = ne
    st[STATUS] = status
    return status
