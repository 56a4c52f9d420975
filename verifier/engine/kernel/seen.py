"""Stage 5 (kernel engine): a seen-set that can outgrow memory, for the level-by-level search.

Keys are rows of int64 words: whole packed states, or one 64-bit fingerprint each in hash
compaction. Recent keys sit in memory, in an open-addressing table over a key array;
when they take more than the budget, they are sorted and written out as a *run* (a file
of sorted keys, read through ``np.memmap``) and the table starts empty again. Runs are
merged so that there are few of them (a run is merged into the one before while that one
is no more than twice its size: O(log n) runs, each key rewritten O(log n) times), the
way TLC's disk fingerprint set merges its sorted file and SPIN's disk BFS keeps sorted
runs. ``add`` checks a batch against the table first (a successor is most often a state
of the last few levels), then only the keys new to the table against the runs, sorted,
by one forward pass of galloping searches per run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifier.engine.kernel import levels as L
from verifier.engine.kernel.driver import new_table

LOAD = 0.6


@dataclass
class Run:
    path: Path
    count: int
    words: int

    def array(self) -> Any:
        if self.count == 0:
            return np.zeros((0, self.words), dtype=np.int64)
        return np.asarray(np.memmap(self.path, dtype=np.int64, mode="r", shape=(self.count, self.words)))

    @property
    def nbytes(self) -> int:
        return self.count * self.words * 8


class SeenSet:
    """The states (or fingerprints) seen so far: ``add`` picks the new ones of a batch."""

    def __init__(self, words: int, budget_bytes: int | None, folder: Path | None) -> None:
        self.words = words
        self.budget = budget_bytes
        self.folder = folder
        self.runs: list[Run] = []
        self.keep_files = False  # a checkpoint may name merged runs: its next one deletes them
        self.serial = 0
        self.spills = 0
        self.nk = 0
        self.KB = np.zeros((1 << 12, words), dtype=np.int64)
        self.tab = new_table(1 << 13)

    # -- sizes
    @property
    def mem_bytes(self) -> int:
        return int(self.KB.nbytes + self.tab.nbytes)

    @property
    def disk_bytes(self) -> int:
        return sum(r.nbytes for r in self.runs)

    def __len__(self) -> int:
        """Keys held (a key in the table may also be in a run: an upper bound)."""
        return self.nk + sum(r.count for r in self.runs)

    def over_budget(self) -> bool:
        return self.budget is not None and self.folder is not None and self.mem_bytes > self.budget

    # -- the batch
    def add(self, keys: Any, m: int) -> Any:
        """The positions (ascending) of keys[0:m] that were not seen and are first in the
        batch; they are remembered."""
        self._room(m)
        flags = np.zeros(m, dtype=np.int8)
        self.nk = L.probe_insert(self.KB, self.tab, self.nk, keys, m, flags)
        cand = np.flatnonzero(flags)
        if self.runs and cand.size:
            ck = np.ascontiguousarray(keys[cand])
            order = L.sort_rows(ck)
            found = np.zeros(cand.size, dtype=np.bool_)
            for r in self.runs:
                L.member_sorted(r.array(), r.count, ck, order, found)
            cand = cand[~found]
        return cand

    def _room(self, m: int) -> None:
        need = self.nk + m
        if need > self.KB.shape[0]:
            cap = self.KB.shape[0]
            while cap < need:
                cap *= 2
            kb = np.zeros((cap, self.words), dtype=np.int64)
            kb[:self.nk] = self.KB[:self.nk]
            self.KB = kb
        if need > int(self.tab.shape[0] * LOAD):
            size = self.tab.shape[0]
            while need > int(size * LOAD):
                size *= 2
            self.tab = new_table(size)
            L.rehash_keys(self.KB, self.nk, self.tab)

    # -- runs on disk
    def spill(self) -> None:
        """Write the table's keys as a sorted run and empty the table."""
        assert self.folder is not None
        keys = self.KB[:self.nk]
        keys = np.ascontiguousarray(keys[L.sort_rows(keys)])
        self._write_run(keys, len(keys))
        self.nk = 0
        self.KB = np.zeros((1 << 12, self.words), dtype=np.int64)
        self.tab = new_table(1 << 13)
        self.spills += 1
        self._merge()

    def add_sorted_run(self, rows: Any) -> None:
        """Take in rows that are all distinct and new (the state table handed over when
        the in-memory search spills), as a run."""
        rows = np.ascontiguousarray(rows[L.sort_rows(rows)])
        self._write_run(rows, len(rows))
        self.spills += 1
        self._merge()

    def _path(self) -> Path:
        assert self.folder is not None
        self.serial += 1
        return self.folder / f"seen-{self.serial:05d}.keys"

    def _write_run(self, keys: Any, n: int) -> None:
        path = self._path()
        with open(path, "wb") as f:
            f.write(np.ascontiguousarray(keys[:n]).tobytes())
        self.runs.append(Run(path, n, self.words))

    def _merge(self) -> None:
        while len(self.runs) >= 2 and self.runs[-2].count <= 2 * self.runs[-1].count:
            b = self.runs.pop()
            a = self.runs.pop()
            path = self._path()
            out = np.memmap(path, dtype=np.int64, mode="w+", shape=(max(1, a.count + b.count), self.words))
            n = L.merge_sorted(a.array(), a.count, b.array(), b.count, out)
            out.flush()
            del out
            os.truncate(path, n * self.words * 8)
            if not self.keep_files:
                os.remove(a.path)
                os.remove(b.path)
            self.runs.append(Run(path, n, self.words))

    # -- checkpoints
    def manifest(self) -> dict[str, Any]:
        return {"words": self.words, "runs": [[r.path.name, r.count] for r in self.runs],
                "serial": self.serial, "spills": self.spills, "table": self.nk}

    def table_keys(self) -> Any:
        return self.KB[:self.nk]

    @classmethod
    def restore(cls, meta: dict[str, Any], table: Any, budget_bytes: int | None, folder: Path) -> SeenSet:
        s = cls(int(meta["words"]), budget_bytes, folder)
        s.runs = [Run(folder / name, int(count), s.words) for name, count in meta["runs"]]
        s.serial = int(meta["serial"])
        s.spills = int(meta["spills"])
        n = len(table)
        s._room(n)
        s.KB[:n] = table
        s.nk = n
        L.rehash_keys(s.KB, s.nk, s.tab)
        return s
