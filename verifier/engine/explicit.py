"""Stage 5 (explicit): breadth-first search over every reachable state.

The loop works level by level: expand each state of the frontier (through a
``Stepper``), hand the level's successors to the ``store`` in one batch, and keep, per
new state, only its parent's id and the ordinal of the transition that reached it (TLC
keeps the same: fingerprints plus a parent link). Traces are rebuilt afterwards by
replaying those ordinals through the reference semantics (``verifier/engine/trace.py``).
Because the search is breadth-first and each level keeps discovery order, the first
state found for a property lies on a shortest path, and runs are deterministic.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from verifier.engine.options import CheckOptions
from verifier.engine.stepper import ERROR, Stepper

CHECK_EVERY = 2048


@dataclass
class Found:
    """The first state (by id) where something was found; ``step`` is set for an error
    transition: (ordinal, action index, message) out of state ``sid``."""

    sid: int
    step: tuple[int, int, str] | None = None


@dataclass
class Exploration:
    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    complete: bool = True
    stop_reason: str | None = None
    found: dict[int, Found] = field(default_factory=dict)   # monitor index -> first state
    deadlock: Found | None = None
    error: Found | None = None
    level_base: list[int] = field(default_factory=list)
    # per level: parent id (int32 while ids fit, else int64) and the ordinal of the
    # transition that reached the state (uint16 while a state has < 65536 transitions)
    parents: list[npt.NDArray[np.integer[Any]]] = field(default_factory=list)
    ordinals: list[npt.NDArray[np.integer[Any]]] = field(default_factory=list)
    store_bytes: int = 0
    fault_combos: set[tuple[int, ...]] = field(default_factory=set)

    def path(self, sid: int) -> list[int]:
        """Ordinals from an initial state (its index among the initial states) to ``sid``."""
        out = []
        while True:
            lvl = bisect_right(self.level_base, sid) - 1
            k = sid - self.level_base[lvl]
            out.append(int(self.ordinals[lvl][k]))
            parent = int(self.parents[lvl][k])
            if parent < 0:
                break
            sid = parent
        return out[::-1]

    @property
    def link_bytes(self) -> int:
        return sum(a.nbytes for a in self.parents) + sum(a.nbytes for a in self.ordinals)


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Run time, the time and memory limits, and progress lines (the liveness check's too)."""

    def __init__(self, opts: CheckOptions) -> None:
        self.opts = opts
        self.t0 = time.perf_counter()
        self.last_progress = self.t0
        self.shown = False

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def limit(self, states: int) -> str | None:
        o = self.opts
        if o.max_seconds is not None and self.elapsed() > o.max_seconds:
            return f"time limit ({o.max_seconds:g} s)"
        if o.max_memory_mb is not None and rss_mb() > o.max_memory_mb:
            return f"memory limit ({o.max_memory_mb} MiB)"
        return None

    def progress(self, states: int, queue: int, depth: int) -> None:
        now = time.perf_counter()
        if not self.opts.progress or now - self.last_progress < 2.0:
            return
        rate = states / max(1e-9, now - self.t0)
        line = f"{states:,} states, {rate:,.0f} states/s, queue {queue:,}, depth {depth}"
        limit = self.opts.max_states
        if limit is not None and rate > 0:  # the one total known in advance
            line += f", state limit in about {eta((limit - states) / rate)}"
        self.show(line)

    def show(self, line: str, *, now: bool = False) -> None:
        """A progress line on stderr (at most one per 2 s unless ``now``), redrawn in
        place on a terminal."""
        t = time.perf_counter()
        if not self.opts.progress or (not now and t - self.last_progress < 2.0):
            return
        self.last_progress = t
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{line}  ")
            self.shown = True
        else:
            sys.stderr.write(f"progress: {line}\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()


def eta(seconds: float) -> str:
    """A remaining time, rounded for a progress line."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def explore(stepper: Stepper, store: Any, opts: CheckOptions, n_monitors: int,
            counter_fields: list[tuple[int, int]] | None = None,
            stoppers: frozenset[int] = frozenset()) -> Exploration:
    """Breadth-first search over monitors 0..n_monitors-1 (``stoppers``: those whose
    firing is a violation, for ``stop_at_first``); ``counter_fields`` are (offset, mask)
    of fault counters in a packed state, or (index, 0) in a tuple state."""
    ex = Exploration()
    clock = Clock(opts)
    active = list(range(n_monitors))
    try:
        _bfs(stepper, store, opts, ex, clock, active, counter_fields or [], stoppers)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the command line makes it one)
        ex.complete = False
        ex.stop_reason = "interrupted"
    except MemoryError:  # what was found so far stands; the frontier is freed by now
        ex.complete = False
        ex.stop_reason = "out of memory"
    finally:
        clock.done()
    ex.seconds = clock.elapsed()
    ex.states = _linked_states(ex)
    ex.store_bytes = store.nbytes
    return ex


def _linked_states(ex: Exploration) -> int:
    """The states with a parent link: all of the store's, unless an interrupt or a
    MemoryError came between storing a level and linking it (that level is dropped)."""
    n = min(len(ex.level_base), len(ex.parents), len(ex.ordinals))
    del ex.level_base[n:], ex.parents[n:], ex.ordinals[n:]
    return ex.level_base[-1] + int(ex.parents[-1].size) if n else 0


def _note_combos(ex: Exploration, states: list[Any], fields: list[tuple[int, int]]) -> None:
    if not fields:
        return
    for s in states:
        if isinstance(s, int):
            ex.fault_combos.add(tuple((s >> off) & mask for off, mask in fields))
        else:
            ex.fault_combos.add(tuple(s[i] for i, _ in fields))


def _check_level(stepper: Stepper, ex: Exploration, opts: CheckOptions, active: list[int],
                 frontier: list[Any], base: int, clock: Clock, stoppers: frozenset[int]) -> bool:
    """Run the monitors on a new level; True when the search should stop here."""
    stop = False
    for lo in range(0, len(frontier), CHECK_EVERY * 8):
        if not active:
            break
        for k, fired in stepper.scan(frontier[lo:lo + CHECK_EVERY * 8], active):
            for m in fired:
                if m in active:
                    ex.found[m] = Found(base + lo + k)
                    active.remove(m)
                    if opts.stop_at_first and m in stoppers:
                        stop = True
        clock.progress(base + lo, len(frontier) - lo, ex.depth)
    return stop


def _narrow(a: npt.NDArray[np.int64], small: Any, large: Any) -> npt.NDArray[np.integer[Any]]:
    """``a`` in the smaller dtype when every value fits (it is compared, not assumed)."""
    if a.size == 0 or (a.min() >= np.iinfo(small).min and a.max() <= np.iinfo(small).max):
        return a.astype(small)
    return a.astype(large)


def _first_deadlock(ex: Exploration, ends: list[int], skipped: list[int], base: int) -> None:
    """The first state of the level with no transition that a constraint did not stop."""
    skip = set(skipped)
    prev = 0
    for i, end in enumerate(ends):
        if end == prev and i not in skip:
            ex.deadlock = Found(base + i)
            return
        prev = end


def _first_error(ex: Exploration, err: tuple[int, int, str], ends: list[int], base: int,
                 lo: int) -> None:
    """Locate the state whose expansion produced ``err`` (found after a lean chunk)."""
    o, a, msg = err
    i = bisect_right(ends, o, lo)
    start = ends[i - 1] if i > 0 else 0
    ex.error = Found(base + i, (o - start, a, msg))  # i indexes the whole level


def _bfs(stepper: Stepper, store: Any, opts: CheckOptions, ex: Exploration, clock: Clock,
         active: list[int], counter_fields: list[tuple[int, int]],
         stoppers: frozenset[int]) -> None:
    inits = stepper.initial()
    fresh, over = store.add_batch_limited(inits, opts.max_states)
    frontier = [inits[i] for i in fresh]
    ex.level_base.append(0)
    ex.parents.append(np.full(len(frontier), -1, dtype=np.int32))
    ex.ordinals.append(_narrow(np.asarray(fresh, dtype=np.int64), np.uint16, np.uint32))
    _note_combos(ex, frontier, counter_fields)
    total = len(frontier)
    stop = _check_level(stepper, ex, opts, active, frontier, 0, clock, stoppers)
    base = 0
    if over:
        ex.complete, ex.stop_reason = False, f"state limit ({opts.max_states:,})"
        return
    while frontier and not stop:
        if opts.max_depth is not None and ex.depth >= opts.max_depth:
            ex.complete, ex.stop_reason = False, f"depth limit ({opts.max_depth})"
            return
        out: list[Any] = []
        errs: list[tuple[int, int, str]] = []
        ends: list[int] = []
        skipped: list[int] = []
        for lo in range(0, len(frontier), CHECK_EVERY):
            n_errs = len(errs)
            stepper.expand_level(frontier[lo:lo + CHECK_EVERY], out, ends, errs, skipped)
            if len(errs) > n_errs and ex.error is None:
                _first_error(ex, errs[n_errs], ends, base, lo)
                stop = stop or opts.stop_at_first
            clock.progress(total, len(frontier) - lo, ex.depth)
            reason = clock.limit(total)
            if reason:
                ex.complete, ex.stop_reason = False, reason
                return
        if opts.deadlock and ex.deadlock is None:
            _first_deadlock(ex, ends, skipped, base)
            stop = stop or (ex.deadlock is not None and opts.stop_at_first)
        ex.transitions += len(out)
        if errs:
            positions = [j for j, x in enumerate(out) if not (isinstance(x, int) and x == ERROR)]
            cands = [out[j] for j in positions]
        else:
            positions = None
            cands = out
        room = None if opts.max_states is None else opts.max_states - total
        new, over = store.add_batch_limited(cands, room)
        if not new:
            if over:  # the limit was reached exactly at the end of the last level
                ex.complete, ex.stop_reason = False, f"state limit ({opts.max_states:,})"
                return
            break
        pos = np.asarray(new, dtype=np.int64)
        if positions is not None:
            pos = np.asarray(positions, dtype=np.int64)[pos]
        ends_arr = np.asarray(ends, dtype=np.int64)
        parent_idx = np.searchsorted(ends_arr, pos, side="right")
        starts = np.concatenate((np.zeros(1, dtype=np.int64), ends_arr[:-1]))
        next_base = base + len(frontier)
        ex.level_base.append(next_base)
        ex.parents.append(_narrow(parent_idx + base, np.int32, np.int64))
        ex.ordinals.append(_narrow(pos - starts[parent_idx], np.uint16, np.uint32))
        frontier = [cands[j] for j in new]
        base = next_base
        total += len(frontier)
        ex.depth += 1
        _note_combos(ex, frontier, counter_fields)
        stop = _check_level(stepper, ex, opts, active, frontier, base, clock, stoppers) or stop
        reason = clock.limit(total)
        if over:  # exactly max_states states are stored: the first ones in discovery order
            reason = f"state limit ({opts.max_states:,})"
        if reason:
            ex.complete, ex.stop_reason = False, reason
            return
    if stop:
        ex.complete, ex.stop_reason = False, "stopped at the first violation"
