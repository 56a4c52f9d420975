"""Stage 5 (kernel engine): the breadth-first search level by level, over a seen-set that
may be on disk or hold fingerprints.

The in-memory search (``search.py``) hands over to this one when its state table outgrows
the memory budget (disk spill), or starts here for hash compaction. A level's frontier is
expanded a chunk at a time (``levels.expand_rows``); the chunk's new states, first
occurrences not in the seen-set (``seen.py``), get the next ids in successor order, which
is the in-memory search's order, so ids, counts, verdicts and counterexamples agree
(with fingerprints, unless two states share one). The frontier, the next level and the
parent links are files in the spill folder (or arrays, in memory), so the memory taken
is the seen-set's budget, one chunk, and the page cache's share of the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from verifier.engine.explicit import Clock, Exploration
from verifier.engine.kernel import driver as D
from verifier.engine.kernel import levels as L
from verifier.engine.kernel.files import AppendFile, Growing, read_array, write_array
from verifier.engine.kernel.layout import KernelLayout, Leaf
from verifier.engine.kernel.seen import SeenSet
from verifier.lang import model as M

MAX_IDS = (1 << 31) - 2   # a key packs the parent id in 31 bits
CHUNK_ROWS = 1 << 14      # frontier states per expansion call (fewer when their successors fill X)
FIRST_ROWS = 1 << 15      # successor rows of the first buffer


def fault_combos(model: M.Model, layout: KernelLayout, rows: Any) -> set[tuple[int, ...]]:
    """The fault counters' value combinations among ``rows`` (packed states)."""
    n = len(rows)
    if not model.counters or n == 0:
        return set()
    fields = []
    key = np.zeros(n, dtype=np.int64)
    shift = 0
    for c in model.counters:
        w, sh, b = layout.places[c.var]
        assert isinstance(b, Leaf)
        key |= ((np.asarray(rows[:, w]) >> sh) & ((1 << b.width) - 1)) << shift
        fields.append((shift, (1 << b.width) - 1))
        shift += b.width
    if shift > 62:
        cols = np.stack([(key >> s) & m for s, m in fields], axis=1)
        return {tuple(int(x) for x in row) for row in np.unique(cols, axis=0)}
    return {tuple((int(k) >> s) & m for s, m in fields) for k in np.unique(key)}


def miss_probability(states: int) -> float:
    """The chance that two of ``states`` states share a 64-bit fingerprint, which is what
    it takes for hash compaction to miss a state: at most n(n-1)/2 pairs, each 2**-64."""
    return min(1.0, states * (states - 1) / 2 / 2.0 ** 64)


