"""Stage 5 (kernel engine): the breadth-first search on the native driver.

Python holds the arrays and the loop over levels; the driver (``driver.py``) does the
work. Between driver calls this module grows arrays, checks the state, depth, time and
memory limits, prints progress and lets Ctrl-C through, exactly where the Python
engine (``verifier/engine/explicit.py``) does, and it fills the same ``Exploration``, so
verdicts, traces (replayed through the reference semantics) and reports are built by
the same code for every engine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.engine.explicit import Clock, Exploration, Found, rss_mb
from verifier.engine.kernel import driver as D
from verifier.engine.kernel.layout import KernelLayout, Leaf
from verifier.engine.kernel.module import Kernel
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import semantics as sem

MAX_IDS = (1 << 31) - 2   # state ids are int32 in the table and the parent links
LOAD = 0.6                # the table grows past this load factor
FIRST_BATCH = 2048
TARGET_SECONDS = 0.1      # aim for driver calls of about this long


@dataclass
class Arrays:
    S: Any
    P: Any
    R: Any
    tab: Any
    keys: Any
    X: Any
    A: Any
    H: Any
    esrc: Any
    edst: Any
    eord: Any
    eact: Any


def _grow_rows(a: Any, rows: int) -> Any:
    """``a`` with room for ``rows`` rows, in place where the allocator can (realloc)."""
    try:
        a.resize((rows,) + a.shape[1:], refcheck=False)
        return a
    except ValueError:
        out = np.empty((rows,) + a.shape[1:], dtype=a.dtype)
        out[:a.shape[0]] = a
        return out


class KernelSearch:
    def __init__(self, model: M.Model, kernel: Kernel, layout: KernelLayout,
                 monitors: tuple[M.Property, ...], opts: CheckOptions, record_edges: bool = False,
                 canonical: Any = None) -> None:
        self.model = model
        # symmetry reduction: rows of initial states -> their canonical states (the kernel
        # writes every successor canonical itself)
        self.canonical = canonical
        self.kernel = kernel
        self.layout = layout
        self.monitors = monitors
        self.opts = opts
        self.record_edges = record_edges
        na = len(model.actions)
        bases = instance_bases(model)
        # each instance number's action (the kernel labels transitions by instance)
        self.amap = np.array([a for a in range(na) for _ in range(bases[a + 1] - bases[a])] or [0],
                             dtype=np.int64)
        self.bases = bases
        self.taken = np.zeros(max(1, na), dtype=np.int64)
        self.enabled = np.zeros(max(1, na), dtype=np.int64)
        self.stamp = np.zeros(max(1, na), dtype=np.int64)
        nm = len(monitors)
        self.act = np.ones(max(1, nm), dtype=np.int64)
        if nm == 0:
            self.act[0] = 0
        self.fired = np.zeros(max(1, nm), dtype=np.int64)
        self.found = np.full(max(1, nm), -1, dtype=np.int64)
        self.st = np.zeros(D.ST_SIZE, dtype=np.int64)
        self.workers = max(1, opts.workers)
        if self.workers > 1:  # each worker's successor buffer, and per-call bookkeeping
            self.XS = np.zeros((self.workers, 0, 1), dtype=np.int64)
            self.KE = np.zeros((self.workers, 0, 4), dtype=np.int64)
            self.stops = np.zeros(self.workers, dtype=np.int64)
            self.meta = np.zeros((self.workers, 7), dtype=np.int64)
        self.per_worker: tuple[Any, ...] | None = None
        self.n_initial = 0
        self.memory_budget: float | None = None
        self.edges_dropped: str | None = None  # why the graph was not kept, when it was not
        # the edges cover the whole graph (recorded, and not dropped past the liveness cap)
        self.edges_kept = False

    def explore(self, stoppers: frozenset[int]) -> Exploration:
        ex = Exploration()
        clock = Clock(self.opts)
        try:
            self._bfs(ex, clock, stoppers)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the command line makes it one)
            ex.complete = False
            ex.stop_reason = "interrupted"
        except MemoryError:  # an array could not grow: what was found so far stands
            ex.complete = False
            ex.stop_reason = "out of memory"
        finally:
            clock.done()
        ex.seconds = clock.elapsed()
        self._finish(ex)
        return ex

    # -- the arrays
    def _alloc(self, n_init: int) -> None:
        words = self.layout.words
        cap = max(1 << 12, 2 * n_init)
        tcap = 1 << max(13, (int(cap / LOAD) - 1).bit_length())
        rows = 64 if self.workers == 1 else 1 << 14
        # one-word states below 2**63 live in the table itself (driver.run_keys); the id
        # table is then kept only for recording edges
        self.keyed = self.workers == 1 and words == 1 and max(
            (sh + b.width for w, sh, b in self.layout.places if isinstance(b, Leaf)), default=0) <= 63
        keyed = self.keyed
        self.arr = Arrays(
            S=np.zeros((cap, words), dtype=np.int64), P=np.zeros(cap, dtype=np.int32),
            R=np.zeros(cap, dtype=np.uint16),
            tab=D.new_table(tcap if not keyed or self.record_edges else 0),
            keys=np.full(tcap if keyed else 0, D.EMPTY, dtype=np.int64),
            X=np.zeros((rows, words), dtype=np.int64), A=np.zeros(rows, dtype=np.int64),
            H=np.zeros(rows, dtype=np.int64),
            esrc=np.zeros(1 << 12 if self.record_edges else 0, dtype=np.int32),
            edst=np.zeros(1 << 12 if self.record_edges else 0, dtype=np.int32),
            eord=np.zeros(1 << 12 if self.record_edges else 0, dtype=np.int32),
            eact=np.zeros(1 << 12 if self.record_edges else 0, dtype=np.int32))
        st = self.st
        st[D.TMASK] = tcap - 1
        st[D.TLIMIT] = int(tcap * LOAD)
        st[D.ERR_STATE] = -1
        st[D.DEADLOCK] = -1
        st[D.N_ACTIVE] = len(self.monitors)
        st[D.HAS_CONS] = 1 if self.model.constraints else 0
        st[D.WANT_DEADLOCK] = 1 if self.opts.deadlock else 0
        st[D.RECORD_EDGES] = 1 if self.record_edges else 0
        st[D.MAX_STATES] = self.opts.max_states if self.opts.max_states is not None else -1

    def _grow(self, status: int, room: int = 0) -> None:
        a, st = self.arr, self.st
        room = room or a.X.shape[0]
        if status == D.GROW_STATES:
            n = int(st[D.N])
            need = n + room
            cap = a.S.shape[0]
            while cap < need:
                cap = cap * 2 if cap < (1 << 24) else cap + cap // 2
            if cap > MAX_IDS:
                raise _TooMany()
            a.S = _grow_rows(a.S, cap)
            a.P = _grow_rows(a.P, cap)
            a.R = _grow_rows(a.R, cap)
        elif status == D.GROW_TABLE:
            tcap = (int(st[D.TMASK]) + 1) * 2
            while int(tcap * LOAD) < int(st[D.N]) + room:
                tcap *= 2
            if self.keyed:
                ids = a.tab.shape[0] > 0
                a.keys = a.tab = None
                keys = np.full(tcap, D.EMPTY, dtype=np.int64)
                tid = D.new_table(tcap if ids else 0)
                D.rehash_keys(a.S, int(st[D.N]), keys, tid)
                a.keys, a.tab = keys, tid
            else:
                a.tab = None
                tab = D.new_table(tcap)
                D.rehash(a.S, int(st[D.N]), tab, self.layout.words)
                a.tab = tab
            st[D.TMASK] = tcap - 1
            st[D.TLIMIT] = int(tcap * LOAD)
        elif status == D.GROW_OUT:
            rows = a.X.shape[0] * 4
            if rows > 65536 and a.R.dtype == np.uint16:
                a.R = a.R.astype(np.uint32)
            a.X = np.zeros((rows, self.layout.words), dtype=np.int64)
            a.A = np.zeros(rows, dtype=np.int64)
            a.H = np.zeros(rows, dtype=np.int64)
        elif status == D.GROW_EDGES:
            need = int(st[D.N_EDGES]) + room
            cap = max(need, a.esrc.shape[0] * 2)
            a.esrc = _grow_rows(a.esrc, cap)
            a.edst = _grow_rows(a.edst, cap)
            a.eord = _grow_rows(a.eord, cap)
            a.eact = _grow_rows(a.eact, cap)

    # -- the search
    def _bfs(self, ex: Exploration, clock: Clock, stoppers: frozenset[int]) -> None:
        init_states = sem.initial_states(self.model)
        init = np.array([self.layout.encode(s) for s in init_states], dtype=np.int64).reshape(
            len(init_states), self.layout.words)
        if self.canonical is not None:
            init = self.canonical(init)
        self._alloc(len(init_states))
        a, st, opts = self.arr, self.st, self.opts
        fns = self.kernel.fns
        if self.keyed:
            D.add_initial_keys(fns, a.S, a.P, a.R, a.keys, a.tab, st, init, self.act, self.fired, self.found)
        else:
            D.add_initial(fns, a.S, a.P, a.R, a.tab, st, init, self.act, self.fired, self.found)
        self.n_initial = int(st[D.N])
        ex.level_base.append(0)
        self.levels = [0, int(st[D.N])]
        budget = FIRST_BATCH
        stop = self._stopping(stoppers)
        if st[D.OVER]:
            ex.complete, ex.stop_reason = False, f"state limit ({opts.max_states:,})"
            return
        while self.levels[-1] > self.levels[-2] and not stop:
            if opts.max_depth is not None and ex.depth >= opts.max_depth:
                ex.complete, ex.stop_reason = False, f"depth limit ({opts.max_depth})"
                return
            st[D.POS] = self.levels[-2]
            st[D.LEVEL_END] = self.levels[-1]
            while True:
                st[D.BUDGET] = budget
                t0 = time.perf_counter()
                status = self._step()
                a = self.arr
                dt = time.perf_counter() - t0
                if status == D.DONE:
                    break
                if status == D.BUDGET_SPENT:
                    budget = max(256, min(1 << 22, int(budget * TARGET_SECONDS / max(dt, 1e-4))))
                else:
                    try:
                        self._grow(status)
                    except _TooMany:
                        ex.complete, ex.stop_reason = False, f"state limit ({MAX_IDS:,}, the kernel's most)"
                        return
                    a = self.arr
                n = int(st[D.N])
                if st[D.RECORD_EDGES] and self._edges_too_many(n):
                    self._drop_edges()
                clock.progress(n, self.levels[-1] - int(st[D.POS]), ex.depth)
                reason = clock.limit(n)
                if reason:
                    ex.complete, ex.stop_reason = False, reason
                    return
            n = int(st[D.N])
            if n > self.levels[-1]:
                ex.level_base.append(self.levels[-1])
                ex.depth += 1
            self.levels.append(n)
            stop = self._stopping(stoppers)
            reason = clock.limit(n)
            if st[D.OVER]:  # exactly max_states states are stored: the first ones found
                reason = f"state limit ({opts.max_states:,})"
            if reason:
                ex.complete, ex.stop_reason = False, reason
                return
        if stop:
            ex.complete, ex.stop_reason = False, "stopped at the first violation"
        if st[D.RECORD_EDGES] and self._edges_too_many(int(st[D.N])):
            self._drop_edges()
        self.edges_kept = bool(st[D.RECORD_EDGES]) and ex.complete

    def _edges_too_many(self, n: int) -> bool:
        """Whether the graph outgrew what the liveness check may store: its state cap, or
        (without one) the memory it may use."""
        cap = self.opts.graph_max_nodes
        if cap is not None:
            return n > cap
        from verifier.engine.liveness.check import memory_budget

        budget, why = memory_budget(self.opts)
        if budget is not None and rss_mb() > budget:
            self.edges_dropped = (f"the state graph outgrew the memory limit ({budget:,.0f} MiB) "
                                  f"after {n:,} states: {why}")
            return True
        return False

    def _drop_edges(self) -> None:
        """More states than the liveness check keeps: stop recording edges."""
        self.st[D.RECORD_EDGES] = 0
        empty = np.zeros(0, dtype=np.int32)
        self.arr.esrc = self.arr.edst = self.arr.eord = self.arr.eact = empty
        if self.keyed:
            self.arr.tab = empty  # the ids of the key table served the edges only

    def _step(self) -> int:
        """One driver call: one worker, or several (``parallel.py``)."""
        a, st, fns = self.arr, self.st, self.kernel.fns
        if self.keyed:
            return int(D.run_keys(fns, a.S, a.P, a.R, a.keys, a.tab, st, a.X, a.A, a.H, self.amap, self.taken,
                                  self.enabled, self.stamp, self.act, self.fired, self.found, a.esrc, a.edst,
                                  a.eord, a.eact))
        if self.workers == 1:
            return int(D.run(fns, a.S, a.P, a.R, a.tab, st, a.X, a.A, a.H, self.amap, self.taken, self.enabled,
                             self.stamp, self.act, self.fired, self.found, a.esrc, a.edst, a.eord, a.eact))
        from verifier.engine.kernel.parallel import buffers, counters, run_parallel

        rows = a.X.shape[0]
        record = bool(st[D.RECORD_EDGES])
        # every buffer row may be a new state, and an edge; known edges have their own rows
        for status, room in ((D.GROW_STATES, self.workers * rows), (D.GROW_TABLE, self.workers * rows),
                             (D.GROW_EDGES, 3 * self.workers * rows)):
            while self._short(status, room):
                self._grow(status, room)
        a = self.arr
        if self.XS.shape[1] != rows or (record and self.KE.shape[1] != 2 * rows):
            self.XS, self.AS, self.IS, self.HS, self.KE, self.hits, self.scratch = buffers(
                self.workers, rows, self.layout.words, len(self.monitors), record)
        if self.per_worker is None:
            self.per_worker = counters(self.workers, len(self.model.actions))
        return int(run_parallel(fns, a.S, a.P, a.R, a.tab, st, self.XS, self.AS, self.IS, self.HS, self.KE,
                                self.stops, self.meta, self.hits, self.scratch, self.amap, *self.per_worker,
                                self.taken, self.enabled, self.act, self.found, a.esrc, a.edst, a.eord,
                                a.eact))

    def _short(self, status: int, room: int) -> bool:
        a, st = self.arr, self.st
        n = int(st[D.N])
        if status == D.GROW_STATES:
            return n + room > int(a.S.shape[0])
        if status == D.GROW_TABLE:
            return n + room > int(st[D.TLIMIT])
        return bool(st[D.RECORD_EDGES]) and int(st[D.N_EDGES]) + room > int(a.esrc.shape[0])

    def _stopping(self, stoppers: frozenset[int]) -> bool:
        if not self.opts.stop_at_first:
            return False
        st = self.st
        if st[D.ERR_STATE] >= 0 or (self.opts.deadlock and st[D.DEADLOCK] >= 0):
            return True
        return any(self.found[m] >= 0 for m in stoppers)

    def _finish(self, ex: Exploration) -> None:
        a, st = self.arr, self.st
        n = int(st[D.N])
        ex.states = n
        ex.transitions = int(st[D.TRANSITIONS])
        bases = ex.level_base
        ends = bases[1:] + [n]
        ex.parents = [a.P[lo:hi] for lo, hi in zip(bases, ends)]
        ex.ordinals = [a.R[lo:hi] for lo, hi in zip(bases, ends)]
        for m in range(len(self.monitors)):
            if self.found[m] >= 0:
                ex.found[m] = Found(int(self.found[m]))
        if st[D.DEADLOCK] >= 0:
            ex.deadlock = Found(int(st[D.DEADLOCK]))
        if st[D.ERR_STATE] >= 0:
            ex.error = Found(int(st[D.ERR_STATE]), (int(st[D.ERR_ORD]), int(st[D.ERR_ACTION]), ""))
        ex.store_bytes = n * self.layout.words * 8 + a.tab.nbytes + a.keys.nbytes
        ex.fault_combos = self._combos(n)

    def _combos(self, n: int) -> set[tuple[int, ...]]:
        """The fault counters' value combinations among the n states (one key per state:
        the counters' bits side by side)."""
        if not self.model.counters or n == 0:
            return set()
        fields = []
        key = np.zeros(n, dtype=np.int64)
        shift = 0
        for c in self.model.counters:
            w, sh, b = self.layout.places[c.var]
            assert isinstance(b, Leaf)
            key |= ((self.arr.S[:n, w] >> sh) & ((1 << b.width) - 1)) << shift
            fields.append((shift, (1 << b.width) - 1))
            shift += b.width
        if shift > 62:
            cols = np.stack([(key >> s) & m for s, m in fields], axis=1)
            return {tuple(int(x) for x in row) for row in np.unique(cols, axis=0)}
        return {tuple((int(k) >> s) & m for s, m in fields) for k in np.unique(key)}


class _TooMany(Exception):
    pass
