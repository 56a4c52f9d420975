"""Stage 5 (kernel engine): the breadth-first search on the native driver.

Python holds the arrays and the loop over levels; the driver (``driver.py``) does the
work. Between driver calls this module grows arrays, checks the state, depth, time and
memory limits, prints progress and lets Ctrl-C through, exactly where the Python
engine (``verifier/engine/explicit.py``) does, and it fills the same ``Exploration``, so
verdicts, traces (replayed through the reference semantics) and reports are built by
the same code for every engine.

Past memory: when the state table outgrows the seen-set's budget (``--store-memory``,
or the memory limit), the search hands over, between two driver calls, to the
level-by-level search over a seen-set on disk (``levelsearch.py``, ``seen.py``); hash
compaction starts there. ``--checkpoint`` writes the search's state at level boundaries
and when it stops, and ``--resume`` goes on from it (``checkpoint.py``).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifier.engine.explicit import Clock, Exploration, Found, rss_mb
from verifier.engine.kernel import checkpoint as C
from verifier.engine.kernel import driver as D
from verifier.engine.kernel import module
from verifier.engine.kernel.files import AppendFile
from verifier.engine.kernel.layout import KernelLayout, Leaf
from verifier.engine.kernel.levelsearch import LevelSearch, fault_combos, miss_probability
from verifier.engine.kernel.module import Kernel
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import semantics as sem

MAX_IDS = (1 << 31) - 2   # state ids are int32 in the table and the parent links
LOAD = 0.6                # the table grows past this load factor
FIRST_BATCH = 2048
TARGET_SECONDS = 0.1      # aim for driver calls of about this long
TIER_AFTER = 0.3          # seconds of search on the first tier's code before O3's is compiled


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


def _capacity(cap: int, need: int) -> int:
    """Rows for at least ``need``, growing from ``cap``: doubled up to a million rows, then a
    quarter at a time, as numpy zero-fills what it adds (so all of it is resident at once)
    and the slack stays at most a quarter of the store."""
    cap = max(1 << 12, cap)
    while cap < need:
        cap = cap * 2 if cap < (1 << 20) else cap + cap // 4
    return cap


class KernelSearch:
    def __init__(self, model: M.Model, kernel: Kernel, layout: KernelLayout,
                 monitors: tuple[M.Property, ...], opts: CheckOptions, record_edges: bool = False,
                 digest: str = "", canonical: Any = None, source: Any = None) -> None:
        self.model = model
        # the kernel's source, for compiling O3's code when the search runs long
        # (``_tier_up``); None: the kernel stays as it is
        self.source = source
        self.upgrade: Any = None    # the compilation of O3's code: None, a Future, or False (done)
        self.searched = 0.0         # seconds in driver calls so far
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
        self.keyed = False          # one-word states in the table itself (``_alloc``)
        self.levels: list[int] = []
        self.in_level = False       # between driver calls of a level (st[POS] the next row)
        self.level: LevelSearch | None = None   # the level-by-level search, once it took over
        self.compacted = False      # hash compaction: states may have been missed
        self.miss_probability: float | None = None
        self.digest = digest
        self.ckpt = Path(opts.checkpoint_dir) if opts.checkpoint_dir else None
        self.ck_files: dict[str, AppendFile] = {}
        self.ck_last = time.perf_counter()
        self.ck_error: str | None = None
        self.prior_seconds = 0.0    # search time of the runs before a resume
        self.resumed_at: int | None = None
        self.ended: tuple[bool, str | None] | None = None  # a resumed search that had ended
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.clock: Clock | None = None
        self.intr = C.Interrupts()

    def explore(self, stoppers: frozenset[int]) -> Exploration:
        ex = Exploration()
        clock = self.clock = Clock(self.opts)
        if self.ckpt is not None and not self.opts.resume:
            C.prepare_folder(self.ckpt, fresh=True)
        try:
            with C.Interrupts() as self.intr:
                if self.opts.resume:
                    self._resume()
                if self.ended is not None:
                    ex.complete, ex.stop_reason = self.ended
                else:
                    self._bfs(ex, clock, stoppers)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the command line makes it one)
            ex.complete = False
            ex.stop_reason = "interrupted"
        except MemoryError:  # an array could not grow: what was found so far stands
            ex.complete = False
            ex.stop_reason = "out of memory"
        finally:
            clock.done()
        if self.ckpt is not None and self.ended is None:
            self._checkpoint((ex.complete, ex.stop_reason))
        ex.seconds = clock.elapsed() + self.prior_seconds
        self._finish(ex)
        if self._tmp is not None:  # the files stay readable through their maps until unmapped
            self._tmp.cleanup()
        return ex

    def depth(self) -> int:
        return len(self.level_base()) - 1

    def level_base(self) -> list[int]:
        """The first id of each level that has states."""
        lv = self.levels
        return [lv[i] for i in range(len(lv) - 1) if lv[i + 1] > lv[i]]

    def note(self) -> str | None:
        """What the output says about how the states were kept, when not simply in memory."""
        parts = []
        if self.resumed_at is not None:
            parts.append(f"resumed from a checkpoint of {self.resumed_at:,} states")
        if self.level is not None:
            parts.append(self.level.note())
        if self.ck_error:
            parts.append(self.ck_error)
        return "; ".join(parts) or None

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
        self.st[D.TMASK] = tcap - 1
        self.st[D.TLIMIT] = int(tcap * LOAD)
        self._init_scalars()

    def _init_scalars(self) -> None:
        st = self.st
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
            cap = _capacity(a.S.shape[0], need)
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
            cap = _capacity(a.esrc.shape[0], need)
            a.esrc = _grow_rows(a.esrc, cap)
            a.edst = _grow_rows(a.edst, cap)
            a.eord = _grow_rows(a.eord, cap)
            a.eact = _grow_rows(a.eact, cap)

    def rebuild_table(self, n: int) -> None:
        """The table of the first n states of ``S`` (a resumed search), sized for them."""
        a, st = self.arr, self.st
        st[D.N] = n
        while n > int(st[D.TLIMIT]):
            self._grow(D.GROW_TABLE)  # rehashes into the grown table
        a = self.arr
        if self.keyed:
            a.keys.fill(D.EMPTY)
            a.tab[:] = 0
            D.rehash_keys(a.S, n, a.keys, a.tab)
        else:
            a.tab[:] = 0
            D.rehash(a.S, n, a.tab, self.layout.words)

    # -- the search
    def _bfs(self, ex: Exploration, clock: Clock, stoppers: frozenset[int]) -> None:
        a, st, opts = None, self.st, self.opts
        if self.resumed_at is None:
            init_states = sem.initial_states(self.model)
            init = np.array([self.layout.encode(s) for s in init_states], dtype=np.int64).reshape(
                len(init_states), self.layout.words)
            if self.canonical is not None:
                init = self.canonical(init)
            if opts.hash_compaction:
                self._init_scalars()
                self.compacted = True
                self.edges_dropped = ("hash compaction keeps no state graph, which the liveness check "
                                      "needs: check without --hash-compaction")
                st[D.RECORD_EDGES] = 0
                self.level = LevelSearch(self, self._spill_folder(), True, self._budget(),
                                         keep_files=self.ckpt is not None)
                self.level.start(init)
                self.n_initial = int(st[D.N])
            else:
                self._alloc(len(init_states))
                a = self.arr
                if self.keyed:
                    D.add_initial_keys(self.kernel.fns, a.S, a.P, a.R, a.keys, a.tab, st, init, self.act,
                                       self.fired, self.found)
                else:
                    D.add_initial(self.kernel.fns, a.S, a.P, a.R, a.tab, st, init, self.act, self.fired,
                                  self.found)
                self.n_initial = int(st[D.N])
                self.levels = [0, int(st[D.N])]
            if st[D.OVER]:
                ex.complete, ex.stop_reason = False, f"state limit ({opts.max_states:,})"
                return
        if self.level is not None:
            self.level.run(ex, clock, stoppers, self.intr)
            return
        budget = FIRST_BATCH
        while True:
            if not self.in_level:
                self.checkpoint_boundary()
                stop = self._stopping(stoppers)
                if self.levels[-1] == self.levels[-2] or stop:
                    if stop:
                        ex.complete, ex.stop_reason = False, "stopped at the first violation"
                    break
                if opts.max_depth is not None and self.depth() >= opts.max_depth:
                    ex.complete, ex.stop_reason = False, f"depth limit ({opts.max_depth})"
                    return
                st[D.POS] = self.levels[-2]
                st[D.LEVEL_END] = self.levels[-1]
                self.in_level = True
            st[D.BUDGET] = budget
            t0 = time.perf_counter()
            status = self._step()
            dt = time.perf_counter() - t0
            self.searched += dt
            self._tier_up()
            if status == D.BUDGET_SPENT:
                budget = max(256, min(1 << 22, int(budget * TARGET_SECONDS / max(dt, 1e-4))))
            elif status != D.DONE:
                try:
                    self._grow(status)
                except _TooMany:
                    ex.complete, ex.stop_reason = False, f"state limit ({MAX_IDS:,}, the kernel's most)"
                    return
            n = int(st[D.N])
            if status == D.DONE:
                self.in_level = False
                self.levels.append(n)
            elif st[D.RECORD_EDGES] and self._edges_too_many(n):
                self._drop_edges()
            clock.progress(n, self.levels[-1] - int(st[D.POS]), self.depth())
            if self.intr.take():
                ex.complete, ex.stop_reason = False, "interrupted"
                return
            reason = clock.limit(n)
            if self._spilling(reason):
                self._spill()
                assert self.level is not None
                self.level.run(ex, clock, stoppers, self.intr)
                return
            if status == D.DONE and st[D.OVER]:  # exactly max_states states are stored: the first ones found
                reason = f"state limit ({opts.max_states:,})"
            if reason:
                ex.complete, ex.stop_reason = False, reason
                return
        if st[D.RECORD_EDGES] and self._edges_too_many(int(st[D.N])):
            self._drop_edges()
        self.edges_kept = bool(st[D.RECORD_EDGES]) and ex.complete

    def _tier_up(self) -> None:
        """Past ``TIER_AFTER`` seconds of search on the first tier's code, compile O3's in a
        thread (LLVM releases the interpreter, the driver too) and go on with it between
        two driver calls once it is ready. Both are compiled from the one source, so the
        search finds the same states in the same order either way."""
        if self.upgrade is None:
            if self.searched < TIER_AFTER:
                return
            if self.source is None or not module.upgradable(self.kernel):
                self.upgrade = False  # decided once: this search keeps its code
                return
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(1, thread_name_prefix="verifier-tier-up")
            self.upgrade = pool.submit(module.load, self.source, module.FINAL)
            pool.shutdown(wait=False)
        elif self.upgrade is not False and self.upgrade.done():
            try:
                self.kernel = self.upgrade.result()
            except Exception:  # noqa: BLE001 - the first tier's code is as right, if slower
                pass
            self.upgrade = False

    # -- past memory
    def _budget(self) -> int | None:
        """The bytes the seen-set may take in memory (None: as many as it needs)."""
        o = self.opts
        if o.store_mb is not None:
            return int(o.store_mb * 2**20)
        if o.max_memory_mb is not None:
            return int(o.max_memory_mb * 2**20 / 4)
        return None

    def _store_bytes(self) -> int:
        a = self.arr
        return int(a.S.nbytes + a.tab.nbytes + a.keys.nbytes + a.P.nbytes + a.R.nbytes)

    def _spilling(self, reason: str | None) -> bool:
        """Whether to hand over to the seen-set on disk now: the state table outgrew the
        store's budget, or the process its memory limit."""
        o = self.opts
        if o.store_mb is None and o.max_memory_mb is None:
            return False
        if reason is not None and reason.startswith("memory limit"):
            return True
        budget = self._budget()
        return o.store_mb is not None and budget is not None and self._store_bytes() > budget

    def _spill_folder(self) -> Path | None:
        if self.ckpt is not None:
            return self.ckpt
        if self.opts.spill_dir is not None:
            folder = Path(self.opts.spill_dir)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise C.CheckpointError(f"cannot write the spill folder {folder}: {e.strerror or e}",
                                        "pass a folder you can write to (--spill-dir DIR)") from None
            self._tmp = tempfile.TemporaryDirectory(prefix="verifier-spill-", dir=folder)
            return Path(self._tmp.name)
        if self.opts.hash_compaction and self._budget() is None:
            return None  # fingerprints in memory only
        self._tmp = tempfile.TemporaryDirectory(prefix="verifier-spill-")
        return Path(self._tmp.name)

    def _spill(self) -> None:
        """Hand over to the level-by-level search on a seen-set on disk."""
        a = self.arr
        links = self.ck_files["parents"].count if "parents" in self.ck_files else 0
        for f in self.ck_files.values():
            f.close()
        self.ck_files = {}
        level = LevelSearch(self, self._spill_folder(), False, self._budget(),
                            keep_files=self.ckpt is not None, links=links)
        level.take_over(a.S, a.P, a.R.astype(np.uint32), self.in_level)
        self.level = level
        if self.st[D.RECORD_EDGES] or self.record_edges:
            self.edges_dropped = ("the seen-set spilled to disk, and the liveness check needs the whole "
                                  "state graph in memory: raise --store-memory or --memory-limit")
        self._drop_edges()
        empty = np.zeros((0, self.layout.words), dtype=np.int64)
        self.arr = Arrays(S=empty, P=np.zeros(0, dtype=np.int32), R=np.zeros(0, dtype=np.uint16),
                          tab=D.new_table(1), keys=np.zeros(0, dtype=np.int64), X=a.X, A=a.A, H=a.H,
                          esrc=a.esrc, edst=a.edst, eord=a.eord, eact=a.eact)

    # -- checkpoints
    def checkpoint_boundary(self) -> None:
        """At a level boundary: a checkpoint, when one is due."""
        if self.ckpt is None or time.perf_counter() - self.ck_last < self.opts.checkpoint_every:
            return
        self._checkpoint(None)

    def _checkpoint(self, ended: tuple[bool, str | None] | None) -> None:
        C.save(self, ended)
        self.ck_last = time.perf_counter()

    def _resume(self) -> None:
        C.resume(self)

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
        st = self.st
        n = int(st[D.N])
        ex.states = n
        ex.transitions = int(st[D.TRANSITIONS])
        ex.level_base = self.level_base() if self.levels else []
        ex.depth = max(0, len(ex.level_base) - 1)
        if self.level is not None:
            self.level.finish(ex)
        else:
            a = self.arr
            bases = ex.level_base
            ends = bases[1:] + [n]
            ex.parents = [a.P[lo:hi] for lo, hi in zip(bases, ends)]
            ex.ordinals = [a.R[lo:hi] for lo, hi in zip(bases, ends)]
            ex.store_bytes = n * self.layout.words * 8 + a.tab.nbytes + a.keys.nbytes
            ex.fault_combos = fault_combos(self.model, self.layout, a.S[:n])
        for m in range(len(self.monitors)):
            if self.found[m] >= 0:
                ex.found[m] = Found(int(self.found[m]))
        if st[D.DEADLOCK] >= 0:
            ex.deadlock = Found(int(st[D.DEADLOCK]))
        if st[D.ERR_STATE] >= 0:
            ex.error = Found(int(st[D.ERR_STATE]), (int(st[D.ERR_ORD]), int(st[D.ERR_ACTION]), ""))
        if self.compacted:
            self.miss_probability = p = miss_probability(n)
            if ex.complete:
                ex.complete = False
                ex.stop_reason = (f"hash compaction: a state may have been missed (probability at "
                                  f"most {p:.1e})")


class _TooMany(Exception):
    pass