class LevelSearch:
    """The level-by-level search, on the host ``KernelSearch``'s counters (``st``,
    coverage, monitors) so that it can take over from it mid-run."""

    def __init__(self, host: Any, folder: Path | None, fingerprints: bool, budget: int | None,
                 keep_files: bool = False, links: int = 0) -> None:
        self.h = host
        self.words = host.layout.words
        self.fp = fingerprints
        self.folder = folder
        self.keep_files = keep_files  # a checkpoint may name them: deleted by the next one
        self.seen = SeenSet(1 if fingerprints else self.words, budget, folder)
        self.seen.keep_files = keep_files
        self.parents: Any
        self.ordinals: Any
        if folder is not None:
            # links up to ``links`` are there already (checkpoints of the in-memory search)
            self.parents = AppendFile(folder / "parents.i32", np.int32, None, links)
            self.ordinals = AppendFile(folder / "ordinals.u32", np.uint32, None, links)
        else:
            self.parents = Growing(np.int32)
            self.ordinals = Growing(np.uint32)
        self.levels: list[int] = host.levels
        self.F: Any = np.zeros((0, self.words), dtype=np.int64)
        self.F_file: AppendFile | None = None
        self.fpos = 0
        self.nxt = self._rows_for(len(self.levels))
        self.combos: set[tuple[int, ...]] = set()
        self.spilled_at: int | None = None
        self.X = np.zeros((FIRST_ROWS, self.words), dtype=np.int64)
        self.A = np.zeros(FIRST_ROWS, dtype=np.int64)
        self.KEY = np.zeros(FIRST_ROWS, dtype=np.int64)
        self.FK = np.zeros((FIRST_ROWS, 1), dtype=np.int64)
        self.at_boundary = False

    def _rows_for(self, level: int, count: int = 0) -> Any:
        if self.folder is None:
            return Growing(np.int64, self.words)
        return AppendFile(self.folder / f"frontier-{level:05d}.i64", np.int64, self.words, count)

    # -- starting
    def start(self, init: Any) -> None:
        """The initial states (rows of ``init``, in order) as the first level."""
        st, h = self.h.st, self.h
        k = len(init)
        new = self.seen.add(self._keys(init, k), k)
        room = int(st[D.MAX_STATES]) if st[D.MAX_STATES] >= 0 else k
        if new.size > room:
            new = new[:room]
            st[D.OVER] = 1
        ids = np.arange(new.size, dtype=np.int64)
        L.monitor_rows(h.kernel.fns, init, new, ids, h.act, h.fired, h.found, st)
        self.nxt.append(init[new])
        self.parents.append(np.full(new.size, -1, dtype=np.int32))
        self.ordinals.append(new.astype(np.uint32))
        self.combos |= fault_combos(h.model, h.layout, init[new])
        st[D.N] = new.size
        self.levels.clear()
        self.levels.append(0)
        self._end_level()

    def take_over(self, S: Any, P: Any, R: Any, in_level: bool) -> None:
        """Go on from the in-memory search at a driver-call boundary: its states S[:n]
        become a run of the seen-set, its current level the frontier (from row st[POS]),
        the states it found of the next level the start of the next one."""
        st, h = self.h.st, self.h
        n = int(st[D.N])
        self.spilled_at = n
        written = self.parents.count
        self.parents.append(P[written:n])
        self.ordinals.append(R[written:n])
        self.combos |= fault_combos(h.model, h.layout, S[:n])
        if self.fp:
            keys = np.zeros((n, 1), dtype=np.int64)
            L.fingerprints(S, n, keys)
            self.seen.add_sorted_run(keys)
        else:
            self.seen.add_sorted_run(S[:n])
        lo, hi = self.levels[-2], self.levels[-1]
        if in_level:  # in the middle of a level: st[POS] is the next row to expand
            F = self._rows_for(len(self.levels) - 1)
            F.append(S[lo:hi])
            self._set_frontier(F)
            self.fpos = int(st[D.POS]) - lo
            self.nxt.append(S[hi:n])
        else:  # at a boundary: the level lo..hi is the next to expand
            F = self._rows_for(len(self.levels) - 1)
            F.append(S[lo:hi])
            self._set_frontier(F)
            self.fpos = 0
            self.at_boundary = True

    def _keys(self, X: Any, m: int) -> Any:
        if not self.fp:
            return X
        if self.FK.shape[0] < m:
            self.FK = np.zeros((max(m, 2 * self.FK.shape[0]), 1), dtype=np.int64)
        L.fingerprints(X, m, self.FK)
        return self.FK

    def _set_frontier(self, rows: Any) -> None:
        if self.F_file is not None and not self.keep_files:
            self.F_file.close()
            self.F_file.path.unlink(missing_ok=True)
        if isinstance(rows, AppendFile):
            self.F_file = rows
            self.F = np.asarray(rows.view())
        else:
            self.F_file = None
            self.F = rows.view()

    def _end_level(self) -> None:
        """The level is expanded: the states found are the next frontier."""
        st = self.h.st
        self.levels.append(int(st[D.N]))
        self._set_frontier(self.nxt)
        self.fpos = 0
        self.nxt = self._rows_for(len(self.levels))
        self.at_boundary = True

    # -- the loop
    def run(self, ex: Exploration, clock: Clock, stoppers: frozenset[int], intr: Any) -> None:
        """Search on to the end or a limit (``intr``: the host's ``checkpoint.Interrupts``)."""
        h, st, opts = self.h, self.h.st, self.h.opts
        spilled_for_memory = False
        while True:
            if self.at_boundary:
                h.checkpoint_boundary()
                stop = h._stopping(stoppers)
                if self.levels[-1] == self.levels[-2] or stop:
                    if stop:
                        ex.complete, ex.stop_reason = False, "stopped at the first violation"
                    return
                if opts.max_depth is not None and h.depth() >= opts.max_depth:
                    ex.complete, ex.stop_reason = False, f"depth limit ({opts.max_depth})"
                    return
                self.at_boundary = False
            done = self._chunk()
            n = int(st[D.N])
            if n > MAX_IDS:
                ex.complete, ex.stop_reason = False, f"state limit ({MAX_IDS:,}, the kernel's most)"
                return
            if done:
                self._end_level()
            clock.progress(n, len(self.F) - self.fpos, h.depth())
            if intr.take():
                ex.complete, ex.stop_reason = False, "interrupted"
                return
            reason = clock.limit(n)
            if reason and reason.startswith("memory") and self.folder is not None and \
                    self.seen.nk > 0 and not spilled_for_memory:
                self.seen.spill()   # the memory limit: spill rather than stop, once in a row
                spilled_for_memory = True
                reason = clock.limit(n)
            elif not reason:
                spilled_for_memory = False
            if done and st[D.OVER]:  # exactly max_states states are stored: the first ones found
                reason = f"state limit ({opts.max_states:,})"
            if reason:
                ex.complete, ex.stop_reason = False, reason
                return

    def _chunk(self) -> bool:
        """Expand the next chunk of the frontier and take in its new states; True at the
        end of the level."""
        h, st = self.h, self.h.st
        lo = self.fpos
        hi = min(len(self.F), lo + CHUNK_ROWS)
        m, stop_row = L.expand_rows(h.kernel.fns, self.F, lo, hi, self.levels[-2], L.NO_IDS, self.X, self.A, self.KEY,
                                    h.amap, h.taken, h.enabled, h.stamp, st)
        if stop_row == lo and lo < hi:  # one state's successors do not fit: a larger buffer
            rows = 4 * self.X.shape[0]
            self.X = np.zeros((rows, self.words), dtype=np.int64)
            self.A = np.zeros(rows, dtype=np.int64)
            self.KEY = np.zeros(rows, dtype=np.int64)
            return False
        new = self.seen.add(self._keys(self.X, m), m)
        n = int(st[D.N])
        if st[D.MAX_STATES] >= 0 and new.size > int(st[D.MAX_STATES]) - n:
            new = new[:max(0, int(st[D.MAX_STATES]) - n)]
            st[D.OVER] = 1
        ids = np.arange(n, n + new.size, dtype=np.int64)
        L.monitor_rows(h.kernel.fns, self.X, new, ids, h.act, h.fired, h.found, st)
        rows = self.X[new]
        keys = self.KEY[new]
        self.nxt.append(rows)
        self.parents.append((keys >> L.ORD_BITS).astype(np.int32))
        self.ordinals.append((keys & L.ORD_MASK).astype(np.uint32))
        if h.model.counters:
            self.combos |= fault_combos(h.model, h.layout, rows)
        st[D.N] = n + new.size
        self.fpos = stop_row
        if self.seen.over_budget():
            self.seen.spill()
        return self.fpos >= len(self.F)

    # -- the result
    def finish(self, ex: Exploration) -> None:
        self.parents.flush()
        self.ordinals.flush()
        n = int(self.h.st[D.N])
        P, R = self.parents.view(0, n), self.ordinals.view(0, n)
        bases = ex.level_base
        ends = bases[1:] + [n]
        ex.parents = [P[lo:hi] for lo, hi in zip(bases, ends)]
        ex.ordinals = [R[lo:hi] for lo, hi in zip(bases, ends)]
        ex.store_bytes = self.seen.mem_bytes + self.seen.disk_bytes
        ex.fault_combos = set(self.combos)

    def note(self) -> str:
        """What the output says about the store."""
        s = self.seen
        disk = s.disk_bytes / 2**20
        if self.fp:
            text = "hash compaction (a 64-bit fingerprint per state)"
            if s.runs:
                text += f", {s.spills} spill{'s' if s.spills != 1 else ''} to disk ({disk:,.1f} MiB)"
            return text
        return (f"the seen-set spilled to disk at {self.spilled_at or 0:,} states "
                f"({s.spills} spill{'s' if s.spills != 1 else ''}, {disk:,.1f} MiB of sorted runs)")

    # -- checkpoints
    def save(self) -> dict[str, Any]:
        assert self.folder is not None and isinstance(self.nxt, AppendFile) and self.F_file is not None
        for f in (self.parents, self.ordinals, self.nxt, self.F_file):
            f.flush()
        write_array(self.folder, "table.keys", self.seen.table_keys())
        files = ["parents.i32", "ordinals.u32", "table.keys", self.nxt.path.name, self.F_file.path.name]
        files += [r.path.name for r in self.seen.runs]
        return {"mode": "levels", "fingerprints": self.fp, "fpos": self.fpos, "at_boundary": self.at_boundary,
                "frontier": [self.F_file.path.name, self.F_file.count],
                "next": [self.nxt.path.name, self.nxt.count], "links": self.parents.count,
                "seen": self.seen.manifest(), "combos": sorted(self.combos),
                "spilled_at": self.spilled_at, "files": files}

    @classmethod
    def restore(cls, host: Any, folder: Path, meta: dict[str, Any], budget: int | None) -> LevelSearch:
        self = cls.__new__(cls)
        self.h = host
        self.words = host.layout.words
        self.fp = bool(meta["fingerprints"])
        self.folder = folder
        self.keep_files = True
        table = read_array(folder, "table.keys", np.int64, 1 if self.fp else self.words)
        self.seen = SeenSet.restore(meta["seen"], table.reshape(-1, 1 if self.fp else self.words), budget, folder)
        self.seen.keep_files = True
        links = int(meta["links"])
        self.parents = AppendFile(folder / "parents.i32", np.int32, None, links)
        self.ordinals = AppendFile(folder / "ordinals.u32", np.uint32, None, links)
        self.levels = host.levels
        name, count = meta["frontier"]
        self.F_file = None
        self._set_frontier(AppendFile(folder / name, np.int64, self.words, int(count)))
        self.fpos = int(meta["fpos"])
        name, count = meta["next"]
        self.nxt = AppendFile(folder / name, np.int64, self.words, int(count))
        self.combos = {tuple(c) for c in meta["combos"]}
        self.spilled_at = meta["spilled_at"]
        self.X = np.zeros((FIRST_ROWS, self.words), dtype=np.int64)
        self.A = np.zeros(FIRST_ROWS, dtype=np.int64)
        self.KEY = np.zeros(FIRST_ROWS, dtype=np.int64)
        self.FK = np.zeros((FIRST_ROWS, 1), dtype=np.int64)
        self.at_boundary = bool(meta["at_boundary"])
        return self

